//! The key schedule (SPEC §7) and the AEAD wrapper shared by messages and snapshots.

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, Tag};
use aes_gcm::aes::Aes256Enc;
use alloc::vec::Vec;
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::keys::{Key32, Secret};
use crate::labels;

type HmacSha256 = Hmac<Sha256>;

/// AES-256-GCM on the encryption-only key schedule: GCM never runs AES backwards, so the
/// decryption round keys that `Aes256Gcm` also expands (and carries around) are skipped. The
/// output is the same AES-256-GCM.
type Aead = AesGcm<Aes256Enc, U12>;

/// AES-GCM tag length.
pub(crate) const TAG_LEN: usize = 16;
/// Length of the random salt of a snapshot (SPEC §10.1) and of a version 1 message (SPEC §7.3).
pub(crate) const SALT_LEN: usize = 16;
/// Length of the random nonce of a version 2 message (SPEC §6.2, §7.3).
pub(crate) const NONCE_LEN: usize = 12;

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
    (Secret(finish(m)), Secret(finish(c)))
}

/// HKDF-SHA256 (RFC 5869) extract-then-expand into `okm`; fails only when `okm` is longer than
/// 255 * 32 = 8160 bytes.
pub(crate) fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8], okm: &mut [u8]) -> Result<()> {
    Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, okm).map_err(|_| Error::InvalidArgument)
}

fn hkdf_64(salt: &[u8], ikm: &[u8], info: &[u8]) -> (Key32, Key32) {
    let mut okm = Secret::<64>::zeroed();
    // 64 bytes is far below HKDF-SHA256's limit of 8160; the error arm cannot occur.
    let _ = hkdf_sha256(salt, ikm, info, okm.as_mut_slice());
    let (a, b) = okm.split_at(32);
    let mut left = [0u8; 32];
    let mut right = [0u8; 32];
    left.copy_from_slice(a);
    right.copy_from_slice(b);
    (Secret(left), Secret(right))
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
pub(crate) fn hkdf_expand<const N: usize>(prk: &Hkdf<Sha256>, info: &[u8]) -> Secret<N> {
    let mut out = Secret::<N>::zeroed();
    let _ = prk.expand(info, out.as_mut_slice());
    out
}

/// `K = HMAC(key, label || salt)` (SPEC §10 snapshots, §7.3 version 1 messages).
fn aead_key(key: &[u8; 32], label: &[u8], salt: &[u8; SALT_LEN]) -> Key32 {
    Secret(hmac(key, &[label, salt]))
}

/// `N = salt[0..12]` (SPEC §7.3, §10).
fn nonce_of(salt: &[u8; SALT_LEN]) -> [u8; 12] {
    let mut nonce = [0u8; 12];
    nonce.copy_from_slice(salt.get(..12).unwrap_or(&[0u8; 12]));
    nonce
}

/// Appends `ciphertext || tag` of `plaintext` to `out`, under the salted key (SPEC §10).
pub(crate) fn seal_into(
    key: &[u8; 32],
    label: &[u8],
    salt: &[u8; SALT_LEN],
    ad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) {
    aes256gcm_seal_into(&aead_key(key, label, salt).0, &nonce_of(salt), ad, plaintext, out);
}

/// Raw AES-256-GCM (96-bit nonce, 128-bit tag): encrypts `buf[start..]` in place and appends
/// the tag. On the (unreachable: over 64 GiB) failure, the plaintext is wiped and cut off.
/// The cipher is built where it is used: returned by value it would be copied around (hundreds
/// of bytes of round and hash keys).
pub(crate) fn aes256gcm_seal_tail(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    buf: &mut Vec<u8>,
    start: usize,
) -> Result<()> {
    let cipher = Aead::new(&(*key).into());
    let tail = buf.get_mut(start..).unwrap_or_default();
    match cipher.encrypt_inout_detached(&(*nonce).into(), ad, tail.into()) {
        Ok(tag) => {
            buf.extend_from_slice(&tag);
            Ok(())
        }
        Err(_) => {
            tail_zeroize(buf, start);
            Err(Error::PlaintextTooLarge)
        }
    }
}

/// Raw AES-256-GCM: appends `ciphertext || tag` of `plaintext` to `out`.
pub(crate) fn aes256gcm_seal_into(
    key: &[u8; 32],
    nonce: &[u8; 12],
    ad: &[u8],
    plaintext: &[u8],
    out: &mut Vec<u8>,
) {
    let start = out.len();
    out.extend_from_slice(plaintext);
    // AES-GCM only fails for inputs over 64 GiB; callers seal far less.
    let _ = aes256gcm_seal_tail(key, nonce, ad, out, start);
}

fn tail_zeroize(buf: &mut Vec<u8>, start: usize) {
    use zeroize::Zeroize;
    if let Some(tail) = buf.get_mut(start..) {
        tail.zeroize();
    }
    buf.truncate(start);
}

/// Decrypts `ciphertext || tag` under the salted key; the plaintext buffer zeroizes on drop.
pub(crate) fn open(
    key: &[u8; 32],
    label: &[u8],
    salt: &[u8; SALT_LEN],
    ad: &[u8],
    sealed: &[u8],
    err: Error,
) -> Result<Zeroizing<Vec<u8>>> {
    aes256gcm_open(&aead_key(key, label, salt).0, &nonce_of(salt), ad, sealed, err)
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
    let tag = Tag::<Aead>::try_from(tag).map_err(|_| err)?;
    let cipher = Aead::new(&(*key).into());
    let mut buf = Zeroizing::new(ct.to_vec());
    cipher.decrypt_inout_detached(&(*nonce).into(), ad, buf.as_mut_slice().into(), &tag).map_err(|_| err)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The primitives wipe their own state (the AES key schedule, whose first round keys are the
    /// AEAD key; the GHASH key; the SHA-256 states, which is all an HMAC of a chain key holds
    /// besides its block buffer): the crates' `zeroize` features are on. Without them this does
    /// not compile.
    #[test]
    fn primitive_state_zeroizes_on_drop() {
        fn wipes<T: zeroize::ZeroizeOnDrop>(_: &T) {}
        wipes(&Aead::new(&[7u8; 32].into()));
        wipes(&Sha256::default());
    }
}
