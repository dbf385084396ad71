//! Every domain-separation label of the protocol, as ASCII bytes.
//!
//! Each constant names the SPEC.md section that defines its use. Labels are never NUL-terminated
//! and are always followed by fixed-length fields, so concatenation is unambiguous.

/// HKDF salt for the link key schedule (SPEC §4.2).
pub const LINK_SALT: &[u8] = b"guestlink/v1/link";
/// HKDF info: the guest's initial X25519 private key (SPEC §4.2).
pub const LINK_GUEST_INITIAL_KEY: &[u8] = b"guestlink/v1/guest-initial-key";
/// HKDF info: the 16-byte mailbox id (SPEC §4.2).
pub const LINK_MAILBOX_ID: &[u8] = b"guestlink/v1/mailbox-id";
/// HKDF info: the Ed25519 seed of the link mailbox key (SPEC §4.2).
pub const LINK_MAILBOX_KEY: &[u8] = b"guestlink/v1/link-mailbox-key";

/// Signature context of the invite record (SPEC §5.1).
pub const SIG_INVITE_RECORD: &[u8] = b"guestlink/v1/sig/invite-record";
/// Signature context of the claimed record (SPEC §5.2).
pub const SIG_CLAIMED_RECORD: &[u8] = b"guestlink/v1/sig/claimed-record";
/// Signature context of the revocation record (SPEC §5.3).
pub const SIG_REVOCATION_RECORD: &[u8] = b"guestlink/v1/sig/revocation-record";
/// Signature context of a pre-claim host envelope (SPEC §6.3).
pub const SIG_PRE_CLAIM: &[u8] = b"guestlink/v1/sig/pre-claim";
/// Signature context of a relay authentication (SPEC §9).
pub const SIG_RELAY_AUTH: &[u8] = b"guestlink/v1/sig/relay-auth";

/// Hash prefix of the record hash (SPEC §5.1).
pub const RECORD_HASH: &[u8] = b"guestlink/v1/record-hash";
/// Hash prefix of the post-claim session id (SPEC §5.4).
pub const SESSION_ID: &[u8] = b"guestlink/v1/session-id";

/// HKDF info of the initial root key (SPEC §7.2).
pub const ROOT_INIT: &[u8] = b"guestlink/v1/root-init";
/// HKDF info of a root-chain step (SPEC §7.2).
pub const ROOT_STEP: &[u8] = b"guestlink/v1/root";
/// HMAC input prefix of a version 1 message's AEAD key (SPEC §7.3; read only since version 2).
pub const AEAD_KEY: &[u8] = b"guestlink/v1/aead-key";

/// Hash prefix of the safety code (SPEC §8).
pub const SAFETY_CODE: &[u8] = b"guestlink/v1/safety-code";

/// HMAC input prefix of a snapshot's AEAD key (SPEC §10).
pub const SNAPSHOT_KEY: &[u8] = b"guestlink/v1/snapshot-key";

/// HKDF salt of the host's per-invite keys (SPEC §12.1).
pub const HOST_SEED: &[u8] = b"guestlink/v1/host-seed";
/// HKDF info: the host's first ratchet key `H0` (SPEC §12.1).
pub const HOST_RATCHET_KEY: &[u8] = b"guestlink/v1/host-ratchet-key";
/// HKDF info of `keys_seed`, and HKDF salt of the two signing-key seeds (SPEC §12.1).
pub const HOST_KEYS: &[u8] = b"guestlink/v1/host-keys";
/// HKDF info: the Ed25519 seed of the invite key (SPEC §12.1).
pub const INVITE_KEY: &[u8] = b"guestlink/v1/invite-key";
/// HKDF info: the Ed25519 seed of the host mailbox key (SPEC §12.1).
pub const HOST_MAILBOX_KEY: &[u8] = b"guestlink/v1/host-mailbox-key";
