// Types of the npm package `guestlink` (both entries, web.js and node.js, export the same API).
// The classes and result shapes come from the wasm-bindgen output; this file adds the error
// class, `init` and the page helper.
export * from './pkg/guestlink_wasm.js';
import type { InitInput, InviteLink } from './pkg/guestlink_wasm.js';

/**
 * Every error the package throws. `code` and `name` are the core library's stable values
 * (`401` / `"DECRYPT_FAILED"`, ...); 901..904 are the package's own: `OBJECT_CONSUMED`,
 * `OBJECT_FREED`, `PANICKED`, `UNSUPPORTED`. See `errorCodes()`.
 */
export declare class GuestlinkError extends Error {
  constructor(code: number, name: string, message: string);
  /** The stable numeric code. */
  readonly code: number;
  /** The stable identifier, `SCREAMING_SNAKE_CASE`. */
  readonly name: string;
}

/**
 * Loads the WebAssembly module. In browsers call it once, before anything else; it fetches
 * `pkg/guestlink_wasm_bg.wasm` next to the glue unless given a URL, Response or bytes. In Node
 * the module is loaded at import and `init()` resolves at once.
 */
export declare function init(
  module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>,
): Promise<unknown>;

/**
 * Reads the invite fragment from `location.hash`, removes it from the address bar and the current
 * history entry with `history.replaceState` (also when it does not parse), and parses it. Throws
 * `LINK_MISSING_FRAGMENT` when there is none. Serve the page with `Referrer-Policy: no-referrer`.
 */
export declare function takeLinkFromLocation(win?: {
  location: { hash: string; pathname: string; search: string };
  history: { state: unknown; replaceState(data: unknown, unused: string, url?: string | null): void };
}): InviteLink;
