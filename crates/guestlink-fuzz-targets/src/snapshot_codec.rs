//! An independent implementation of the snapshot container (SPEC §10): header, key derivation
//! and AES-256-GCM. It lets the snapshot target and the adversarial tests play a device whose
//! storage holds *any* body under the right key, i.e. reach the body parser behind the AEAD.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, KeyInit, Nonce, Tag};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Snapshot format version written now (SPEC §10.2).
pub const VERSION: u8 = 2;
/// The first snapshot format version, still read (SPEC §10.3).
pub const VERSION_1: u8 = 1;
/// Header length: version, kind, object id, counter, salt.
pub const HEADER_LEN: usize = 1 + 1 + 16 + 8 + 16;
/// Kind byte of a host identity snapshot.
pub const KIND_HOST_IDENTITY: u8 = 1;
/// Kind byte of a host session snapshot.
pub const KIND_HOST_SESSION: u8 = 2;
/// Kind byte of an opened-invite snapshot.
pub const KIND_OPENED_INVITE: u8 = 3;
/// Kind byte of a guest session snapshot.
pub const KIND_GUEST_SESSION: u8 = 4;

fn cipher(key: &[u8; 32], salt: &[u8; 16]) -> (Aes256Gcm, Nonce<Aes256Gcm>) {
    let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(guestlink::labels::SNAPSHOT_KEY);
    mac.update(salt);
    let k: [u8; 32] = mac.finalize().into_bytes().into();
    let nonce: [u8; 12] = *salt.first_chunk::<12>().expect("a 16-byte salt has 12 bytes");
    (Aes256Gcm::new(&k.into()), nonce.into())
}

/// The cleartext fields of a snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Opened {
    /// Format version byte.
    pub version: u8,
    /// Kind byte.
    pub kind: u8,
    /// Object id (mailbox id or identity-key prefix).
    pub object_id: [u8; 16],
    /// Save counter.
    pub counter: u64,
    /// The decrypted body.
    pub body: Vec<u8>,
}

/// Seals `body` as a snapshot of format `version` and `kind` under `key`.
pub fn seal(
    key: &[u8; 32],
    version: u8,
    kind: u8,
    object_id: &[u8; 16],
    counter: u64,
    salt: [u8; 16],
    body: &[u8],
) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + body.len() + 16);
    out.push(version);
    out.push(kind);
    out.extend_from_slice(object_id);
    out.extend_from_slice(&counter.to_be_bytes());
    out.extend_from_slice(&salt);
    let (c, nonce) = cipher(key, &salt);
    let mut buf = body.to_vec();
    let tag = c.encrypt_inout_detached(&nonce, &out, buf.as_mut_slice().into()).expect("small body");
    out.extend_from_slice(&buf);
    out.extend_from_slice(&tag);
    out
}

/// Opens a snapshot under `key`; `None` if it is malformed or does not authenticate.
pub fn open(key: &[u8; 32], bytes: &[u8]) -> Option<Opened> {
    let (header, sealed) = bytes.split_at_checked(HEADER_LEN)?;
    let (ct, tag) = sealed.split_at_checked(sealed.len().checked_sub(16)?)?;
    let version = *header.first()?;
    let kind = *header.get(1)?;
    let object_id: [u8; 16] = header.get(2..18)?.try_into().ok()?;
    let counter = u64::from_be_bytes(header.get(18..26)?.try_into().ok()?);
    let salt: [u8; 16] = header.get(26..42)?.try_into().ok()?;
    let (c, nonce) = cipher(key, &salt);
    let tag = Tag::<Aes256Gcm>::try_from(tag).ok()?;
    let mut body = ct.to_vec();
    c.decrypt_inout_detached(&nonce, header, body.as_mut_slice().into(), &tag).ok()?;
    Some(Opened { version, kind, object_id, counter, body })
}
