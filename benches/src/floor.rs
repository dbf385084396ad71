//! The floor: the least work a ratcheted message could cost with the same crates.
//!
//! - Steady chain, per side: one chain step (`mk = HMAC(ck, 1)`, `ck' = HMAC(ck, 2)`, the keyed
//!   HMAC state computed once) and AES-256-GCM under a fresh key `mk` (encryption key schedule included) over
//!   the message, with no associated data, one output buffer.
//! - DH ratchet step (one message each way): a key generation, two X25519 and two HKDF-SHA256
//!   (extract, then 64 bytes of expand), one of each per side.
//! - Single primitives for the composed floors of the handshake operations (see the report).

use std::hint::black_box;

use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{AeadInOut, Tag};
use aes_gcm::aes::Aes256Enc;
use aes_gcm::{AesGcm, Nonce};
use ed25519_dalek::{Signer, SigningKey};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};
use x25519_dalek::{PublicKey, StaticSecret};

use crate::{Bench, SIZES, batched, ids, iter, rng};

type HmacSha256 = Hmac<Sha256>;

/// AES-256-GCM on the encryption-only key schedule, the leanest form the crate offers (and the
/// one guestlink uses).
pub type Aes256Gcm = AesGcm<Aes256Enc, U12>;

/// `(mk, ck')` from `ck`, sharing the keyed HMAC state.
pub fn chain_step(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    let base = <HmacSha256 as KeyInit>::new_from_slice(ck).expect("any key length");
    let mut m = base.clone();
    m.update(&[1]);
    let mut c = base;
    c.update(&[2]);
    (m.finalize().into_bytes().into(), c.finalize().into_bytes().into())
}

/// One side of a symmetric chain.
pub struct Chain([u8; 32]);

impl Chain {
    /// A chain from a fixed key.
    pub fn new(key: [u8; 32]) -> Self {
        Chain(key)
    }

    fn next_key(&mut self) -> [u8; 32] {
        let (mk, ck) = chain_step(&self.0);
        self.0 = ck;
        mk
    }

    /// Chain step, then AES-256-GCM with the fresh key: ciphertext and tag.
    pub fn seal(&mut self, plaintext: &[u8]) -> (Vec<u8>, Tag<Aes256Gcm>) {
        let mk = self.next_key();
        let cipher = Aes256Gcm::new(&mk.into());
        let mut buf = plaintext.to_vec();
        let tag = cipher
            .encrypt_inout_detached(&Nonce::default(), b"", buf.as_mut_slice().into())
            .expect("in range");
        (buf, tag)
    }

    /// Chain step, then AES-256-GCM decryption in place.
    pub fn open(&mut self, (mut buf, tag): (Vec<u8>, Tag<Aes256Gcm>)) -> Vec<u8> {
        let mk = self.next_key();
        let cipher = Aes256Gcm::new(&mk.into());
        cipher
            .decrypt_inout_detached(&Nonce::default(), b"", buf.as_mut_slice().into(), &tag)
            .expect("authentic");
        buf
    }
}

/// `HKDF-SHA256(salt, ikm)` expanded to 64 bytes.
pub fn hkdf64(salt: &[u8; 32], ikm: &[u8; 32]) -> [u8; 64] {
    let mut okm = [0u8; 64];
    Hkdf::<Sha256>::new(Some(salt), ikm).expand(b"guestlink/v1/root", &mut okm).expect("64 bytes");
    okm
}

/// Both sides of a DH ratchet.
pub struct DhPair {
    rng: rand_chacha::ChaCha8Rng,
    /// The receiver's current ratchet secret.
    theirs: StaticSecret,
    theirs_public: PublicKey,
    root: [u8; 32],
}

impl DhPair {
    /// A pair with fixed keys.
    pub fn new(seed: u64) -> Self {
        let mut rng = rng(seed);
        let theirs = StaticSecret::random_from_rng(&mut rng);
        let theirs_public = PublicKey::from(&theirs);
        DhPair { rng, theirs, theirs_public, root: [7; 32] }
    }

    /// One message's DH step: the sender makes a key and steps its root, the receiver steps its.
    pub fn step(&mut self) -> [u8; 64] {
        let fresh = StaticSecret::random_from_rng(&mut self.rng);
        let fresh_public = PublicKey::from(&fresh);
        let sender = hkdf64(&self.root, fresh.diffie_hellman(&self.theirs_public).as_bytes());
        let receiver = hkdf64(&self.root, self.theirs.diffie_hellman(&fresh_public).as_bytes());
        // The receiver answers next, to the sender's fresh key.
        self.theirs = fresh;
        self.theirs_public = fresh_public;
        self.root.copy_from_slice(&sender[..32]);
        debug_assert_eq!(sender, receiver);
        receiver
    }
}

/// The floor benchmarks.
pub fn benches() -> Vec<Bench> {
    let g = ids::FLOOR;
    let mut out = Vec::new();
    for size in SIZES {
        let msg = vec![b'g'; size];
        let (mut tx, m) = (Chain::new([1; 32]), msg.clone());
        out.push(iter(format!("{g}/encrypt/{size}"), move || tx.seal(black_box(&m))));
        let (mut tx, mut rx, m) = (Chain::new([2; 32]), Chain::new([2; 32]), msg.clone());
        out.push(batched(format!("{g}/decrypt/{size}"), move || tx.seal(&m), move |sealed| rx.open(sealed)));
        let (mut tx, mut rx) = (Chain::new([3; 32]), Chain::new([3; 32]));
        out.push(iter(format!("{g}/steady/{size}"), move || rx.open(tx.seal(black_box(&msg)))));
    }

    let mut dh = DhPair::new(10);
    out.push(iter(format!("{g}/dh_step"), move || dh.step()));

    let mut r = rng(11);
    let a = StaticSecret::random_from_rng(&mut r);
    let peer = PublicKey::from(&StaticSecret::random_from_rng(&mut r));
    out.push(iter(format!("{g}/x25519_keygen"), move || {
        PublicKey::from(&StaticSecret::random_from_rng(&mut r))
    }));
    out.push(iter(format!("{g}/x25519_dh"), move || a.diffie_hellman(black_box(&peer))));
    out.push(iter(format!("{g}/hkdf64"), || hkdf64(black_box(&[1; 32]), &[2; 32])));
    // Message version 1's per-message AEAD key: HMAC(mk, "guestlink/v1/aead-key" || salt),
    // 37 bytes (version 2 dropped it; kept to show what it cost).
    out.push(iter(format!("{g}/hmac_37"), || {
        let mut mac = <HmacSha256 as KeyInit>::new_from_slice(black_box(&[4; 32])).expect("any length");
        mac.update(&[5; 37]);
        mac.finalize().into_bytes()
    }));
    out.push(iter(format!("{g}/ed25519_keygen"), || {
        SigningKey::from_bytes(black_box(&[5; 32])).verifying_key()
    }));
    // About the size of an invite record's signed part.
    let message = [0x5a; 250];
    let key = SigningKey::from_bytes(&[6; 32]);
    let signature = key.sign(&message);
    let public = key.verifying_key();
    out.push(iter(format!("{g}/ed25519_sign"), move || key.sign(black_box(&message))));
    out.push(iter(format!("{g}/ed25519_verify"), move || {
        public.verify_strict(black_box(&message), &signature).expect("valid")
    }));
    // The safety code hashes about this much.
    out.push(iter(format!("{g}/sha512_170"), || Sha512::digest(black_box([3u8; 170]))));
    out
}
