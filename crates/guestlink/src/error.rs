//! The one error type of the library, with stable numeric codes.

use core::fmt;

/// Every way an operation of this library can fail.
///
/// Each variant has a stable numeric [`code`](Error::code) that the C and WASM layers expose
/// unchanged; codes are never renumbered or reused (SPEC.md, "Error codes"). Messages are static
/// and never contain key material or plaintext.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// The link has no `#` fragment.
    LinkMissingFragment,
    /// The fragment is not a canonical 87-character base64url capsule.
    LinkMalformed,
    /// The capsule's version byte is not one this library reads.
    LinkVersionUnsupported,
    /// Something that looks like a secret appears outside the fragment.
    SecretOutsideFragment,
    /// A public key is malformed, non-canonical or of small order.
    InvalidKey,
    /// A caller-supplied argument is out of range (for example a base URL with `#`).
    InvalidArgument,
    /// An envelope or record is truncated, has trailing bytes or bad lengths.
    EnvelopeMalformed,
    /// An envelope is larger than the protocol maximum.
    EnvelopeTooLarge,
    /// The protocol version or suite is not one this library speaks.
    VersionUnsupported,
    /// The envelope type is not acceptable for this operation or party.
    UnexpectedMessageType,
    /// The envelope belongs to another mailbox.
    WrongMailbox,
    /// A signature does not verify.
    BadSignature,
    /// The invite record does not match the link.
    RecordMismatch,
    /// The invite has expired.
    InviteExpired,
    /// The invite has been revoked.
    InviteRevoked,
    /// A verified claim with a different claim key arrived after another claim was accepted.
    CompetingClaim,
    /// A claim arrived after the claim window closed; it cannot be verified and is refused.
    StaleClaim,
    /// The invite was claimed by someone else.
    ClaimedByOther,
    /// The operation needs a claimed session.
    NotClaimed,
    /// The host ended the session.
    SessionEnded,
    /// Authenticated decryption failed.
    DecryptFailed,
    /// The message was already received.
    Duplicate,
    /// The message skips more keys than the limits allow.
    GapTooLarge,
    /// The message's counter is not acceptable on its chain.
    InvalidCounter,
    /// The sending counter is exhausted.
    CounterExhausted,
    /// A Diffie-Hellman result was all zero (non-contributory).
    WeakSharedSecret,
    /// The decrypted content is malformed (padding, content type or UTF-8).
    InvalidContent,
    /// The plaintext is longer than the protocol maximum.
    PlaintextTooLarge,
    /// A snapshot is malformed or violates the limits.
    SnapshotMalformed,
    /// The snapshot's format version is not one this library reads.
    SnapshotVersionUnsupported,
    /// The snapshot does not decrypt under this key.
    SnapshotDecryptFailed,
    /// The snapshot's counter is below the caller's minimum (a rollback).
    SnapshotRolledBack,
    /// The snapshot holds another kind of object or another session.
    SnapshotWrongObject,
}

impl Error {
    /// Every variant, in code order (for bindings and tests).
    pub const ALL: [Error; 33] = [
        Error::LinkMissingFragment,
        Error::LinkMalformed,
        Error::LinkVersionUnsupported,
        Error::SecretOutsideFragment,
        Error::InvalidKey,
        Error::InvalidArgument,
        Error::EnvelopeMalformed,
        Error::EnvelopeTooLarge,
        Error::VersionUnsupported,
        Error::UnexpectedMessageType,
        Error::WrongMailbox,
        Error::BadSignature,
        Error::RecordMismatch,
        Error::InviteExpired,
        Error::InviteRevoked,
        Error::CompetingClaim,
        Error::StaleClaim,
        Error::ClaimedByOther,
        Error::NotClaimed,
        Error::SessionEnded,
        Error::DecryptFailed,
        Error::Duplicate,
        Error::GapTooLarge,
        Error::InvalidCounter,
        Error::CounterExhausted,
        Error::WeakSharedSecret,
        Error::InvalidContent,
        Error::PlaintextTooLarge,
        Error::SnapshotMalformed,
        Error::SnapshotVersionUnsupported,
        Error::SnapshotDecryptFailed,
        Error::SnapshotRolledBack,
        Error::SnapshotWrongObject,
    ];

    /// The stable numeric code (SPEC.md, "Error codes"). Never renumbered.
    pub const fn code(self) -> u32 {
        match self {
            Error::LinkMissingFragment => 101,
            Error::LinkMalformed => 102,
            Error::LinkVersionUnsupported => 103,
            Error::SecretOutsideFragment => 104,
            Error::InvalidKey => 105,
            Error::InvalidArgument => 106,
            Error::EnvelopeMalformed => 201,
            Error::EnvelopeTooLarge => 202,
            Error::VersionUnsupported => 203,
            Error::UnexpectedMessageType => 204,
            Error::WrongMailbox => 205,
            Error::BadSignature => 301,
            Error::RecordMismatch => 302,
            Error::InviteExpired => 303,
            Error::InviteRevoked => 304,
            Error::CompetingClaim => 305,
            Error::StaleClaim => 306,
            Error::ClaimedByOther => 307,
            Error::NotClaimed => 308,
            Error::SessionEnded => 309,
            Error::DecryptFailed => 401,
            Error::Duplicate => 402,
            Error::GapTooLarge => 403,
            Error::InvalidCounter => 404,
            Error::CounterExhausted => 405,
            Error::WeakSharedSecret => 406,
            Error::InvalidContent => 407,
            Error::PlaintextTooLarge => 408,
            Error::SnapshotMalformed => 501,
            Error::SnapshotVersionUnsupported => 502,
            Error::SnapshotDecryptFailed => 503,
            Error::SnapshotRolledBack => 504,
            Error::SnapshotWrongObject => 505,
        }
    }

    /// The variant with this code, if any.
    pub fn from_code(code: u32) -> Option<Error> {
        Error::ALL.iter().copied().find(|e| e.code() == code)
    }

    /// A stable identifier, `SCREAMING_SNAKE_CASE`, as exposed to C and JavaScript.
    pub const fn name(self) -> &'static str {
        match self {
            Error::LinkMissingFragment => "LINK_MISSING_FRAGMENT",
            Error::LinkMalformed => "LINK_MALFORMED",
            Error::LinkVersionUnsupported => "LINK_VERSION_UNSUPPORTED",
            Error::SecretOutsideFragment => "SECRET_OUTSIDE_FRAGMENT",
            Error::InvalidKey => "INVALID_KEY",
            Error::InvalidArgument => "INVALID_ARGUMENT",
            Error::EnvelopeMalformed => "ENVELOPE_MALFORMED",
            Error::EnvelopeTooLarge => "ENVELOPE_TOO_LARGE",
            Error::VersionUnsupported => "VERSION_UNSUPPORTED",
            Error::UnexpectedMessageType => "UNEXPECTED_MESSAGE_TYPE",
            Error::WrongMailbox => "WRONG_MAILBOX",
            Error::BadSignature => "BAD_SIGNATURE",
            Error::RecordMismatch => "RECORD_MISMATCH",
            Error::InviteExpired => "INVITE_EXPIRED",
            Error::InviteRevoked => "INVITE_REVOKED",
            Error::CompetingClaim => "COMPETING_CLAIM",
            Error::StaleClaim => "STALE_CLAIM",
            Error::ClaimedByOther => "CLAIMED_BY_OTHER",
            Error::NotClaimed => "NOT_CLAIMED",
            Error::SessionEnded => "SESSION_ENDED",
            Error::DecryptFailed => "DECRYPT_FAILED",
            Error::Duplicate => "DUPLICATE",
            Error::GapTooLarge => "GAP_TOO_LARGE",
            Error::InvalidCounter => "INVALID_COUNTER",
            Error::CounterExhausted => "COUNTER_EXHAUSTED",
            Error::WeakSharedSecret => "WEAK_SHARED_SECRET",
            Error::InvalidContent => "INVALID_CONTENT",
            Error::PlaintextTooLarge => "PLAINTEXT_TOO_LARGE",
            Error::SnapshotMalformed => "SNAPSHOT_MALFORMED",
            Error::SnapshotVersionUnsupported => "SNAPSHOT_VERSION_UNSUPPORTED",
            Error::SnapshotDecryptFailed => "SNAPSHOT_DECRYPT_FAILED",
            Error::SnapshotRolledBack => "SNAPSHOT_ROLLED_BACK",
            Error::SnapshotWrongObject => "SNAPSHOT_WRONG_OBJECT",
        }
    }

    /// A short English description; static, never containing secret bytes.
    pub const fn message(self) -> &'static str {
        match self {
            Error::LinkMissingFragment => "the link has no fragment",
            Error::LinkMalformed => "the link fragment is malformed",
            Error::LinkVersionUnsupported => "the link version is not supported",
            Error::SecretOutsideFragment => "a secret appears outside the link fragment",
            Error::InvalidKey => "a public key is invalid",
            Error::InvalidArgument => "an argument is out of range",
            Error::EnvelopeMalformed => "the envelope is malformed",
            Error::EnvelopeTooLarge => "the envelope is too large",
            Error::VersionUnsupported => "the protocol version or suite is not supported",
            Error::UnexpectedMessageType => "the message type is not expected here",
            Error::WrongMailbox => "the envelope belongs to another mailbox",
            Error::BadSignature => "a signature does not verify",
            Error::RecordMismatch => "the invite record does not match the link",
            Error::InviteExpired => "the invite has expired",
            Error::InviteRevoked => "the invite has been revoked",
            Error::CompetingClaim => "another claim was already accepted",
            Error::StaleClaim => "a claim arrived after the claim window closed",
            Error::ClaimedByOther => "the invite was claimed by someone else",
            Error::NotClaimed => "the invite has not been claimed",
            Error::SessionEnded => "the session has ended",
            Error::DecryptFailed => "the message does not decrypt",
            Error::Duplicate => "the message was already received",
            Error::GapTooLarge => "the message skips too many keys",
            Error::InvalidCounter => "the message counter is not acceptable",
            Error::CounterExhausted => "the message counter is exhausted",
            Error::WeakSharedSecret => "a key agreement produced a weak secret",
            Error::InvalidContent => "the decrypted content is malformed",
            Error::PlaintextTooLarge => "the plaintext is too large",
            Error::SnapshotMalformed => "the snapshot is malformed",
            Error::SnapshotVersionUnsupported => "the snapshot version is not supported",
            Error::SnapshotDecryptFailed => "the snapshot does not decrypt with this key",
            Error::SnapshotRolledBack => "the snapshot is older than the minimum counter",
            Error::SnapshotWrongObject => "the snapshot holds another object",
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message(), self.code())
    }
}

impl core::error::Error for Error {}

/// Result alias of this crate.
pub type Result<T> = core::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;
    extern crate std;
    use std::collections::HashSet;

    #[test]
    fn codes_and_names_are_unique_and_round_trip() {
        let mut codes = HashSet::new();
        let mut names = HashSet::new();
        for e in Error::ALL {
            assert!(codes.insert(e.code()), "duplicate code {}", e.code());
            assert!(names.insert(e.name()), "duplicate name {}", e.name());
            assert_eq!(Error::from_code(e.code()), Some(e));
        }
        assert_eq!(Error::from_code(0), None);
        assert_eq!(Error::from_code(999), None);
    }

    #[test]
    fn codes_are_pinned() {
        // Changing any of these breaks the C and WASM ABI: SPEC.md lists them.
        assert_eq!(Error::LinkMissingFragment.code(), 101);
        assert_eq!(Error::EnvelopeMalformed.code(), 201);
        assert_eq!(Error::BadSignature.code(), 301);
        assert_eq!(Error::DecryptFailed.code(), 401);
        assert_eq!(Error::SnapshotWrongObject.code(), 505);
    }
}
