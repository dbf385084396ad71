//! WebAssembly bindings of [guestlink](../../crates/guestlink): a thin wasm-bindgen layer, no
//! protocol logic of its own. The npm package `guestlink` (package.json next to this crate)
//! wraps its output; README.md describes the JavaScript API.
//!
//! Conventions every export follows:
//! - errors are thrown as one JavaScript class, `GuestlinkError` (error.js), with the core's
//!   numeric `code` and `name` unchanged; this layer adds only codes 901..904;
//! - every export first enters a guard, so after a trap (a panic aborts) every later call throws
//!   `PANICKED` instead of running on a possibly half-updated heap;
//! - objects hold their core value in a slot (`support::Slot`): `free()` wipes it and later calls
//!   throw `OBJECT_FREED`; a consuming step (`OpenedInvite.claim`) leaves `OBJECT_CONSUMED`. Each
//!   class exports its own `free` method, which the generated JS defines after wasm-bindgen's own
//!   `free()` and so replaces it (and `[Symbol.dispose]`, which points at `free`): the object stays
//!   a valid handle, and the empty shell is released by wasm-bindgen's FinalizationRegistry. The
//!   Node tests pin this (`OBJECT_FREED` after `free()` and after `[Symbol.dispose]()`);
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

// The shapes of the plain objects the exports return (`unchecked_return_type` names them).
#[wasm_bindgen::prelude::wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &str = r#"
/** Lifecycle of a host session. */
export type HostState = "unclaimed" | "claimed" | "revoked";

/** What `HostIdentity.createInvite` returns. */
export interface CreatedInvite {
  /** The host's session for this invite. */
  session: HostSession;
  /** `baseUrl#fragment`: the fragment holds the invite secret. Send it to the guest only. */
  link: string;
  /** The signed invite record to publish on the relay. */
  record: Uint8Array;
}

/** What `HostSession.decrypt` returns. */
export type HostReceived =
  | {
      kind: "claimed";
      /** Post it to the relay so that only this guest may post. */
      claimedRecord: Uint8Array;
      /** Send it to the guest at once. */
      confirmation: Uint8Array;
      /** Compare it with the guest out of band. */
      safetyCode: SafetyCode;
      /** The claim's text, if the claim envelope carried one. */
      text?: string;
    }
  | { kind: "text"; text: string }
  | { kind: "join" };

/** What `OpenedInvite.decrypt` and `GuestSession.decrypt` return. */
export type GuestReceived = { kind: "text"; text: string } | { kind: "confirmed" } | { kind: "ended" };

/** What `OpenedInvite.claim` returns. */
export interface Claim {
  /** The guest session (unconfirmed until a host message decrypts). */
  session: GuestSession;
  /** The claim envelope to post to the relay. */
  envelope: Uint8Array;
}

/** What `HostSession.revoke` returns. */
export interface Revocation {
  /** The signed revocation record to post to the relay. */
  record: Uint8Array;
  /** The end message for the guest, when a session was running. */
  endMessage?: Uint8Array;
}

/** What `InviteRecord.verifyClaimed` returns. */
export interface ClaimedRecord {
  claimKey: Uint8Array;
  guestMailboxKey: Uint8Array;
  claimedAt: number;
}

/** What `peek` returns. */
export interface EnvelopeInfo {
  /** 1 for records; 2 for the messages this package writes (1 for messages from older writers). */
  version: number;
  kind: "inviteRecord" | "claimedRecord" | "revocationRecord" | "preClaim" | "claim" | "message";
  mailboxId: Uint8Array;
}

/** What `snapshotInfo` returns. */
export interface SnapshotInfo {
  /** The format version: 2 as written now; 1 is still read, and rewritten as 2 at the next save. */
  version: number;
  kind: "hostIdentity" | "hostSession" | "openedInvite" | "guestSession";
  objectId: Uint8Array;
  counter: number;
}
"#;

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
