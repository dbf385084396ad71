//! Sizes and limits as C constants (`#define`s in the header). Each equals the core's value; a
//! test checks them, since cbindgen only exports literals.

/// Longest message text in bytes (`guestlink::limits::MAX_BODY_LEN`).
pub const GUESTLINK_MAX_BODY_LEN: usize = 65_536;
/// Longest envelope of any type in bytes (`guestlink::MAX_ENVELOPE_LEN`).
pub const GUESTLINK_MAX_ENVELOPE_LEN: usize = 67_770;
/// Longest snapshot in bytes, and the output buffer every `_snapshot` function requires
/// (`guestlink::snapshot::MAX_SNAPSHOT_LEN`).
pub const GUESTLINK_MAX_SNAPSHOT_LEN: usize = 65_536;
/// Length of an invite record.
pub const GUESTLINK_INVITE_RECORD_LEN: usize = 291;
/// Length of a claimed record.
pub const GUESTLINK_CLAIMED_RECORD_LEN: usize = 186;
/// Length of a revocation record.
pub const GUESTLINK_REVOCATION_RECORD_LEN: usize = 122;
/// Length of a mailbox id.
pub const GUESTLINK_MAILBOX_ID_LEN: usize = 16;
/// Length of an Ed25519 or X25519 public key.
pub const GUESTLINK_PUBLIC_KEY_LEN: usize = 32;
/// Length of a relay-auth signature.
pub const GUESTLINK_SIGNATURE_LEN: usize = 64;
/// Length of a snapshot key.
pub const GUESTLINK_SNAPSHOT_KEY_LEN: usize = 32;
/// Length of a safety code's QR payload.
pub const GUESTLINK_QR_PAYLOAD_LEN: usize = 32;
/// Length of a safety code's long form (`"01234 56789 ..."`, 8 groups of 5 digits).
pub const GUESTLINK_SAFETY_CODE_LONG_LEN: usize = 47;
/// Length of a safety code's short form (`"123 456"`).
pub const GUESTLINK_SAFETY_CODE_SHORT_LEN: usize = 7;
/// Length of an identity fingerprint (`"1a2b 3c4d 5e6f 7a8b 9c0d"`).
pub const GUESTLINK_FINGERPRINT_LEN: usize = 24;
/// Shortest relay challenge accepted, in bytes.
pub const GUESTLINK_MIN_CHALLENGE_LEN: usize = 16;
/// Longest relay challenge accepted, in bytes.
pub const GUESTLINK_MAX_CHALLENGE_LEN: usize = 64;
/// Longest base URL, in bytes.
pub const GUESTLINK_MAX_BASE_URL_LEN: usize = 2048;
/// Length of a link's fragment (after `#`).
pub const GUESTLINK_FRAGMENT_LEN: usize = 87;
/// Longest link: base URL, `#`, fragment.
pub const GUESTLINK_MAX_LINK_LEN: usize = 2136;
