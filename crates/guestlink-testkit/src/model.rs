//! An independent model of the SPEC's key schedule, written from SPEC.md alone (it calls no
//! internal of the `guestlink` crate). The generator uses it to compute every intermediate key of
//! the vectors, and the checker uses it to decrypt the library's envelopes: if the library and
//! this model disagree with each other, a vector check fails.

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInOut, Nonce, Tag};
use hkdf::Hkdf;
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256, Sha512};

type HmacSha256 = Hmac<Sha256>;

/// Labels, spelled out again from SPEC §15.
pub mod label {
    #![allow(missing_docs)]
    pub const LINK: &[u8] = b"guestlink/v1/link";
    pub const GUEST_INITIAL: &[u8] = b"guestlink/v1/guest-initial-key";
    pub const MAILBOX_ID: &[u8] = b"guestlink/v1/mailbox-id";
    pub const LINK_MAILBOX: &[u8] = b"guestlink/v1/link-mailbox-key";
    pub const RECORD_HASH: &[u8] = b"guestlink/v1/record-hash";
    pub const SESSION_ID: &[u8] = b"guestlink/v1/session-id";
    pub const ROOT_INIT: &[u8] = b"guestlink/v1/root-init";
    pub const ROOT: &[u8] = b"guestlink/v1/root";
    pub const AEAD_KEY: &[u8] = b"guestlink/v1/aead-key";
    pub const SAFETY: &[u8] = b"guestlink/v1/safety-code";
    pub const SIG_INVITE_RECORD: &[u8] = b"guestlink/v1/sig/invite-record";
    pub const SNAPSHOT_KEY: &[u8] = b"guestlink/v1/snapshot-key";
    pub const HOST_SEED: &[u8] = b"guestlink/v1/host-seed";
    pub const HOST_RATCHET_KEY: &[u8] = b"guestlink/v1/host-ratchet-key";
    pub const HOST_KEYS: &[u8] = b"guestlink/v1/host-keys";
    pub const INVITE_KEY: &[u8] = b"guestlink/v1/invite-key";
    pub const HOST_MAILBOX_KEY: &[u8] = b"guestlink/v1/host-mailbox-key";
}

/// SPEC §12.1: the host's per-invite keys from its `host_seed`.
pub struct HostSeedDerivation {
    /// `H0_sk`.
    pub h0_sk: [u8; 32],
    /// `H0`'s public key.
    pub h0_pk: [u8; 32],
    /// `keys_seed`.
    pub keys_seed: [u8; 32],
    /// The invite key's Ed25519 seed.
    pub invite_seed: [u8; 32],
    /// Its public key.
    pub invite_pk: [u8; 32],
    /// The host mailbox key's Ed25519 seed.
    pub host_mailbox_seed: [u8; 32],
    /// Its public key.
    pub host_mailbox_pk: [u8; 32],
}

/// SPEC §12.1.
pub fn derive_host_seed(host_seed: &[u8; 32]) -> HostSeedDerivation {
    let h0_sk = hkdf::<32>(label::HOST_SEED, host_seed, label::HOST_RATCHET_KEY);
    let keys_seed = hkdf::<32>(label::HOST_SEED, host_seed, label::HOST_KEYS);
    let invite_seed = hkdf::<32>(label::HOST_KEYS, &keys_seed, label::INVITE_KEY);
    let host_mailbox_seed = hkdf::<32>(label::HOST_KEYS, &keys_seed, label::HOST_MAILBOX_KEY);
    let ed = |seed: &[u8; 32]| ed25519_dalek::SigningKey::from_bytes(seed).verifying_key().to_bytes();
    HostSeedDerivation {
        h0_sk,
        h0_pk: x25519_base(&h0_sk),
        keys_seed,
        invite_seed,
        invite_pk: ed(&invite_seed),
        host_mailbox_seed,
        host_mailbox_pk: ed(&host_mailbox_seed),
    }
}

/// HMAC-SHA256.
pub fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
        .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

/// HKDF-SHA256 with `L` bytes of output.
pub fn hkdf<const L: usize>(salt: &[u8], ikm: &[u8], info: &[u8]) -> [u8; L] {
    let mut out = [0u8; L];
    let _ = Hkdf::<Sha256>::new(Some(salt), ikm).expand(info, &mut out);
    out
}

fn split64(b: [u8; 64]) -> ([u8; 32], [u8; 32]) {
    let mut l = [0u8; 32];
    let mut r = [0u8; 32];
    l.copy_from_slice(&b[..32]);
    r.copy_from_slice(&b[32..]);
    (l, r)
}

/// SPEC §4.2.
pub struct LinkDerivation {
    /// HKDF-Extract output.
    pub prk: [u8; 32],
    /// Guest initial X25519 private key.
    pub guest_initial_sk: [u8; 32],
    /// Its public key.
    pub guest_initial_pk: [u8; 32],
    /// Mailbox id.
    pub mailbox_id: [u8; 16],
    /// Link mailbox Ed25519 seed.
    pub link_mailbox_seed: [u8; 32],
    /// Its public key.
    pub link_mailbox_pk: [u8; 32],
}

/// SPEC §4.2 link key schedule.
pub fn derive_link(secret: &[u8; 32], host: &[u8; 32]) -> LinkDerivation {
    let ikm = [secret.as_slice(), host.as_slice()].concat();
    let (prk, h) = Hkdf::<Sha256>::extract(Some(label::LINK), &ikm);
    let mut guest_initial_sk = [0u8; 32];
    let mut mailbox_id = [0u8; 16];
    let mut link_mailbox_seed = [0u8; 32];
    let _ = h.expand(label::GUEST_INITIAL, &mut guest_initial_sk);
    let _ = h.expand(label::MAILBOX_ID, &mut mailbox_id);
    let _ = h.expand(label::LINK_MAILBOX, &mut link_mailbox_seed);
    LinkDerivation {
        prk: prk.into(),
        guest_initial_sk,
        guest_initial_pk: x25519_base(&guest_initial_sk),
        mailbox_id,
        link_mailbox_seed,
        link_mailbox_pk: ed25519_dalek::SigningKey::from_bytes(&link_mailbox_seed).verifying_key().to_bytes(),
    }
}

/// X25519(k, 9).
pub fn x25519_base(sk: &[u8; 32]) -> [u8; 32] {
    x25519_dalek::x25519(*sk, x25519_dalek::X25519_BASEPOINT_BYTES)
}

/// X25519(k, u).
pub fn x25519(sk: &[u8; 32], pk: &[u8; 32]) -> [u8; 32] {
    x25519_dalek::x25519(*sk, *pk)
}

/// SPEC §5.1 record hash.
pub fn record_hash(record: &[u8]) -> [u8; 32] {
    Sha256::new().chain_update(label::RECORD_HASH).chain_update(record).finalize().into()
}

/// SPEC §5.4.
pub fn session_id(record_hash: &[u8; 32], claim_key: &[u8; 32], guest_mailbox: &[u8; 32]) -> [u8; 32] {
    Sha256::new()
        .chain_update(label::SESSION_ID)
        .chain_update(record_hash)
        .chain_update(claim_key)
        .chain_update(guest_mailbox)
        .finalize()
        .into()
}

/// SPEC §7.2: (RK0, CK_H0).
pub fn root_init(record_hash: &[u8; 32], dh: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    split64(hkdf::<64>(record_hash, dh, label::ROOT_INIT))
}

/// SPEC §7.2 root step.
pub fn root_step(rk: &[u8; 32], dh: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    split64(hkdf::<64>(rk, dh, label::ROOT))
}

/// SPEC §7.3: (MK, CK').
pub fn chain_step(ck: &[u8; 32]) -> ([u8; 32], [u8; 32]) {
    (hmac(ck, &[&[0x01]]), hmac(ck, &[&[0x02]]))
}

/// SPEC §7.3, version 1: the AEAD key of a message. (Version 2 uses the message key itself.)
pub fn aead_key_v1(mk: &[u8; 32], salt: &[u8; 16]) -> [u8; 32] {
    hmac(mk, &[label::AEAD_KEY, salt])
}

/// SPEC §6.4 padded length.
pub fn padded_len(l: usize) -> usize {
    if l <= 64 {
        return 64;
    }
    let e = usize::BITS - 1 - l.leading_zeros();
    let s = (u32::BITS - 1 - e.leading_zeros()) + 1;
    let mask = (1usize << (e - s)) - 1;
    (l + mask) & !mask
}

/// AES-256-GCM decryption of `ct || tag` with key, 12-byte nonce and AD.
pub fn aead_open(key: &[u8; 32], nonce: &[u8], ad: &[u8], sealed: &[u8]) -> Option<Vec<u8>> {
    let cipher = Aes256Gcm::new(&(*key).into());
    let split = sealed.len().checked_sub(16)?;
    let (ct, tag) = sealed.split_at(split);
    let mut buf = ct.to_vec();
    let nonce = Nonce::<Aes256Gcm>::try_from(nonce).ok()?;
    let tag = Tag::<Aes256Gcm>::try_from(tag).ok()?;
    cipher.decrypt_inout_detached(&nonce, ad, buf.as_mut_slice().into(), &tag).ok()?;
    Some(buf)
}

/// SPEC §8: (long form, short form, QR payload hex).
pub fn safety_code(
    mailbox: &[u8; 16],
    host: &[u8; 32],
    record_hash: &[u8; 32],
    claim_key: &[u8; 32],
    guest_mailbox: &[u8; 32],
) -> (String, String, [u8; 32]) {
    let d: [u8; 64] = Sha512::new()
        .chain_update(label::SAFETY)
        .chain_update([1u8, 1u8])
        .chain_update(mailbox)
        .chain_update(host)
        .chain_update(record_hash)
        .chain_update(claim_key)
        .chain_update(guest_mailbox)
        .finalize()
        .into();
    let int = |o: usize| d[o..o + 5].iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
    let long = (0..8).map(|i| format!("{:05}", int(5 * i) % 100_000)).collect::<Vec<_>>().join(" ");
    let s = int(40) % 1_000_000;
    let short = format!("{:03} {:03}", s / 1000, s % 1000);
    let mut qr = [0u8; 32];
    qr.copy_from_slice(&d[..32]);
    (long, short, qr)
}

/// Every intermediate value of one message, per SPEC §7.
#[derive(Clone, Debug)]
pub struct MessageKeys {
    /// Root key after the step that opened this message's chain.
    pub root_key: [u8; 32],
    /// Chain key at this message's counter.
    pub chain_key: [u8; 32],
    /// Message key.
    pub message_key: [u8; 32],
    /// AEAD key.
    pub aead_key: [u8; 32],
    /// Nonce.
    pub nonce: [u8; 12],
    /// Associated data.
    pub ad: Vec<u8>,
    /// Decrypted padded plaintext.
    pub plaintext: Vec<u8>,
}

/// How a message's AEAD key and nonce are made (SPEC §6.2, §7.3), by version.
#[derive(Clone, Copy, Debug)]
pub enum Keying {
    /// Version 2: `K = MK`, this nonce.
    Nonce([u8; 12]),
    /// Version 1: `K = HMAC(MK, label || salt)`, `N = salt[0..12]`.
    Salt([u8; 16]),
}

impl Keying {
    /// `(K, N)` for message key `mk`.
    pub fn key_and_nonce(&self, mk: &[u8; 32]) -> ([u8; 32], [u8; 12]) {
        match self {
            Keying::Nonce(n) => (*mk, *n),
            Keying::Salt(s) => (aead_key_v1(mk, s), s[..12].try_into().expect("12")),
        }
    }
}

/// A parsed message envelope (SPEC §6.3), by the model.
pub struct ModelEnvelope<'a> {
    /// Version byte (1 or 2).
    pub version: u8,
    /// Type byte.
    pub kind: u8,
    /// Guest mailbox key of a claim.
    pub guest_mailbox: Option<[u8; 32]>,
    /// Ratchet key.
    pub ratchet: [u8; 32],
    /// Counter.
    pub n: u32,
    /// Nonce (version 2) or salt (version 1).
    pub keying: Keying,
    /// Bytes before the ciphertext.
    pub prefix: &'a [u8],
    /// Ciphertext and tag.
    pub sealed: &'a [u8],
}

/// Parses a message envelope by SPEC §6.3 (no checks beyond layout; this is a model, not a parser).
pub fn parse_envelope(e: &[u8]) -> Option<ModelEnvelope<'_>> {
    let version = *e.first()?;
    let kind = *e.get(1)?;
    let header_len = match version {
        2 => 52,
        1 => 56,
        _ => return None,
    };
    let mut at = 18;
    let guest_mailbox = if kind == 0x11 {
        at += 32;
        Some(e.get(18..50)?.try_into().ok()?)
    } else {
        None
    };
    let h = e.get(at..at + header_len)?;
    let end = if kind == 0x10 { e.len().checked_sub(64)? } else { e.len() };
    let keying = if version == 2 {
        Keying::Nonce(h[40..52].try_into().ok()?)
    } else {
        Keying::Salt(h[40..56].try_into().ok()?)
    };
    Some(ModelEnvelope {
        version,
        kind,
        guest_mailbox,
        ratchet: h[..32].try_into().ok()?,
        n: u32::from_be_bytes(h[36..40].try_into().ok()?),
        keying,
        prefix: e.get(..at + header_len)?,
        sealed: e.get(at + header_len..end)?,
    })
}

/// The model's view of a conversation: the root chain as a list of DH steps, each opening one
/// sending chain, and every party's private ratchet keys learnt from the recorded randomness.
pub struct Conversation {
    /// Record hash (pre-claim sid).
    pub record_hash: [u8; 32],
    /// Post-claim session id, once known.
    pub session_id: Option<[u8; 32]>,
    /// Current root key.
    pub root: [u8; 32],
    /// The latest ratchet key pair of each side: (host, guest) as (sk, pk).
    pub host_key: ([u8; 32], [u8; 32]),
    /// Guest side.
    pub guest_key: ([u8; 32], [u8; 32]),
    /// Sending chains by ratchet public key: (root key after the step, chain key at counter 0).
    pub chains: Vec<([u8; 32], [u8; 32], [u8; 32])>,
}

impl Conversation {
    /// Starts from the host's first ratchet key and the guest's initial key (SPEC §7.2).
    pub fn new(record_hash: [u8; 32], h0: [u8; 32], g0: [u8; 32]) -> Self {
        let (rk0, ck) = root_init(&record_hash, &x25519(&h0, &x25519_base(&g0)));
        let h0pk = x25519_base(&h0);
        Conversation {
            record_hash,
            session_id: None,
            root: rk0,
            host_key: (h0, h0pk),
            guest_key: (g0, x25519_base(&g0)),
            chains: vec![(h0pk, rk0, ck)],
        }
    }

    /// A DH ratchet step by `host` (true) or guest with a fresh private key: SPEC §7.5 step 3.
    pub fn step(&mut self, host: bool, fresh: [u8; 32]) {
        let pk = x25519_base(&fresh);
        let peer = if host { self.guest_key.1 } else { self.host_key.1 };
        let (rk, ck) = root_step(&self.root, &x25519(&fresh, &peer));
        self.root = rk;
        if host {
            self.host_key = (fresh, pk);
        } else {
            self.guest_key = (fresh, pk);
        }
        self.chains.push((pk, rk, ck));
    }

    /// Decrypts an envelope sent by `host` (true) or the guest, independently of the library.
    pub fn open(&self, envelope: &[u8], from_host: bool) -> Option<MessageKeys> {
        let e = parse_envelope(envelope)?;
        let &(_, root_key, ck0) = self.chains.iter().find(|c| c.0 == e.ratchet)?;
        let mut ck = ck0;
        for _ in 0..e.n {
            ck = chain_step(&ck).1;
        }
        let (mk, _) = chain_step(&ck);
        let (key, nonce) = e.keying.key_and_nonce(&mk);
        let sid = match e.kind {
            0x10 => self.record_hash,
            0x11 => session_id(&self.record_hash, &e.ratchet, &e.guest_mailbox?),
            _ => self.session_id?,
        };
        let mut ad = vec![if from_host { 0x01 } else { 0x02 }];
        ad.extend_from_slice(&sid);
        ad.extend_from_slice(e.prefix);
        let plaintext = aead_open(&key, &nonce, &ad, e.sealed)?;
        Some(MessageKeys { root_key, chain_key: ck, message_key: mk, aead_key: key, nonce, ad, plaintext })
    }
}

/// Removes SPEC §6.4 padding: (content type, body).
pub fn unpad(p: &[u8]) -> Option<(u8, Vec<u8>)> {
    let end = p.iter().rposition(|&b| b != 0)?;
    if p[end] != 0x80 || padded_len(end + 1) != p.len() || end == 0 {
        return None;
    }
    Some((p[0], p[1..end].to_vec()))
}
