//! The key schedule (SPEC §7) and the AEAD wrapper shared by messages and snapshots.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::AeadInOut;
use aes_gcm::aead::{Nonce, Tag};
use alloc::vec::Vec;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::Key32;
use crate::labels;

type HmacSha256 = Hmac<Sha256>;

/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the random salt carried with every message and snapshot (SPEC §7.3).
pub(crate) const SALT_LEN: usize = 16;

fn keyed(key: &[u8; 32]) -> HmacSha256 {
    // HMAC accepts keys of any length; 32 bytes can never fail.
    <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()))
}

fn finish(mac: HmacSha256) -> [u8; 32] {
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 over the concatenation of `parts`.
pub(crate) fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = keyed(key);
    for part in parts {
        mac.update(part);
    }
    finish(mac)
}

/// The symmetric chain step (SPEC §7.3): `mk = HMAC(ck, 0x01)`, `ck' = HMAC(ck, 0x02)`.
pub(crate) fn chain_step(ck: &Key32) -> (Key32, Key32) {
    let base = keyed(&ck.0);
    let mut m = base.clone();
    m.update(&[0x01]);
    let mut c = base;
    c.update(&[0x02]);
    (Key32(finish(m)), Key32(finish(c)))
}

/// HKDF-SHA256 (RFC 5869) extract-then-expand into `okm`; fails only when `okm` is longer than
/// 255 * 32 = 8160 bytes.
pub(crate) fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], okm: &mut [u8]) -> Result<()> {
    Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, okm).map_err(|_| Error::InvalidArgument)
}

fn hkdf_64(salt: &[u8], ikm: &[u8], info: &[u8]) -> (Key32, Key32) {
    let mut okm = Zeroizing::new([0u8; 64]);
    // 64 bytes is far below HKDF-SHA256's limit of 8160; the error arm cannot occur.
    let _ = hkdf_sha256(salt, ikm, info, okm.as_mut_slice());
    let (a, b) = okm.split_at(32);
    let mut left = [0u8; 32];
    let mut right = [0u8; 32];
    left.copy_from_slice(a);
    right.copy_from_slice(b);
    (Key32(left), Key32(right))
}

/// The initial root key and the host's first sending chain key (SPEC §7.2).
pub(crate) fn root_init(session_id: &[u8; 32], dh: &[u8; 32]) -> (Key32, Key32) {
    hkdf_64(session_id, dh, labels::ROOT_INIT)
}

/// One root-chain step (SPEC §7.2): `rk', ck = HKDF(salt = rk, ikm = dh, info = "root")`.
pub(crate) fn root_step(rk: &Key32, dh: &[u8; 32]) -> (Key32, Key32) {
    hkdf_64(&rk.0, dh, labels::ROOT_STEP)
}

/// HKDF-SHA256 expand of `len` bytes from an extract with `salt` (SPEC §4.2).
pub(crate) fn hkdf_expand<const N: usize>(prk: &Hkdf<Sha256>, info: &[u8]) -> Zeroizing<[u8; N]> {
    let mut out = Zeroizing::new([0u8; N]);
    let _ = prk.expand(info, out.as_mut_slice());
    out
}

/// `K = HMAC(key, label || salt)`, `N = salt[0..12]` (SPEC §7.3, §10).
fn aead_for(key: &[u8; 32], label: &[u8], salt: &[u8; SALT_LEN]) -> (Zeroizing<[u8; 32]>, [u8; 12]) {
    let k = Zeroizing::new(hmac(key, &[label, salt]));
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(salt.get(..12).unwrap_or(&[0u8; 12]));
    (k, nonce)
}

/// Encrypts `plaintext` in place and appends the tag to `out` after the ciphertext.
pub(crate) fn seal_into(
    key: &[u8; 32],
    label: &[u8],
    salt: &[u8; SALT_LEN],
    ad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) {
    let (k, nonce) = aead_for(key, label, salt);
    aes256gcm_seal_into(&k, &nonce, ad, plaintext, out);
}

/// Raw AES-256-GCM with a 96-bit nonce and a 128-bit tag: appends `ciphertext || tag` to `out`.
pub(crate) fn aes256gcm_seal_into(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) {
    let cipher = Aes256Gcm::new(&(*key).into());
    let nonce: Nonce<Aes256Gcm> = (*nonce).into();
    let start = out.len();
    out.extend_from_slice(plaintext);
    let buf = out.get_mut(start..).unwrap_or_default();
    // AES-GCM only fails for inputs over 64 GiB; our maximum envelope is far below.
    if let Ok(tag) = cipher.encrypt_inout_detached(&nonce, ad, buf.into()) {
        out.extend_from_slice(&tag);
    }
}

/// Decrypts `ciphertext || tag`; the plaintext buffer zeroizes on drop.
pub(crate) fn open(
    key: &[u8; 32],
    label: &[u8],
    salt: &[u8; SALT_LEN],
    ad: &[u8],
    sealed: &[u8],
    err: Error,
) -> Result<Zeroizing<Vec<u8>>> {
    let (k, nonce) = aead_for(key, label, salt);
    aes256gcm_open(&k, &nonce, ad, sealed, err)
}

/// Raw AES-256-GCM decryption of `ciphertext || tag`; `err` on a short input or a bad tag.
pub(crate) fn aes256gcm_open(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    sealed: &[u8],
    err: Error,
) -> Result<Zeroizing<Vec<u8>>> {
    let split = sealed.len().checked_sub(TAG_LEN).ok_or(err)?;
    let (ct, tag) = sealed.split_at_checked(split).ok_or(err)?;
    let tag = Tag::<Aes256Gcm>::try_from(tag).map_err(|_| err)?;
    let cipher = Aes256Gcm::new(&(*key).into());
    let nonce: Nonce<Aes256Gcm> = (*nonce).into();
    let mut buf = Zeroizing::new(ct.to_vec());
    cipher.decrypt_inout_detached(&nonce, ad, buf.as_mut_slice().into(), &tag).map_err(|_| err)?;
    Ok(buf)
}
