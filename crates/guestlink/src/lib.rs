#![doc = include_str!("../README.md")]
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

extern crate alloc;

mod codec;
mod crypto;
pub mod error;
mod framing;
mod guest;
mod host;
mod invite;
mod keys;
pub mod labels;
pub mod limits;
mod ratchet;
mod record;
mod relay;
mod safety;
mod session;
pub mod snapshot;

pub use error::{Error, Result};
pub use framing::{
    EnvelopeInfo, EnvelopeKind, MAX_ENVELOPE_LEN, MESSAGE_VERSION, PROTOCOL_VERSION, SUITE, max_envelope_len,
    padded_len, peek,
};
pub use guest::{GuestReceived, GuestSession, OpenedInvite};
pub use host::{
    ClaimAccepted, CreatedInvite, HostIdentity, HostReceived, HostSession, HostState, Revocation,
};
pub use invite::{FRAGMENT_LEN, InviteLink, SecretLink};
pub use keys::{IdentityPublicKey, MailboxId, MailboxPublicKey, SnapshotKey};
pub use record::{CLAIMED_RECORD_LEN, ClaimedRecord, INVITE_RECORD_LEN, InviteRecord, REVOCATION_RECORD_LEN};
pub use relay::verify_relay_auth;
pub use safety::SafetyCode;
pub use snapshot::{SNAPSHOT_VERSION, SnapshotInfo, SnapshotKind, snapshot_info};

/// The library's own primitive-acceptance functions, exposed so that third-party vectors
/// (Wycheproof) run through exactly the code the protocol uses. Not part of the API: no
/// semver promise, and nothing here is needed to use the protocol.
#[doc(hidden)]
pub mod hazmat_for_testing_only {
    use crate::error::{Error, Result};
    use alloc::vec::Vec;

    /// SPEC §3.1: is `u` the canonical encoding of a field element (`u < 2^255 - 19`)?
    pub fn x25519_canonical(u: &[u8; 32]) -> bool {
        crate::keys::x25519_canonical(u)
    }

    /// SPEC §3.1: X25519 of a peer key as every DH of the protocol does it: non-canonical
    /// encodings refused (`InvalidKey`), all-zero results refused (`WeakSharedSecret`).
    pub fn x25519(private: &[u8; 32], public: &[u8; 32]) -> Result<[u8; 32]> {
        let secret = x25519_dalek::StaticSecret::from(*private);
        crate::keys::dh(&secret, public).map(|s| *s)
    }

    /// SPEC §3.2: the public-key check of every Ed25519 key the protocol accepts.
    pub fn ed25519_public(public: &[u8; 32]) -> Result<()> {
        crate::keys::ed25519_public(public).map(|_| ())
    }

    /// SPEC §3.2: key check, then strict verification of `signature` over `message` exactly as
    /// records and relay authentications are verified (with an empty context).
    pub fn ed25519_verify(public: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> Result<()> {
        let key = crate::keys::ed25519_public(public)?;
        crate::keys::verify_signature(&key, &[], &[message], signature)
    }

    /// The AES-256-GCM sealing under every message and snapshot (96-bit nonce, 128-bit tag).
    pub fn aes256gcm_seal(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        crate::crypto::aes256gcm_seal_into(key, nonce, ad, plaintext, &mut out);
        out
    }

    /// The AES-256-GCM opening under every message and snapshot; `DecryptFailed` on any error.
    pub fn aes256gcm_open(key: &[u8; 32], nonce: &[u8; 12], ad: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        crate::crypto::aes256gcm_open(key, nonce, ad, sealed, Error::DecryptFailed).map(|b| b.to_vec())
    }

    /// The HKDF-SHA256 of the root chain (SPEC §7.2); `InvalidArgument` past 8160 bytes.
    pub fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], okm: &mut [u8]) -> Result<()> {
        crate::crypto::hkdf_sha256(salt, ikm, info, okm)
    }
}
