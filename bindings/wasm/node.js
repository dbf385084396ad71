// Entry for Node (ESM): the module is compiled synchronously at import, so `init()` is a no-op
// kept for code shared with browsers.
import { readFileSync } from 'node:fs';
import { initSync } from './pkg/guestlink_wasm.js';

initSync({ module: readFileSync(new URL('./pkg/guestlink_wasm_bg.wasm', import.meta.url)) });

/** Already initialised in Node; resolves at once. */
export async function init() {}
export { initSync } from './pkg/guestlink_wasm.js';
export * from './pkg/guestlink_wasm.js';
export { GuestlinkError } from './error.js';
export { takeLinkFromLocation } from './page.js';
