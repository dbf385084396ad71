//! WebAssembly bindings of [guestlink](../../crates/guestlink): a thin wasm-bindgen layer, no
//! protocol logic of its own. The npm package `guestlink` (package.json next to this crate)
//! wraps its output; README.md describes the JavaScript API.
//!
//! Conventions every export follows:
//! - errors are thrown as one JavaScript class, `GuestlinkError` (error.js), with the core's
//!   numeric `code` and `name` unchanged; this layer adds only codes 901..904;
//! - every export first enters a guard, so after a trap (a panic aborts) every later call throws
//!   `PANICKED` instead of running on a possibly half-updated heap;
//! - objects hold their core value in a [`support::Slot`]: `free()` wipes it and later calls
//!   throw `OBJECT_FREED`; a consuming step (`OpenedInvite.claim`) leaves `OBJECT_CONSUMED`;
//! - arguments arrive as `JsValue` and are type-checked here (a wrong type is the core's
//!   `INVALID_ARGUMENT`), because wasm-bindgen's glue would silently coerce them;
//! - no export returns a private key or the invite secret, except the host's link string, which
//!   the host must send.
#![cfg_attr(target_arch = "wasm32", no_std)]
#![forbid(unsafe_code)]

extern crate alloc;

mod guest;
mod host;
mod record;
mod support;

pub use guest::{GuestSession, InviteLink, OpenedInvite};
pub use host::{HostIdentity, HostSession};
pub use record::{InviteRecord, SafetyCode};

// No std on wasm32: no panic message formatting, no std panic hook. A panic traps at once; the
// call guard (support::enter) then refuses every later call.
#[cfg(target_arch = "wasm32")]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;
