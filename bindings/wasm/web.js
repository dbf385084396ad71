// Entry for browsers and bundlers (ESM). Call `await init()` once before anything else: it
// fetches and compiles pkg/guestlink_wasm_bg.wasm (bundlers see the `new URL(..., import.meta.url)`
// in the glue and ship the file). `init({ module_or_path })` accepts a URL, Response or bytes.
export { default as init, initSync } from './pkg/guestlink_wasm.js';
export * from './pkg/guestlink_wasm.js';
export { GuestlinkError } from './error.js';
export { takeLinkFromLocation } from './page.js';
