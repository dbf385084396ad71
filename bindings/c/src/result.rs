//! `guestlink_result`: the one result code of every fallible function.

use std::ffi::{CStr, CString, c_char};
use std::sync::OnceLock;

use guestlink::Error;

use crate::ffi::boundary_or;

/// The result of every fallible function of this library.
///
/// `GUESTLINK_RESULT_OK` is 0. Codes 1 to 99 belong to this C binding; codes 101 and above are
/// the core library's stable error codes (`guestlink::Error::code()`, SPEC.md "Error codes"),
/// unchanged. No value is ever renumbered or reused. Treat unknown values as errors: a newer
/// library may add codes. `guestlink_result_name` and `guestlink_result_message` describe any
/// code.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum guestlink_result {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL (every pointer argument is required).
    NullArgument = 1,
    /// The output buffer is too small: `*out_len` holds the length required and nothing else
    /// was written; nothing changed.
    BufferTooSmall = 2,
    /// A panic was caught at the boundary (a bug in guestlink). The handle in use is poisoned.
    Panic = 3,
    /// The value was already taken out of this handle.
    AlreadyUsed = 4,
    /// A text argument is not valid UTF-8.
    InvalidUtf8 = 5,
    /// The handle was poisoned by an earlier panic: only its `_free` function may be called.
    HandlePoisoned = 6,
    /// The requested part does not exist for this value (for example the text of a
    /// confirmation, or the end message of an unclaimed invite's revocation).
    NoValue = 7,
    /// The core reported an error this binding does not know (a build mismatch; a test
    /// guarantees it does not happen).
    UnknownError = 8,
    /// Another call (from another thread) is using the handle in a way this call cannot
    /// overlap: a mutating call (`T *`) needs the handle alone; read-only calls (`const T *`)
    /// may overlap each other but not a mutating call. Nothing was read or changed; retry once
    /// the other call has returned.
    HandleBusy = 9,
    /// The link has no `#` fragment.
    LinkMissingFragment = 101,
    /// The fragment is not a canonical 87-character base64url capsule.
    LinkMalformed = 102,
    /// The capsule's version byte is not one this library reads.
    LinkVersionUnsupported = 103,
    /// Something that looks like a secret appears outside the fragment.
    SecretOutsideFragment = 104,
    /// A public key is malformed, non-canonical or of small order.
    InvalidKey = 105,
    /// A caller-supplied argument is out of range (for example a base URL with `#`).
    InvalidArgument = 106,
    /// An envelope or record is truncated, has trailing bytes or bad lengths.
    EnvelopeMalformed = 201,
    /// An envelope is larger than the protocol maximum.
    EnvelopeTooLarge = 202,
    /// The protocol version or suite is not one this library speaks.
    VersionUnsupported = 203,
    /// The envelope type is not acceptable for this operation or party.
    UnexpectedMessageType = 204,
    /// The envelope belongs to another mailbox.
    WrongMailbox = 205,
    /// A signature does not verify.
    BadSignature = 301,
    /// The invite record does not match the link.
    RecordMismatch = 302,
    /// The invite has expired.
    InviteExpired = 303,
    /// The invite has been revoked.
    InviteRevoked = 304,
    /// A verified claim with a different claim key arrived after another claim was accepted.
    CompetingClaim = 305,
    /// A claim arrived after the claim window closed; it cannot be verified and is refused.
    StaleClaim = 306,
    /// The invite was claimed by someone else.
    ClaimedByOther = 307,
    /// The operation needs a claimed session.
    NotClaimed = 308,
    /// The host ended the session.
    SessionEnded = 309,
    /// Authenticated decryption failed.
    DecryptFailed = 401,
    /// The message was already received.
    Duplicate = 402,
    /// The message skips more keys than the limits allow.
    GapTooLarge = 403,
    /// The message's counter is not acceptable on its chain.
    InvalidCounter = 404,
    /// The sending counter is exhausted.
    CounterExhausted = 405,
    /// A Diffie-Hellman result was all zero (non-contributory).
    WeakSharedSecret = 406,
    /// The decrypted content is malformed (padding, content type or UTF-8).
    InvalidContent = 407,
    /// The plaintext is longer than the protocol maximum.
    PlaintextTooLarge = 408,
    /// A snapshot is malformed or violates the limits.
    SnapshotMalformed = 501,
    /// The snapshot's format version is not one this library reads.
    SnapshotVersionUnsupported = 502,
    /// The snapshot does not decrypt under this key.
    SnapshotDecryptFailed = 503,
    /// The snapshot's counter is below the caller's minimum (a rollback).
    SnapshotRolledBack = 504,
    /// The snapshot holds another kind of object or another session.
    SnapshotWrongObject = 505,
}

impl From<Error> for guestlink_result {
    fn from(e: Error) -> Self {
        match e {
            Error::LinkMissingFragment => guestlink_result::LinkMissingFragment,
            Error::LinkMalformed => guestlink_result::LinkMalformed,
            Error::LinkVersionUnsupported => guestlink_result::LinkVersionUnsupported,
            Error::SecretOutsideFragment => guestlink_result::SecretOutsideFragment,
            Error::InvalidKey => guestlink_result::InvalidKey,
            Error::InvalidArgument => guestlink_result::InvalidArgument,
            Error::EnvelopeMalformed => guestlink_result::EnvelopeMalformed,
            Error::EnvelopeTooLarge => guestlink_result::EnvelopeTooLarge,
            Error::VersionUnsupported => guestlink_result::VersionUnsupported,
            Error::UnexpectedMessageType => guestlink_result::UnexpectedMessageType,
            Error::WrongMailbox => guestlink_result::WrongMailbox,
            Error::BadSignature => guestlink_result::BadSignature,
            Error::RecordMismatch => guestlink_result::RecordMismatch,
            Error::InviteExpired => guestlink_result::InviteExpired,
            Error::InviteRevoked => guestlink_result::InviteRevoked,
            Error::CompetingClaim => guestlink_result::CompetingClaim,
            Error::StaleClaim => guestlink_result::StaleClaim,
            Error::ClaimedByOther => guestlink_result::ClaimedByOther,
            Error::NotClaimed => guestlink_result::NotClaimed,
            Error::SessionEnded => guestlink_result::SessionEnded,
            Error::DecryptFailed => guestlink_result::DecryptFailed,
            Error::Duplicate => guestlink_result::Duplicate,
            Error::GapTooLarge => guestlink_result::GapTooLarge,
            Error::InvalidCounter => guestlink_result::InvalidCounter,
            Error::CounterExhausted => guestlink_result::CounterExhausted,
            Error::WeakSharedSecret => guestlink_result::WeakSharedSecret,
            Error::InvalidContent => guestlink_result::InvalidContent,
            Error::PlaintextTooLarge => guestlink_result::PlaintextTooLarge,
            Error::SnapshotMalformed => guestlink_result::SnapshotMalformed,
            Error::SnapshotVersionUnsupported => guestlink_result::SnapshotVersionUnsupported,
            Error::SnapshotDecryptFailed => guestlink_result::SnapshotDecryptFailed,
            Error::SnapshotRolledBack => guestlink_result::SnapshotRolledBack,
            Error::SnapshotWrongObject => guestlink_result::SnapshotWrongObject,
            _ => guestlink_result::UnknownError,
        }
    }
}

/// Names and messages of this binding's own codes, as static C strings.
const FFI_STRINGS: [(guestlink_result, &CStr, &CStr); 10] = [
    (guestlink_result::Ok, c"OK", c"success"),
    (guestlink_result::NullArgument, c"NULL_ARGUMENT", c"a required pointer argument is NULL"),
    (guestlink_result::BufferTooSmall, c"BUFFER_TOO_SMALL", c"the output buffer is too small"),
    (guestlink_result::Panic, c"PANIC", c"an internal error (panic) was caught; the handle is poisoned"),
    (guestlink_result::AlreadyUsed, c"ALREADY_USED", c"the value was already taken from this handle"),
    (guestlink_result::InvalidUtf8, c"INVALID_UTF8", c"a text argument is not valid UTF-8"),
    (guestlink_result::HandlePoisoned, c"HANDLE_POISONED", c"the handle was poisoned by an earlier panic"),
    (guestlink_result::NoValue, c"NO_VALUE", c"this value has no such part"),
    (guestlink_result::UnknownError, c"UNKNOWN_ERROR", c"an error this binding does not know"),
    (guestlink_result::HandleBusy, c"HANDLE_BUSY", c"another call is using the handle"),
];

/// NUL-terminated copies of the core's static names and messages, built once from
/// `Error::name()` and `Error::message()` so that they cannot drift.
fn core_strings() -> &'static [(u32, CString, CString)] {
    static TABLE: OnceLock<Vec<(u32, CString, CString)>> = OnceLock::new();
    TABLE.get_or_init(|| {
        Error::ALL
            .iter()
            .filter_map(|e| {
                let name = CString::new(e.name()).ok()?;
                let message = CString::new(e.message()).ok()?;
                Some((e.code(), name, message))
            })
            .collect()
    })
}

fn describe(code: u32, message: bool) -> &'static CStr {
    if let Some((_, name, msg)) = FFI_STRINGS.iter().find(|(r, _, _)| *r as u32 == code) {
        return if message { msg } else { name };
    }
    match core_strings().iter().find(|(c, _, _)| *c == code) {
        Some((_, name, msg)) => {
            if message {
                msg
            } else {
                name
            }
        }
        None if message => c"unknown result code",
        None => c"UNKNOWN",
    }
}

/// The stable name of a result code, such as `"DECRYPT_FAILED"` (the core's `Error::name()`
/// for codes above 100), or `"UNKNOWN"` for a value no version of the library defined.
///
/// Ownership: the string is static, NUL-terminated and never freed. Thread-safety: may be called
/// from any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_result_name(code: u32) -> *const c_char {
    boundary_or(c"UNKNOWN".as_ptr(), || describe(code, false).as_ptr())
}

/// A short English description of a result code; static, NUL-terminated, never containing
/// secret bytes. Ownership: static, never freed. Thread-safety: any thread.
#[unsafe(no_mangle)]
pub extern "C" fn guestlink_result_message(code: u32) -> *const c_char {
    boundary_or(c"unknown result code".as_ptr(), || describe(code, true).as_ptr())
}
