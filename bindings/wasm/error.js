// The one error class of the package. The WebAssembly glue (pkg/guestlink_wasm.js) imports it
// from here, so `instanceof GuestlinkError` holds for every error the package throws.

/**
 * An error thrown by guestlink. `code` is the core library's stable numeric code (SPEC.md,
 * "Error codes"), `name` its stable identifier (`"DECRYPT_FAILED"`, ...), both unchanged; codes
 * 901..904 are this package's own (`OBJECT_CONSUMED`, `OBJECT_FREED`, `PANICKED`, `UNSUPPORTED`).
 * Messages are static and never contain secrets.
 */
export class GuestlinkError extends Error {
  constructor(code, name, message) {
    super(message);
    this.name = name;
    this.code = code;
  }
}
