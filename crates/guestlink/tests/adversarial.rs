//! Adversarial tests, organised by attacker (SPEC "Threat model"; SPEC.md §14.1).
//!
//! Every refusal is checked three ways: the exact error, the state unchanged (the state digest
//! of the receiving party before and after), and memory bounded (skipped keys and receiving
//! chains within `guestlink::limits`).
//!
//! Some attackers hold keys: a malicious *peer* runs the protocol honestly up to the point where
//! it sends content no honest implementation would (an oversized body, a content type the
//! direction forbids, bad padding), and a *link holder* knows every key derived from the link.
//! The [`toolkit`] module plays them: it reads a party's own snapshot (the test owns the snapshot
//! key) and seals envelopes with the real chain keys, i.e. envelopes whose AEAD verifies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use guestlink::limits::{MAX_BODY_LEN, MAX_MESSAGE_GAP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};
use guestlink::*;
use rand_chacha::ChaCha20Rng;
use rand_core::{Rng, SeedableRng};

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

/// A host, its invite, and the guest side at the chosen stage.
struct World {
    r: ChaCha20Rng,
    host: HostSession,
    link: String,
    record: Vec<u8>,
    /// The claimed record of the last accepted claim.
    claimed_record: Vec<u8>,
}

fn world(seed: u64) -> World {
    let mut r = rng(seed);
    let id = HostIdentity::generate(&mut r);
    let inv = id.create_invite(&mut r, NOW, NOW + DAY, "https://chat.example/g").unwrap();
    World {
        host: inv.session,
        link: inv.link.as_str().to_owned(),
        record: inv.record,
        claimed_record: Vec::new(),
        r,
    }
}

impl World {
    fn open(&self) -> OpenedInvite {
        InviteLink::parse(&self.link).unwrap().open(&self.record, NOW).unwrap()
    }

    /// Claims and delivers the claim; returns the guest and what the host answered.
    fn claim(&mut self) -> (GuestSession, ClaimAccepted) {
        let (guest, claim) = self.open().claim(&mut self.r, NOW).unwrap();
        let HostReceived::Claimed(acc) = self.host.decrypt(&mut self.r, NOW, &claim).unwrap() else {
            panic!("claim refused")
        };
        self.claimed_record = acc.claimed_record.clone();
        (guest, acc)
    }

    /// A confirmed conversation with one round trip done.
    fn talking(&mut self) -> GuestSession {
        let (mut guest, acc) = self.claim();
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        let g = guest.encrypt(&mut self.r, "hello host").unwrap();
        assert!(matches!(self.host.decrypt(&mut self.r, NOW, &g), Ok(HostReceived::Text(_))));
        let h = self.host.encrypt(&mut self.r, NOW, "hello guest").unwrap();
        assert_eq!(guest.decrypt(&h), Ok(GuestReceived::Text("hello guest".into())));
        guest
    }
}

/// Asserts that `f` fails with `expected` and leaves the host byte-for-byte unchanged.
fn host_refuses(host: &mut HostSession, r: &mut ChaCha20Rng, envelope: &[u8], expected: Error) {
    host_refuses_at(host, r, NOW, envelope, expected);
}

fn host_refuses_at(host: &mut HostSession, r: &mut ChaCha20Rng, now: u64, envelope: &[u8], expected: Error) {
    let before = host.state_digest_for_testing_only();
    let (skipped, chains) = (host.skipped_key_count(), host.receiving_chain_count());
    assert_eq!(host.decrypt(r, now, envelope).err(), Some(expected));
    assert_eq!(host.state_digest_for_testing_only(), before, "host state changed on {expected:?}");
    assert_eq!((host.skipped_key_count(), host.receiving_chain_count()), (skipped, chains));
}

fn guest_refuses(guest: &mut GuestSession, envelope: &[u8], expected: Error) {
    let before = guest.state_digest_for_testing_only();
    let (skipped, chains) = (guest.skipped_key_count(), guest.receiving_chain_count());
    assert_eq!(guest.decrypt(envelope).err(), Some(expected));
    assert_eq!(guest.state_digest_for_testing_only(), before, "guest state changed on {expected:?}");
    assert_eq!((guest.skipped_key_count(), guest.receiving_chain_count()), (skipped, chains));
}

fn opened_refuses(opened: &mut OpenedInvite, envelope: &[u8], expected: Error) {
    let before = opened.state_digest_for_testing_only();
    assert_eq!(opened.decrypt(envelope).err(), Some(expected));
    assert_eq!(opened.state_digest_for_testing_only(), before, "opened state changed on {expected:?}");
}

fn within_limits_host(host: &HostSession) {
    assert!(host.skipped_key_count() <= MAX_SKIPPED_KEYS);
    assert!(host.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
}

fn within_limits_guest(guest: &GuestSession) {
    assert!(guest.skipped_key_count() <= MAX_SKIPPED_KEYS);
    assert!(guest.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
}

/// Envelope layout offsets (SPEC §6): common header, then (claims) the guest mailbox key, then
/// the message header: ratchet key, pn, n, nonce (a salt in version 1).
const RATCHET_AT: usize = 18;
const CLAIM_RATCHET_AT: usize = 50;

mod toolkit {
    //! An attacker's implementation of the pieces it needs: the snapshot container (to read its
    //! own device state), and the message sealing of SPEC §7.4 (to send with real keys).
    use aes_gcm::Aes256Gcm;
    use aes_gcm::aead::{AeadInOut, KeyInit};
    use hmac::{Hmac, Mac};
    use sha2::{Digest, Sha256};

    use guestlink::labels;

    pub fn hmac(key: &[u8; 32], parts: &[&[u8]]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap();
        for p in parts {
            mac.update(p);
        }
        mac.finalize().into_bytes().into()
    }

    fn aead(key: &[u8; 32], label: &[u8], salt: &[u8; 16]) -> (Aes256Gcm, [u8; 12]) {
        let k = hmac(key, &[label, salt]);
        (Aes256Gcm::new(&k.into()), salt[..12].try_into().unwrap())
    }

    /// `(header, body)` of a snapshot opened under `key`.
    pub fn open_snapshot(key: &[u8; 32], bytes: &[u8]) -> (Vec<u8>, Vec<u8>) {
        let (header, sealed) = bytes.split_at(42);
        let salt: [u8; 16] = header[26..42].try_into().unwrap();
        let (c, nonce) = aead(key, labels::SNAPSHOT_KEY, &salt);
        let (ct, tag) = sealed.split_at(sealed.len() - 16);
        let mut body = ct.to_vec();
        c.decrypt_inout_detached(&nonce.into(), header, body.as_mut_slice().into(), tag.try_into().unwrap())
            .unwrap();
        (header.to_vec(), body)
    }

    /// Seals `body` under `key` with the given cleartext header fields.
    pub fn seal_snapshot(key: &[u8; 32], kind: u8, object_id: &[u8], counter: u64, body: &[u8]) -> Vec<u8> {
        let mut out = vec![2, kind];
        out.extend_from_slice(object_id);
        out.extend_from_slice(&counter.to_be_bytes());
        let salt = [0x33u8; 16];
        out.extend_from_slice(&salt);
        let (c, nonce) = aead(key, labels::SNAPSHOT_KEY, &salt);
        let mut buf = body.to_vec();
        let tag = c.encrypt_inout_detached(&nonce.into(), &out, buf.as_mut_slice().into()).unwrap();
        out.extend_from_slice(&buf);
        out.extend_from_slice(&tag);
        out
    }

    pub struct Cursor<'a>(pub &'a [u8]);

    impl Cursor<'_> {
        pub fn take<const N: usize>(&mut self) -> [u8; N] {
            let (h, t) = self.0.split_at(N);
            self.0 = t;
            h.try_into().unwrap()
        }
        pub fn u8(&mut self) -> u8 {
            self.take::<1>()[0]
        }
        /// A LEB128 `uint` (SPEC §10.2), trusted: the library wrote it.
        pub fn uint(&mut self) -> u64 {
            let (mut v, mut shift) = (0u64, 0);
            loop {
                let b = self.u8();
                v |= u64::from(b & 0x7f) << shift;
                if b & 0x80 == 0 {
                    return v;
                }
                shift += 7;
            }
        }
        pub fn uint32(&mut self) -> u32 {
            u32::try_from(self.uint()).unwrap()
        }
    }

    pub fn put_uint(out: &mut Vec<u8>, mut v: u64) {
        while v >= 0x80 {
            out.push((v as u8 & 0x7f) | 0x80);
            v >>= 7;
        }
        out.push(v as u8);
    }

    /// HKDF-SHA256 (RFC 5869) of 32 bytes, from HMAC.
    pub fn hkdf32(salt: &[u8], ikm: &[u8; 32], info: &[u8]) -> [u8; 32] {
        let mut mac = <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(salt).unwrap();
        mac.update(ikm);
        let prk: [u8; 32] = mac.finalize().into_bytes().into();
        hmac(&prk, &[info, &[1]])
    }

    /// A host session body (SPEC §10.2, version 2).
    pub struct HostBody {
        pub record_hash: [u8; 32],
        /// `host_seed` (flag bit3) or `keys_seed` (bit4) alone, or the invite and host mailbox seeds.
        pub seeds: Vec<[u8; 32]>,
        pub flags: u8,
        pub guest_mailbox: Option<[u8; 32]>,
        pub claim_key: Option<[u8; 32]>,
        /// `H0_sk` when stored (not taken from `host_seed`).
        pub h0: Option<[u8; 32]>,
        pub ratchet: RatchetBody,
    }

    impl HostBody {
        /// The invite seed and host mailbox seed, then `keys_seed` and `H0_sk` while `host_seed`
        /// is held (SPEC §12.1).
        pub fn derived_secrets(&self) -> Vec<[u8; 32]> {
            let signing = |keys: &[u8; 32]| {
                [labels::INVITE_KEY, labels::HOST_MAILBOX_KEY].map(|l| hkdf32(labels::HOST_KEYS, keys, l))
            };
            match self.seeds.as_slice() {
                [seed] if self.flags & 8 != 0 => {
                    let keys = hkdf32(labels::HOST_SEED, seed, labels::HOST_KEYS);
                    let h0 = hkdf32(labels::HOST_SEED, seed, labels::HOST_RATCHET_KEY);
                    [signing(&keys).as_slice(), &[keys, h0]].concat()
                }
                [keys] => signing(keys).to_vec(),
                two => two.to_vec(),
            }
        }
    }

    pub fn read_host(body: &[u8]) -> HostBody {
        let mut c = Cursor(body);
        let _identity: [u8; 32] = c.take();
        let record_hash = c.take();
        let _expires = c.uint();
        let flags = c.u8();
        let seeds = if flags & 0b1_1000 != 0 { vec![c.take()] } else { vec![c.take(), c.take()] };
        let mut claim_at = None;
        let mut guest_mailbox = None;
        if flags & 2 != 0 {
            guest_mailbox = Some(c.take());
            claim_at = Some(match c.u8() {
                0xff => Err(c.take::<32>()),
                i => Ok(usize::from(i)),
            });
        }
        let h0 = if flags & 4 != 0 && flags & 8 == 0 { Some(c.take()) } else { None };
        let ratchet = read_ratchet(&mut c);
        assert!(c.0.is_empty());
        let claim_key = claim_at.map(|at| at.map_or_else(|key| key, |i| ratchet.chains[i].ratchet));
        HostBody { record_hash, seeds, flags, guest_mailbox, claim_key, h0, ratchet }
    }

    /// The ratchet part of a snapshot body (SPEC §10.2).
    #[derive(Debug)]
    pub struct RatchetBody {
        pub root: [u8; 32],
        pub ours: [u8; 32],
        pub sending: Option<([u8; 32], u32)>,
        pub pn: u32,
        pub chains: Vec<ChainBody>,
    }

    #[derive(Debug)]
    pub struct ChainBody {
        pub ratchet: [u8; 32],
        pub pre_claim_flag: u8,
        pub key: Option<[u8; 32]>,
        pub next: u32,
        pub skipped: Vec<(u32, [u8; 32])>,
    }

    pub fn read_ratchet(c: &mut Cursor<'_>) -> RatchetBody {
        let root = c.take();
        let ours = c.take();
        let sending = if c.u8() == 1 { Some((c.take(), c.uint32())) } else { None };
        let pn = c.uint32();
        let count = c.u8();
        let chains = (0..count)
            .map(|_| {
                let ratchet = c.take();
                let flags = c.u8();
                let key = if flags & 1 == 1 { Some(c.take()) } else { None };
                let next = c.uint32();
                let n = c.uint32();
                let skipped = (0..n).map(|_| (c.uint32(), c.take())).collect();
                ChainBody { ratchet, pre_claim_flag: flags >> 1, key, next, skipped }
            })
            .collect();
        RatchetBody { root, ours, sending, pn, chains }
    }

    /// Encodes a ratchet body exactly as SPEC §10.2 lays it out (hostile-snapshot tests).
    pub fn write_ratchet(out: &mut Vec<u8>, r: &RatchetBody) {
        out.extend_from_slice(&r.root);
        out.extend_from_slice(&r.ours);
        match r.sending {
            Some((key, n)) => {
                out.push(1);
                out.extend_from_slice(&key);
                put_uint(out, n.into());
            }
            None => out.push(0),
        }
        put_uint(out, r.pn.into());
        out.push(r.chains.len() as u8);
        for c in &r.chains {
            out.extend_from_slice(&c.ratchet);
            out.push(u8::from(c.key.is_some()) | (c.pre_claim_flag << 1));
            if let Some(k) = c.key {
                out.extend_from_slice(&k);
            }
            put_uint(out, c.next.into());
            put_uint(out, c.skipped.len() as u64);
            for (n, k) in &c.skipped {
                put_uint(out, (*n).into());
                out.extend_from_slice(k);
            }
        }
    }

    /// Every secret of a ratchet, for the Debug-redaction tests.
    pub fn ratchet_secrets(r: &RatchetBody) -> Vec<[u8; 32]> {
        let mut out = vec![r.root, r.ours];
        out.extend(r.sending.map(|s| s.0));
        for c in &r.chains {
            out.extend(c.key);
            out.extend(c.skipped.iter().map(|s| s.1));
        }
        out
    }

    pub fn x25519_public(secret: &[u8; 32]) -> [u8; 32] {
        x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(*secret)).to_bytes()
    }

    pub fn session_id(record_hash: &[u8; 32], claim_key: &[u8; 32], guest_mailbox: &[u8; 32]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(labels::SESSION_ID);
        h.update(record_hash);
        h.update(claim_key);
        h.update(guest_mailbox);
        h.finalize().into()
    }

    /// `type || body || 0x80 || 0x00...` to `padded_len(len)`: the honest padding, any type.
    pub fn pad(content_type: u8, body: &[u8]) -> Vec<u8> {
        let mut out = vec![content_type];
        out.extend_from_slice(body);
        out.push(0x80);
        out.resize(guestlink::padded_len(body.len() + 2), 0);
        out
    }

    /// Everything needed to seal messages on one sending chain.
    #[derive(Clone, Debug)]
    pub struct Sender {
        pub kind: u8,
        pub mailbox: [u8; 16],
        pub guest_mailbox: Option<[u8; 32]>,
        pub direction: u8,
        pub session_id: [u8; 32],
        pub ratchet: [u8; 32],
        pub pn: u32,
        pub n: u32,
        pub chain_key: [u8; 32],
    }

    impl Sender {
        /// Seals `padded` at counter `self.n` as a version 2 envelope (SPEC §7.3: the message
        /// key is the AEAD key, the nonce is in the header) and advances the chain.
        pub fn seal(&mut self, padded: &[u8], nonce: [u8; 12]) -> Vec<u8> {
            self.seal_as(2, &nonce, padded, |mk| (Aes256Gcm::new(&(*mk).into()), nonce))
        }

        /// Seals `padded` as a version 1 envelope (a 16-byte salt; `K = HMAC(MK, label ||
        /// salt)`), which readers still accept (SPEC §17), and advances the chain.
        pub fn seal_v1(&mut self, padded: &[u8], salt: [u8; 16]) -> Vec<u8> {
            self.seal_as(1, &salt, padded, |mk| aead(mk, labels::AEAD_KEY, &salt))
        }

        fn seal_as(
            &mut self,
            version: u8,
            nonce_or_salt: &[u8],
            padded: &[u8],
            cipher: impl Fn(&[u8; 32]) -> (Aes256Gcm, [u8; 12]),
        ) -> Vec<u8> {
            let mk = hmac(&self.chain_key, &[&[0x01]]);
            let mut env = vec![version, self.kind];
            env.extend_from_slice(&self.mailbox);
            if let Some(gm) = self.guest_mailbox {
                env.extend_from_slice(&gm);
            }
            env.extend_from_slice(&self.ratchet);
            env.extend_from_slice(&self.pn.to_be_bytes());
            env.extend_from_slice(&self.n.to_be_bytes());
            env.extend_from_slice(nonce_or_salt);
            let mut ad = vec![self.direction];
            ad.extend_from_slice(&self.session_id);
            ad.extend_from_slice(&env);
            let (c, nonce) = cipher(&mk);
            let mut buf = padded.to_vec();
            let tag = c.encrypt_inout_detached(&nonce.into(), &ad, buf.as_mut_slice().into()).unwrap();
            env.extend_from_slice(&buf);
            env.extend_from_slice(&tag);
            self.chain_key = hmac(&self.chain_key, &[&[0x02]]);
            self.n += 1;
            env
        }
    }
}

use toolkit::{Cursor, Sender, pad};

const SNAP_KEY: [u8; 32] = [0x42; 32];

/// The host's next post-claim message, sealed by the attacker toolkit from the host's own state.
fn host_sender(host: &mut HostSession, r: &mut ChaCha20Rng) -> Sender {
    let snap = host.snapshot(r, &SnapshotKey::from_bytes(SNAP_KEY));
    let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
    let host = toolkit::read_host(&body);
    let (record_hash, ratchet) = (host.record_hash, host.ratchet);
    let claim_key = host.claim_key.expect("claimed host");
    let guest_mailbox = host.guest_mailbox.expect("claimed host");
    let (chain_key, n) = ratchet.sending.expect("host has a sending chain");
    Sender {
        kind: 0x12,
        mailbox: header[2..18].try_into().unwrap(),
        guest_mailbox: None,
        direction: 0x01,
        session_id: toolkit::session_id(&record_hash, &claim_key, &guest_mailbox),
        ratchet: toolkit::x25519_public(&ratchet.ours),
        pn: ratchet.pn,
        n,
        chain_key,
    }
}

/// The guest's next message, sealed by the attacker toolkit from the guest's own state.
fn guest_sender(guest: &mut GuestSession, r: &mut ChaCha20Rng) -> Sender {
    let snap = guest.snapshot(r, &SnapshotKey::from_bytes(SNAP_KEY));
    let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
    let mut c = Cursor(&body);
    let _identity: [u8; 32] = c.take();
    let _invite_key: [u8; 32] = c.take();
    let record_hash: [u8; 32] = c.take();
    let _revoked = c.u8();
    let gm_seed: [u8; 32] = c.take();
    let claim_key: [u8; 32] = c.take();
    let confirmed = c.u8() & 1 == 1;
    let ratchet = toolkit::read_ratchet(&mut c);
    let (chain_key, n) = ratchet.sending.expect("guest has a sending chain");
    let gm = ed25519_dalek::SigningKey::from_bytes(&gm_seed).verifying_key().to_bytes();
    Sender {
        kind: if confirmed { 0x12 } else { 0x11 },
        mailbox: header[2..18].try_into().unwrap(),
        guest_mailbox: if confirmed { None } else { Some(gm) },
        direction: 0x02,
        session_id: toolkit::session_id(&record_hash, &claim_key, &gm),
        ratchet: toolkit::x25519_public(&ratchet.ours),
        pn: ratchet.pn,
        n,
        chain_key,
    }
}

/// A link holder's view of the host's pre-claim chain, from its own opened invite.
fn pre_claim_sender(opened: &mut OpenedInvite, r: &mut ChaCha20Rng) -> Sender {
    let snap = opened.snapshot(r, &SnapshotKey::from_bytes(SNAP_KEY));
    let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
    let mut c = Cursor(&body);
    let _identity: [u8; 32] = c.take();
    let _invite_key: [u8; 32] = c.take();
    let record_hash: [u8; 32] = c.take();
    let _revoked = c.u8();
    let _secret: [u8; 32] = c.take();
    let _expires = c.uint();
    let ratchet = toolkit::read_ratchet(&mut c);
    let chain = &ratchet.chains[0];
    Sender {
        kind: 0x12,
        mailbox: header[2..18].try_into().unwrap(),
        guest_mailbox: None,
        direction: 0x01,
        session_id: record_hash,
        ratchet: chain.ratchet,
        pn: 0,
        n: chain.next,
        chain_key: chain.key.unwrap(),
    }
}

/// Fresh random bytes: a version 2 nonce (12) or a version 1 salt (16).
fn random<const N: usize>(r: &mut ChaCha20Rng) -> [u8; N] {
    let mut s = [0u8; N];
    r.fill_bytes(&mut s);
    s
}

#[test]
fn toolkit_seals_exactly_like_the_library() {
    // The toolkit is only evidence if an honest message sealed by it decrypts.
    let mut w = world(1);
    let mut guest = w.talking();
    let mut s = host_sender(&mut w.host, &mut w.r);
    let env = s.seal(&pad(0x01, b"sealed by the toolkit"), random(&mut w.r));
    assert_eq!(env.len(), w.host.encrypt(&mut w.r, NOW, "same size").unwrap().len());
    assert_eq!(guest.decrypt(&env), Ok(GuestReceived::Text("sealed by the toolkit".into())));
    let real = guest.encrypt(&mut w.r, "real").unwrap(); // opens the guest's sending chain
    assert!(matches!(w.host.decrypt(&mut w.r, NOW, &real), Ok(HostReceived::Text(_))));
    let mut g = guest_sender(&mut guest, &mut w.r);
    let env = g.seal(&pad(0x01, b"and back"), random(&mut w.r));
    assert!(matches!(w.host.decrypt(&mut w.r, NOW, &env), Ok(HostReceived::Text(t)) if t == "and back"));
}

#[test]
fn version_1_messages_still_decrypt_on_the_same_chains() {
    // SPEC §17: a reader accepts version 1 message envelopes (56-byte header with a salt,
    // K = HMAC(MK, label || salt)). The ratchet does not depend on the version, so one chain
    // may carry both; each message key is consumed once whatever the version.
    let mut w = world(2);
    let mut guest = w.talking();
    let mut s = host_sender(&mut w.host, &mut w.r);
    let v1 = s.seal_v1(&pad(0x01, b"written by version 1"), random(&mut w.r));
    assert_eq!((v1[0], v1.len()), (1, 18 + 56 + 64 + 16));
    let v2 = s.seal(&pad(0x01, b"then version 2"), random(&mut w.r));
    assert_eq!((v2[0], v2.len()), (2, 18 + 52 + 64 + 16));
    assert_eq!(guest.decrypt(&v2), Ok(GuestReceived::Text("then version 2".into())));
    assert_eq!(guest.decrypt(&v1), Ok(GuestReceived::Text("written by version 1".into())));
    guest_refuses(&mut guest, &v1, Error::Duplicate);
    // One message key sealed under each version; relabelled to the other version, neither
    // decrypts (the header splits differently and the AD carries the version byte).
    let body = "m".repeat(100);
    let mut s2 = s.clone();
    let key_reused_as_v1 = s2.seal_v1(&pad(0x01, body.as_bytes()), random(&mut w.r));
    let as_v2 = s.seal(&pad(0x01, body.as_bytes()), random(&mut w.r));
    let mut v1_as_v2 = key_reused_as_v1.clone();
    v1_as_v2[0] = 2;
    guest_refuses(&mut guest, &v1_as_v2, Error::DecryptFailed);
    let mut v2_as_v1 = as_v2.clone();
    v2_as_v1[0] = 1;
    guest_refuses(&mut guest, &v2_as_v1, Error::DecryptFailed);
    assert_eq!(guest.decrypt(&key_reused_as_v1), Ok(GuestReceived::Text(body)));
    guest_refuses(&mut guest, &as_v2, Error::Duplicate);
}

mod relay {
    //! The relay: stores and forwards every envelope; can substitute, replay, reorder, reflect,
    //! move envelopes between sessions and change type bytes. It never has the link.
    use super::*;

    #[test]
    fn substituted_record_is_refused_by_the_guest() {
        let w = world(10);
        let link = InviteLink::parse(&w.link).unwrap();
        // Another host's record (the relay's own invite, signed by its own identity).
        let other = world(11);
        assert_eq!(link.open(&other.record, NOW).err(), Some(Error::RecordMismatch));
        // Another invite of the same host.
        let mut r = rng(12);
        let id = HostIdentity::generate(&mut rng(10));
        let second = id.create_invite(&mut r, NOW, NOW + DAY, "https://chat.example/g").unwrap();
        assert_eq!(link.open(&second.record, NOW).err(), Some(Error::RecordMismatch));
        // The host's ratchet key (or any other field) replaced in the genuine record.
        let mut tampered = w.record.clone();
        tampered[200] ^= 0x01;
        assert_eq!(link.open(&tampered, NOW).err(), Some(Error::BadSignature));
        // An expiry extended by the relay breaks the signature too.
        let mut later = w.record.clone();
        let at = later.len() - 64 - 8;
        later[at..at + 8].copy_from_slice(&(NOW + 365 * DAY).to_be_bytes());
        assert_eq!(link.open(&later, NOW).err(), Some(Error::BadSignature));
    }

    #[test]
    fn substituted_keys_in_the_claim_are_refused_and_the_real_claim_still_wins() {
        let mut w = world(13);
        let (guest, claim) = w.open().claim(&mut w.r, NOW).unwrap();
        // The relay swaps in its own guest mailbox key (to own the mailbox after the claim).
        let mut relay_mailbox = claim.clone();
        let relay_key = ed25519_dalek::SigningKey::from_bytes(&[5u8; 32]).verifying_key().to_bytes();
        relay_mailbox[18..50].copy_from_slice(&relay_key);
        host_refuses(&mut w.host, &mut w.r, &relay_mailbox, Error::DecryptFailed);
        // ... or its own ratchet key (to sit in the middle of the ratchet).
        let mut relay_ratchet = claim.clone();
        let relay_x = toolkit::x25519_public(&[6u8; 32]);
        relay_ratchet[CLAIM_RATCHET_AT..CLAIM_RATCHET_AT + 32].copy_from_slice(&relay_x);
        host_refuses(&mut w.host, &mut w.r, &relay_ratchet, Error::DecryptFailed);
        assert_eq!(w.host.state(), HostState::Unclaimed);
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        assert_eq!(acc.safety_code, guest.safety_code(), "no substitution happened");
    }

    #[test]
    fn substituted_claimed_record_is_refused() {
        let mut w = world(14);
        let (guest, acc) = w.claim();
        let record = InviteRecord::parse(&w.record).unwrap();
        let mut forged = acc.claimed_record.clone();
        forged[60] ^= 0x01; // inside the claim key
        assert_eq!(record.verify_claimed(&forged).err(), Some(Error::BadSignature));
        assert_eq!(guest.check_claimed_record(&forged).err(), Some(Error::BadSignature));
        // The record of another invite names another mailbox.
        let mut other = world(15);
        let (_, other_acc) = other.claim();
        assert_eq!(guest.check_claimed_record(&other_acc.claimed_record).err(), Some(Error::WrongMailbox));
    }

    #[test]
    fn replays_are_duplicates_and_change_nothing() {
        let mut w = world(16);
        let pre = w.host.encrypt(&mut w.r, NOW, "pre").unwrap();
        let mut opened = w.open();
        assert_eq!(opened.decrypt(&pre), Ok(GuestReceived::Text("pre".into())));
        opened_refuses(&mut opened, &pre, Error::Duplicate);
        let (mut guest, claim) = opened.claim(&mut w.r, NOW).unwrap();
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        host_refuses(&mut w.host, &mut w.r, &claim, Error::Duplicate);
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        guest_refuses(&mut guest, &acc.confirmation, Error::Duplicate);
        // A late pre-claim replay after the pre-claim chain closed.
        guest_refuses(&mut guest, &pre, Error::Duplicate);
        let g = guest.encrypt(&mut w.r, "once").unwrap();
        assert!(matches!(w.host.decrypt(&mut w.r, NOW, &g), Ok(HostReceived::Text(_))));
        host_refuses(&mut w.host, &mut w.r, &g, Error::Duplicate);
        // The claim replayed after the claim window closed is still only a duplicate.
        host_refuses(&mut w.host, &mut w.r, &claim, Error::Duplicate);
    }

    #[test]
    fn reordered_messages_each_decrypt_once_and_skipped_keys_drain() {
        let mut w = world(17);
        let mut guest = w.talking();
        let msgs: Vec<_> =
            (0..10).map(|i| w.host.encrypt(&mut w.r, NOW, &format!("m{i}")).unwrap()).collect();
        let order = [9, 3, 0, 8, 1, 2, 7, 4, 6, 5];
        assert_eq!(guest.decrypt(&msgs[9]), Ok(GuestReceived::Text("m9".into())));
        assert_eq!(guest.skipped_key_count(), 9);
        for &i in &order[1..] {
            assert_eq!(guest.decrypt(&msgs[i]), Ok(GuestReceived::Text(format!("m{i}"))));
        }
        assert_eq!(guest.skipped_key_count(), 0);
        for m in &msgs {
            guest_refuses(&mut guest, m, Error::Duplicate);
        }
    }

    #[test]
    fn pre_claim_messages_reordered_across_the_claim_decrypt_once() {
        let mut w = world(23);
        let pre1 = w.host.encrypt(&mut w.r, NOW, "pre 1").unwrap();
        let (mut guest, claim) = w.open().claim(&mut w.r, NOW).unwrap();
        // The host writes again before the claim reaches it: still a signed pre-claim envelope.
        let pre2 = w.host.encrypt(&mut w.r, NOW, "pre 2").unwrap();
        assert_eq!(peek(&pre2).unwrap().kind, EnvelopeKind::PreClaim);
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        // The confirmation announces the pre-claim chain's length (2): the guest closes it there.
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        assert_eq!(guest.skipped_key_count(), 2);
        assert_eq!(guest.decrypt(&pre2), Ok(GuestReceived::Text("pre 2".into())));
        assert_eq!(guest.decrypt(&pre1), Ok(GuestReceived::Text("pre 1".into())));
        assert_eq!(guest.skipped_key_count(), 0);
        guest_refuses(&mut guest, &pre1, Error::Duplicate);
        guest_refuses(&mut guest, &pre2, Error::Duplicate);
    }

    #[test]
    fn reflected_envelopes_never_decrypt_for_their_sender() {
        let mut w = world(18);
        let pre = w.host.encrypt(&mut w.r, NOW, "pre").unwrap();
        host_refuses(&mut w.host, &mut w.r, &pre, Error::UnexpectedMessageType);
        let (mut guest, claim) = w.open().claim(&mut w.r, NOW).unwrap();
        guest_refuses(&mut guest, &claim, Error::UnexpectedMessageType);
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        // The host's confirmation back to the host: its own ratchet key is not a guest chain,
        // and its pn (1 pre-claim message) is above the claim chain's next counter (1).
        host_refuses(&mut w.host, &mut w.r, &acc.confirmation, Error::DecryptFailed);
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        let g = guest.encrypt(&mut w.r, "to host").unwrap();
        // The guest's message back to the guest: a new ratchet key whose pn (1 claim message)
        // equals the host chain's next counter, so the DH step is tried and the AEAD fails.
        guest_refuses(&mut guest, &g, Error::DecryptFailed);
        let rec = w.host.revoke(&mut w.r, NOW).unwrap();
        // Records reflected as envelopes.
        host_refuses(&mut w.host, &mut w.r, &rec.record, Error::UnexpectedMessageType);
        guest_refuses(&mut guest, &acc.claimed_record, Error::UnexpectedMessageType);
    }

    #[test]
    fn envelopes_moved_between_sessions_are_refused() {
        // Two invites of the same host: the relay moves envelopes from one mailbox to the other.
        let mut r = rng(19);
        let id = HostIdentity::generate(&mut r);
        let mut a = id.create_invite(&mut r, NOW, NOW + DAY, "https://chat.example/g").unwrap();
        let mut b = id.create_invite(&mut r, NOW, NOW + DAY, "https://chat.example/g").unwrap();
        let link_a = InviteLink::parse(a.link.as_str()).unwrap();
        let link_b = InviteLink::parse(b.link.as_str()).unwrap();
        let mut opened_a = link_a.open(&a.record, NOW).unwrap();
        let mut opened_b = link_b.open(&b.record, NOW).unwrap();
        let pre_a = a.session.encrypt(&mut r, NOW, "for a").unwrap();
        opened_refuses(&mut opened_b, &pre_a, Error::WrongMailbox);
        // The relay also rewrites the mailbox id: the signature covers it.
        let mut moved = pre_a.clone();
        moved[2..18].copy_from_slice(opened_b.mailbox_id().as_bytes());
        opened_refuses(&mut opened_b, &moved, Error::BadSignature);
        let record_b = InviteRecord::parse(&b.record).unwrap();
        assert_eq!(record_b.verify_pre_claim(&moved).err(), Some(Error::BadSignature));
        assert_eq!(opened_a.decrypt(&pre_a), Ok(GuestReceived::Text("for a".into())));
        // Claims and post-claim messages: the AD binds the session id.
        let (mut guest_a, claim_a) = opened_a.claim(&mut r, NOW).unwrap();
        host_refuses(&mut b.session, &mut r, &claim_a, Error::WrongMailbox);
        let mut claim_moved = claim_a.clone();
        claim_moved[2..18].copy_from_slice(b.session.mailbox_id().as_bytes());
        host_refuses(&mut b.session, &mut r, &claim_moved, Error::DecryptFailed);
        let HostReceived::Claimed(acc_a) = a.session.decrypt(&mut r, NOW, &claim_a).unwrap() else {
            panic!()
        };
        let (mut guest_b, claim_b) = opened_b.claim(&mut r, NOW).unwrap();
        let HostReceived::Claimed(acc_b) = b.session.decrypt(&mut r, NOW, &claim_b).unwrap() else {
            panic!()
        };
        let mut conf_moved = acc_a.confirmation.clone();
        conf_moved[2..18].copy_from_slice(guest_b.mailbox_id().as_bytes());
        guest_refuses(&mut guest_b, &conf_moved, Error::DecryptFailed);
        assert_eq!(guest_a.decrypt(&acc_a.confirmation), Ok(GuestReceived::Confirmed));
        assert_eq!(guest_b.decrypt(&acc_b.confirmation), Ok(GuestReceived::Confirmed));
        // Claimed and revocation records of invite A mean nothing to invite B.
        assert_eq!(record_b.verify_claimed(&acc_a.claimed_record).err(), Some(Error::WrongMailbox));
        let rev_a = a.session.revoke(&mut r, NOW).unwrap();
        assert_eq!(guest_b.apply_revocation(&rev_a.record).err(), Some(Error::WrongMailbox));
        let mut rev_moved = rev_a.record.clone();
        rev_moved[2..18].copy_from_slice(guest_b.mailbox_id().as_bytes());
        assert_eq!(guest_b.apply_revocation(&rev_moved).err(), Some(Error::RecordMismatch));
        assert!(guest_b.encrypt(&mut r, "still open").is_ok());
    }

    #[test]
    fn swapped_message_types_are_refused() {
        let mut w = world(20);
        let pre = w.host.encrypt(&mut w.r, NOW, "pre").unwrap();
        let mut opened = w.open();
        // PreClaim -> Message: drop the signature, change the type byte.
        let mut unsigned = pre[..pre.len() - 64].to_vec();
        unsigned[1] = EnvelopeKind::Message.to_byte();
        opened_refuses(&mut opened, &unsigned, Error::NotClaimed);
        // PreClaim -> Claim / record types.
        let mut as_claim = pre.clone();
        as_claim[1] = EnvelopeKind::Claim.to_byte();
        opened_refuses(&mut opened, &as_claim, Error::UnexpectedMessageType);
        for kind in [EnvelopeKind::InviteRecord, EnvelopeKind::ClaimedRecord, EnvelopeKind::RevocationRecord]
        {
            // Records exist in version 1 only (SPEC §6.1); relabelled to version 1 they are
            // records, which a session does not decrypt.
            let mut as_record = pre.clone();
            as_record[1] = kind.to_byte();
            opened_refuses(&mut opened, &as_record, Error::VersionUnsupported);
            as_record[0] = PROTOCOL_VERSION;
            opened_refuses(&mut opened, &as_record, Error::UnexpectedMessageType);
        }
        let mut unknown = pre.clone();
        unknown[1] = 0x13;
        opened_refuses(&mut opened, &unknown, Error::UnexpectedMessageType);
        let (mut guest, claim) = opened.claim(&mut w.r, NOW).unwrap();
        // After the claim the unsigned pre-claim body is on the pre-claim chain: refused by type.
        guest_refuses(&mut guest, &unsigned, Error::UnexpectedMessageType);
        let claim_text = guest.encrypt(&mut w.r, "second claim envelope").unwrap();
        // Claim -> Message: remove the guest mailbox key, change the type byte.
        let as_message = |claim: &[u8]| {
            let mut m = claim[..18].to_vec();
            m[1] = EnvelopeKind::Message.to_byte();
            m.extend_from_slice(&claim[50..]);
            m
        };
        host_refuses(&mut w.host, &mut w.r, &as_message(&claim), Error::NotClaimed);
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        // Same ratchet key and counter as the accepted claim: a duplicate, before any crypto.
        host_refuses(&mut w.host, &mut w.r, &as_message(&claim), Error::Duplicate);
        // A fresh counter: the AD (type byte, prefix) no longer matches.
        host_refuses(&mut w.host, &mut w.r, &as_message(&claim_text), Error::DecryptFailed);
        assert!(matches!(w.host.decrypt(&mut w.r, NOW, &claim_text), Ok(HostReceived::Text(_))));
        // Message -> PreClaim (with a signature-sized tail): the invite key did not sign it.
        let mut conf_as_pre = acc.confirmation.clone();
        conf_as_pre[1] = EnvelopeKind::PreClaim.to_byte();
        conf_as_pre.extend_from_slice(&[0u8; 64]);
        guest_refuses(&mut guest, &conf_as_pre, Error::BadSignature);
        // A relay that signs nothing cannot make a record from a message either.
        let mut conf_as_claimed = acc.confirmation.clone();
        conf_as_claimed[1] = EnvelopeKind::ClaimedRecord.to_byte();
        assert_eq!(guest.check_claimed_record(&conf_as_claimed).err(), Some(Error::EnvelopeMalformed));
        // Oversized records are ENVELOPE_TOO_LARGE, as every envelope (SPEC §6.1).
        let mut huge = acc.claimed_record.clone();
        huge.resize(MAX_ENVELOPE_LEN + 1, 0);
        assert_eq!(guest.check_claimed_record(&huge).err(), Some(Error::EnvelopeTooLarge));
        assert_eq!(guest.apply_revocation(&huge).err(), Some(Error::EnvelopeTooLarge));
        huge.truncate(MAX_ENVELOPE_LEN);
        assert_eq!(guest.check_claimed_record(&huge).err(), Some(Error::EnvelopeMalformed));
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
    }

    #[test]
    fn a_dropped_claim_does_not_stall_the_chat() {
        let mut w = world(21);
        let (mut guest, _dropped) = w.open().claim(&mut w.r, NOW).unwrap();
        let text = guest.encrypt(&mut w.r, "hello?").unwrap();
        assert_eq!(peek(&text).unwrap().kind, EnvelopeKind::Claim);
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &text).unwrap() else { panic!() };
        assert_eq!(acc.text.as_deref(), Some("hello?"));
        assert_eq!(acc.safety_code, guest.safety_code());
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
    }

    #[test]
    fn a_relay_cannot_forge_relay_authentication() {
        let mut w = world(22);
        let (guest, acc) = w.claim();
        let record = InviteRecord::parse(&w.record).unwrap();
        let challenge = [9u8; 32];
        let sig = guest.relay_auth(&challenge).unwrap();
        let key = record.verify_claimed(&acc.claimed_record).unwrap().guest_mailbox_key;
        assert_eq!(verify_relay_auth(&key, &guest.mailbox_id(), &challenge, &sig), Ok(()));
        // Replayed for another challenge or another mailbox.
        assert_eq!(verify_relay_auth(&key, &guest.mailbox_id(), &[8u8; 32], &sig), Err(Error::BadSignature));
        let other = MailboxId::from_bytes([1; 16]);
        assert_eq!(verify_relay_auth(&key, &other, &challenge, &sig), Err(Error::BadSignature));
        // Challenges outside the limits are refused before any signature work.
        assert_eq!(guest.relay_auth(&[0u8; 15]).err(), Some(Error::InvalidArgument));
        assert_eq!(
            verify_relay_auth(&key, &guest.mailbox_id(), &[0u8; 65], &sig),
            Err(Error::InvalidArgument)
        );
    }
}

mod leaked_link {
    //! A holder of a leaked link (a forwarded SMS, a shared screen): it derives every key the
    //! link gives, can read what was sent before the claim (documented), and nothing else.
    use super::*;

    #[test]
    fn before_the_claim_it_reads_pre_claim_messages_but_cannot_forge_them() {
        let mut w = world(30);
        let pre = w.host.encrypt(&mut w.r, NOW, "visible to link holders").unwrap();
        let mut eve = w.open();
        // Documented limit: pre-claim content is readable by anyone with the link.
        assert_eq!(eve.decrypt(&pre), Ok(GuestReceived::Text("visible to link holders".into())));
        let mut guest = w.open();
        // Eve derives the pre-claim chain from the link and seals with the real keys.
        let mut forger = pre_claim_sender(&mut eve, &mut w.r);
        let mut as_message = forger.clone();
        let forged = as_message.seal(&pad(0x01, b"pay to eve"), random(&mut w.r));
        opened_refuses(&mut guest, &forged, Error::NotClaimed);
        // As a pre-claim envelope it needs the invite key's signature.
        forger.kind = 0x10;
        let mut signed = forger.seal(&pad(0x01, b"pay to eve"), random(&mut w.r));
        signed.extend_from_slice(&[0x11; 64]);
        opened_refuses(&mut guest, &signed, Error::BadSignature);
        let record = InviteRecord::parse(&w.record).unwrap();
        assert_eq!(record.verify_pre_claim(&signed).err(), Some(Error::BadSignature));
        // Re-signing a genuine envelope's signature onto the forgery does not help.
        let mut transplanted = signed[..signed.len() - 64].to_vec();
        transplanted.extend_from_slice(&pre[pre.len() - 64..]);
        opened_refuses(&mut guest, &transplanted, Error::BadSignature);
        // After the claim, the unsigned forgery on the pre-claim chain is refused by type.
        let (mut session, _) = guest.claim(&mut w.r, NOW).unwrap();
        guest_refuses(&mut session, &forged, Error::UnexpectedMessageType);
    }

    #[test]
    fn before_the_claim_it_can_win_the_race_and_the_guest_learns_it() {
        let mut w = world(31);
        let (eve, eve_claim) = w.open().claim(&mut w.r, NOW).unwrap();
        let (mut guest, claim) = w.open().claim(&mut w.r, NOW).unwrap();
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &eve_claim).unwrap() else { panic!() };
        assert_eq!(acc.safety_code, eve.safety_code());
        assert_ne!(acc.safety_code, guest.safety_code(), "the safety code tells the guest apart");
        // The real guest's claim is a verified competing claim; the host keeps Eve's session.
        host_refuses(&mut w.host, &mut w.r, &claim, Error::CompetingClaim);
        // The guest learns it from the claimed record and never gets confirmed.
        assert_eq!(guest.check_claimed_record(&acc.claimed_record).err(), Some(Error::ClaimedByOther));
        guest_refuses(&mut guest, &acc.confirmation, Error::DecryptFailed);
        assert!(!guest.is_confirmed());
    }

    #[test]
    fn after_the_claim_it_reads_nothing_posts_nothing_and_claims_nothing() {
        let mut w = world(32);
        let mut guest = w.talking();
        let secret = w.host.encrypt(&mut w.r, NOW, "post-claim secret").unwrap();
        let mut eve = w.open();
        opened_refuses(&mut eve, &secret, Error::NotClaimed);
        // Eve's own claim: verified, so reported as competing, and the host is untouched.
        let (mut eve_session, eve_claim) = w.open().claim(&mut w.r, NOW).unwrap();
        host_refuses(&mut w.host, &mut w.r, &eve_claim, Error::StaleClaim);
        guest_refuses(&mut eve_session, &secret, Error::DecryptFailed);
        // The relay accepts guest posts only under the claimed guest mailbox key.
        let record = InviteRecord::parse(&w.record).unwrap();
        let claimed_key = record.verify_claimed(&w.claimed_record).unwrap().guest_mailbox_key;
        let challenge = [7u8; 24];
        let eve_auth = eve.relay_auth(&challenge).unwrap();
        assert_eq!(
            verify_relay_auth(&claimed_key, &eve.mailbox_id(), &challenge, &eve_auth),
            Err(Error::BadSignature)
        );
        let eve_session_auth = eve_session.relay_auth(&challenge).unwrap();
        assert_eq!(
            verify_relay_auth(&claimed_key, &eve.mailbox_id(), &challenge, &eve_session_auth),
            Err(Error::BadSignature)
        );
        // A forged post-claim message needs the post-claim root, which the link does not give.
        let mut forger = pre_claim_sender(&mut eve, &mut w.r);
        forger.ratchet = toolkit::x25519_public(&[0x77; 32]);
        forger.pn = 5; // at or above the guest's current chain: the DH step is tried
        let forged = forger.seal(&pad(0x01, b"forged"), random(&mut w.r));
        guest_refuses(&mut guest, &forged, Error::DecryptFailed);
        assert_eq!(guest.decrypt(&secret), Ok(GuestReceived::Text("post-claim secret".into())));
    }

    #[test]
    fn the_link_derived_initial_key_never_speaks_for_the_guest() {
        let mut w = world(34);
        let guest_initial: [u8; 32] = w.record[147..179].try_into().unwrap();
        let (mut guest, claim) = w.open().claim(&mut w.r, NOW).unwrap();
        let mut as_initial = claim.clone();
        as_initial[CLAIM_RATCHET_AT..CLAIM_RATCHET_AT + 32].copy_from_slice(&guest_initial);
        host_refuses(&mut w.host, &mut w.r, &as_initial, Error::InvalidKey);
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        // After the claim too, a claim under the initial key is refused as such.
        host_refuses(&mut w.host, &mut w.r, &as_initial, Error::InvalidKey);
        // After the claim the initial key is a closed chain: no counter is acceptable on it.
        let g = guest.encrypt(&mut w.r, "real").unwrap();
        let mut on_initial = g.clone();
        on_initial[RATCHET_AT..RATCHET_AT + 32].copy_from_slice(&guest_initial);
        host_refuses(&mut w.host, &mut w.r, &on_initial, Error::InvalidCounter);
        assert!(w.host.decrypt(&mut w.r, NOW, &g).is_ok());
    }

    #[test]
    fn the_competing_claim_window_is_while_the_guest_has_not_moved_on() {
        let mut w = world(33);
        let (mut guest, acc) = w.claim();
        let (_, eve_claim) = w.open().claim(&mut w.r, NOW).unwrap();
        host_refuses(&mut w.host, &mut w.r, &eve_claim, Error::CompetingClaim);
        // A junk claim (not a valid AEAD) raises no alarm.
        let mut junk = eve_claim.clone();
        let last = junk.len() - 1;
        junk[last] ^= 1;
        host_refuses(&mut w.host, &mut w.r, &junk, Error::DecryptFailed);
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        let g = guest.encrypt(&mut w.r, "moved on").unwrap();
        assert!(w.host.decrypt(&mut w.r, NOW, &g).is_ok());
        host_refuses(&mut w.host, &mut w.r, &eve_claim, Error::StaleClaim);
    }
}

mod scanner {
    //! A link scanner or preview bot: follows or parses every link it sees, may open it against
    //! the relay's record. Opening claims nothing and burns nothing.
    use super::*;

    #[test]
    fn opening_and_reading_claims_nothing() {
        let mut w = world(40);
        let pre = w.host.encrypt(&mut w.r, NOW, "preview me").unwrap();
        let host_before = w.host.state_digest_for_testing_only();
        let first = InviteLink::parse(&w.link).unwrap();
        for _ in 0..20 {
            let link = InviteLink::parse(&w.link).unwrap();
            assert_eq!(
                (link.mailbox_id(), link.host_identity()),
                (first.mailbox_id(), first.host_identity())
            );
            let mut scanned = link.open(&w.record, NOW).unwrap();
            assert_eq!(scanned.decrypt(&pre), Ok(GuestReceived::Text("preview me".into())));
            scanned.relay_auth(&[0u8; 16]).unwrap();
        }
        // Nothing reached the host: opening produces no envelope, and the invite is unclaimed.
        assert_eq!(w.host.state_digest_for_testing_only(), host_before);
        assert_eq!(w.host.state(), HostState::Unclaimed);
        let mut guest = w.open();
        assert_eq!(guest.decrypt(&pre), Ok(GuestReceived::Text("preview me".into())));
        let (session, claim) = guest.claim(&mut w.r, NOW).unwrap();
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        assert_eq!(acc.safety_code, session.safety_code());
    }

    #[test]
    fn the_url_without_its_fragment_holds_no_secret() {
        let w = world(41);
        let (base, fragment) = w.link.split_once('#').unwrap();
        assert_eq!(InviteLink::parse(base).err(), Some(Error::LinkMissingFragment));
        // Clients that move the capsule out of the fragment are refused, not trusted.
        for mangled in [
            format!("{base}?c={fragment}"),
            format!("{base}%23{fragment}"),
            format!("{base}/{fragment}#"),
            format!("{base}/{fragment}"),
            // Whatever else is wrong with the URL (but its length), the secret outside the
            // fragment is the error.
            format!("{base}?c={fragment} tail"),
            format!("{base}?c={fragment}\u{7}#{fragment}"),
        ] {
            assert_eq!(InviteLink::parse(&mangled).err(), Some(Error::SecretOutsideFragment), "{mangled}");
        }
        // Over 2048 bytes, the length is the error: nothing past the limit is read (SPEC §4.3).
        let long = format!("{base}/{}?c={fragment}", "a/".repeat(1100));
        assert_eq!(InviteLink::parse(&long).err(), Some(Error::LinkMissingFragment));
        assert_eq!(InviteLink::parse(&format!("{long}#")).err(), Some(Error::InvalidArgument));
        // A second '#' is not a second chance (canonical links; core fix in this audit).
        assert_eq!(InviteLink::parse(&format!("{base}##{fragment}")).err(), Some(Error::LinkMalformed));
    }

    #[test]
    fn an_expired_invite_opens_and_claims_for_nobody() {
        let mut w = world(42);
        let link = InviteLink::parse(&w.link).unwrap();
        assert_eq!(link.open(&w.record, NOW + DAY + 300).err(), Some(Error::InviteExpired));
        let opened = link.open(&w.record, NOW + DAY + 299).unwrap();
        let (_, claim) = opened.claim(&mut w.r, NOW + DAY + 299).unwrap();
        // The host is authoritative on its own clock and allows no skew.
        host_refuses_at(&mut w.host, &mut w.r, NOW + DAY, &claim, Error::InviteExpired);
        assert_eq!(w.host.encrypt(&mut w.r, NOW + DAY, "late").err(), Some(Error::InviteExpired));
        assert!(matches!(w.host.decrypt(&mut w.r, NOW + DAY - 1, &claim), Ok(HostReceived::Claimed(_))));
    }
}

mod malformed_peer {
    //! A peer (or the relay) sending malformed or oversized input, and a malicious peer whose
    //! envelopes authenticate but carry content no honest implementation sends.
    use super::*;

    #[test]
    fn every_truncation_and_extension_is_refused() {
        let mut w = world(50);
        let pre = w.host.encrypt(&mut w.r, NOW, "p").unwrap();
        let mut opened = w.open();
        for len in 0..pre.len() {
            opened_refuses(&mut opened, &pre[..len], Error::EnvelopeMalformed);
        }
        let mut longer = pre.clone();
        longer.push(0);
        opened_refuses(&mut opened, &longer, Error::BadSignature);
        let (mut guest, claim) = opened.claim(&mut w.r, NOW).unwrap();
        for len in 0..claim.len() {
            host_refuses(&mut w.host, &mut w.r, &claim[..len], Error::EnvelopeMalformed);
        }
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        for len in 0..acc.confirmation.len() {
            guest_refuses(&mut guest, &acc.confirmation[..len], Error::EnvelopeMalformed);
        }
        let mut longer = acc.confirmation.clone();
        longer.push(0);
        guest_refuses(&mut guest, &longer, Error::DecryptFailed);
        // Records have exact lengths.
        let record = InviteRecord::parse(&w.record).unwrap();
        for cut in [0, 1, 18, acc.claimed_record.len() - 1] {
            assert_eq!(
                record.verify_claimed(&acc.claimed_record[..cut]).err(),
                Some(Error::EnvelopeMalformed)
            );
            assert_eq!(InviteRecord::parse(&w.record[..cut]).err(), Some(Error::EnvelopeMalformed));
        }
        let mut longer = w.record.clone();
        longer.push(0);
        assert_eq!(InviteRecord::parse(&longer).err(), Some(Error::EnvelopeMalformed));
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
    }

    #[test]
    fn oversized_envelopes_are_refused_before_parsing() {
        let mut w = world(51);
        let mut opened = w.open();
        let mut big = vec![PROTOCOL_VERSION, EnvelopeKind::PreClaim.to_byte()];
        big.extend_from_slice(opened.mailbox_id().as_bytes());
        big.resize(MAX_ENVELOPE_LEN + 1, 0);
        assert_eq!(peek(&big).err(), Some(Error::EnvelopeTooLarge));
        assert_eq!(peek(&big[..MAX_ENVELOPE_LEN]).map(|i| i.kind), Ok(EnvelopeKind::PreClaim));
        opened_refuses(&mut opened, &big, Error::EnvelopeTooLarge);
        assert_eq!(InviteRecord::parse(&big).err(), Some(Error::EnvelopeTooLarge));
        let (mut guest, claim) = opened.claim(&mut w.r, NOW).unwrap();
        big[1] = EnvelopeKind::Claim.to_byte();
        host_refuses(&mut w.host, &mut w.r, &big, Error::EnvelopeTooLarge);
        big[1] = EnvelopeKind::Message.to_byte();
        guest_refuses(&mut guest, &big, Error::EnvelopeTooLarge);
        // Within the envelope maximum but with a ciphertext longer than any padded body.
        let mut long_sealed = big[..18 + 56].to_vec();
        long_sealed.resize(18 + 56 + MAX_PADDED + 16 + 1, 0);
        assert!(long_sealed.len() <= MAX_ENVELOPE_LEN);
        guest_refuses(&mut guest, &long_sealed, Error::EnvelopeMalformed);
        assert!(w.host.decrypt(&mut w.r, NOW, &claim).is_ok());
    }

    /// The largest padded plaintext (SPEC §6.4).
    const MAX_PADDED: usize = guestlink::padded_len(MAX_BODY_LEN + 2);

    #[test]
    fn oversized_plaintext_is_refused_by_sender_and_receiver() {
        let mut w = world(52);
        let mut guest = w.talking();
        let before = w.host.state_digest_for_testing_only();
        let too_long = "a".repeat(MAX_BODY_LEN + 1);
        assert_eq!(w.host.encrypt(&mut w.r, NOW, &too_long).err(), Some(Error::PlaintextTooLarge));
        assert_eq!(w.host.state_digest_for_testing_only(), before, "a refused encrypt consumed a key");
        // A malicious host seals a body longer than MAX_BODY_LEN that still pads to MAX_PADDED.
        let sender = host_sender(&mut w.host, &mut w.r);
        let longest_padded_body = MAX_PADDED - 2;
        assert!(longest_padded_body > MAX_BODY_LEN);
        for len in [MAX_BODY_LEN + 1, longest_padded_body] {
            let forged = sender.clone().seal(&pad(0x01, "b".repeat(len).as_bytes()), random(&mut w.r));
            // SPEC §6.4: every post-AEAD content check fails as INVALID_CONTENT.
            guest_refuses(&mut guest, &forged, Error::InvalidContent);
        }
        // The edge itself is fine, and the refused attempts burned no key at that counter.
        let edge = "c".repeat(MAX_BODY_LEN);
        let m = w.host.encrypt(&mut w.r, NOW, &edge).unwrap();
        // max_envelope_len counts the claim mailbox key and the pre-claim signature too.
        assert_eq!(m.len() + 32 + 64, max_envelope_len(MAX_BODY_LEN).unwrap());
        assert_eq!(guest.decrypt(&m), Ok(GuestReceived::Text(edge)));
    }

    #[test]
    fn authenticated_content_the_protocol_forbids_is_refused_and_burns_nothing() {
        let mut w = world(53);
        let mut guest = w.talking();
        let host_side = host_sender(&mut w.host, &mut w.r);
        let mut bad: Vec<(Vec<u8>, &str)> = vec![
            (pad(0x02, b""), "a join from the host"),
            (pad(0x03, b"x"), "a confirmation with a body"),
            (pad(0x04, b"x"), "an end with a body"),
            (pad(0x05, b""), "a reserved content type"),
            (pad(0xff, b"hi"), "an unknown content type"),
            (pad(0x01, &[0xc3, 0x28]), "invalid UTF-8"),
            (pad(0x01, &[0xed, 0xa0, 0x80]), "a UTF-16 surrogate"),
            (vec![0u8; 64], "no padding marker"),
            ([pad(0x01, b"hi"), vec![0; 8]].concat(), "non-canonical padding length"),
            (
                {
                    let mut p = pad(0x01, b"hi");
                    p[3] = 0x81;
                    p
                },
                "a wrong padding marker",
            ),
            (
                {
                    let mut p = pad(0x01, b"hi");
                    p[63] = 0x01;
                    p
                },
                "bytes after the marker",
            ),
        ];
        for (padded, what) in &bad {
            let forged = host_side.clone().seal(padded, random(&mut w.r));
            let before = guest.state_digest_for_testing_only();
            assert_eq!(guest.decrypt(&forged).err(), Some(Error::InvalidContent), "{what}");
            assert_eq!(guest.state_digest_for_testing_only(), before, "{what}");
        }
        let m = w.host.encrypt(&mut w.r, NOW, "genuine at the same counter").unwrap();
        assert_eq!(guest.decrypt(&m), Ok(GuestReceived::Text("genuine at the same counter".into())));
        // The other direction: the guest may not confirm, end, or join in a post-claim message.
        let real = guest.encrypt(&mut w.r, "opens my chain").unwrap();
        assert!(w.host.decrypt(&mut w.r, NOW, &real).is_ok());
        let guest_side = guest_sender(&mut guest, &mut w.r);
        bad.truncate(0);
        bad.extend([(pad(0x02, b""), "join"), (pad(0x03, b""), "confirm"), (pad(0x04, b""), "end")]);
        for (padded, what) in &bad {
            let forged = guest_side.clone().seal(padded, random(&mut w.r));
            host_refuses(&mut w.host, &mut w.r, &forged, Error::InvalidContent);
            let _ = what;
        }
        let g = guest.encrypt(&mut w.r, "genuine").unwrap();
        assert!(matches!(w.host.decrypt(&mut w.r, NOW, &g), Ok(HostReceived::Text(t)) if t == "genuine"));
    }

    #[test]
    fn a_claim_carrying_confirm_or_end_is_refused() {
        let mut w = world(54);
        let opened = w.open();
        let (mut guest, claim) = opened.claim(&mut w.r, NOW).unwrap();
        // The snapshot holds the chain key of counter 1; a claim-type envelope at counter 1
        // arriving first is a valid claim (the guest keeps sending claims until confirmed).
        let mut s1 = guest_sender(&mut guest, &mut w.r);
        for content in [0x03u8, 0x04] {
            let forged = s1.clone().seal(&pad(content, b""), random(&mut w.r));
            host_refuses(&mut w.host, &mut w.r, &forged, Error::InvalidContent);
        }
        let text = s1.seal(&pad(0x01, b"real text claim"), random(&mut w.r));
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &text).unwrap() else { panic!() };
        assert_eq!(acc.text.as_deref(), Some("real text claim"));
        assert!(matches!(w.host.decrypt(&mut w.r, NOW, &claim), Ok(HostReceived::Join)));
    }

    /// A message whose ratchet key the attacker replaced (SPEC §3.1 checks happen before any
    /// derivation; small-order keys fail the all-zero check).
    #[test]
    fn hostile_ratchet_keys_and_counters_in_headers() {
        let mut w = world(55);
        let (mut guest, acc) = w.claim();
        let conf = &acc.confirmation;
        let with_ratchet = |key: [u8; 32]| {
            let mut e = conf.clone();
            e[RATCHET_AT..RATCHET_AT + 32].copy_from_slice(&key);
            e
        };
        let mut one = [0u8; 32];
        one[0] = 1;
        // An order-8 point (RFC 7748 / Wycheproof low-order list).
        let order8 = hex::decode("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800").unwrap();
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        let mut top_bit = toolkit::x25519_public(&[3; 32]);
        top_bit[31] |= 0x80;
        guest_refuses(&mut guest, &with_ratchet([0; 32]), Error::WeakSharedSecret);
        guest_refuses(&mut guest, &with_ratchet(one), Error::WeakSharedSecret);
        guest_refuses(&mut guest, &with_ratchet(order8.try_into().unwrap()), Error::WeakSharedSecret);
        guest_refuses(&mut guest, &with_ratchet(p), Error::InvalidKey);
        guest_refuses(&mut guest, &with_ratchet(top_bit), Error::InvalidKey);
        let with_counters = |pn: u32, n: u32| {
            let mut e = conf.clone();
            e[RATCHET_AT + 32..RATCHET_AT + 36].copy_from_slice(&pn.to_be_bytes());
            e[RATCHET_AT + 36..RATCHET_AT + 40].copy_from_slice(&n.to_be_bytes());
            e
        };
        // A new chain: n beyond the gap, pn beyond the gap, the largest counter.
        guest_refuses(&mut guest, &with_counters(0, MAX_MESSAGE_GAP + 1), Error::GapTooLarge);
        guest_refuses(&mut guest, &with_counters(MAX_MESSAGE_GAP + 1, 0), Error::GapTooLarge);
        guest_refuses(&mut guest, &with_counters(0, u32::MAX), Error::GapTooLarge);
        // At the edge the checks pass and the AEAD refuses (the header is authenticated).
        guest_refuses(&mut guest, &with_counters(0, MAX_MESSAGE_GAP), Error::DecryptFailed);
        let mut nonce = conf.clone();
        nonce[RATCHET_AT + 40] ^= 1;
        guest_refuses(&mut guest, &nonce, Error::DecryptFailed);
        for unknown in [0, 3, 0xff] {
            let mut version = conf.clone();
            version[0] = unknown;
            guest_refuses(&mut guest, &version, Error::VersionUnsupported);
        }
        // Relabelled as version 1, the header takes 4 more bytes (a salt where the nonce was):
        // the confirmation's 80 sealed bytes shrink to 76, under the minimum; a longer message
        // parses, and its AD (the version byte) and key derivation no longer match.
        let mut as_v1 = conf.clone();
        as_v1[0] = PROTOCOL_VERSION;
        guest_refuses(&mut guest, &as_v1, Error::EnvelopeMalformed);
        assert_eq!(guest.decrypt(conf), Ok(GuestReceived::Confirmed));
        // On the current chain: a gap past the limit, and a pn below the chain's position.
        let m1 = w.host.encrypt(&mut w.r, NOW, "one").unwrap();
        assert!(guest.decrypt(&m1).is_ok());
        let mut far = m1.clone();
        far[RATCHET_AT + 36..RATCHET_AT + 40].copy_from_slice(&(2 + MAX_MESSAGE_GAP + 1).to_be_bytes());
        guest_refuses(&mut guest, &far, Error::GapTooLarge);
        let long = w.host.encrypt(&mut w.r, NOW, &"x".repeat(100)).unwrap();
        let mut long_as_v1 = long.clone();
        long_as_v1[0] = PROTOCOL_VERSION;
        guest_refuses(&mut guest, &long_as_v1, Error::DecryptFailed);
        assert!(guest.decrypt(&long).is_ok());
        let g = guest.encrypt(&mut w.r, "to host").unwrap();
        assert!(w.host.decrypt(&mut w.r, NOW, &g).is_ok());
        let h = w.host.encrypt(&mut w.r, NOW, "new chain").unwrap();
        let mut low_pn = h.clone();
        low_pn[RATCHET_AT + 32..RATCHET_AT + 36].copy_from_slice(&0u32.to_be_bytes());
        guest_refuses(&mut guest, &low_pn, Error::InvalidCounter);
        assert_eq!(guest.decrypt(&h), Ok(GuestReceived::Text("new chain".into())));
        within_limits_guest(&guest);
    }

    #[test]
    fn records_with_invalid_keys_are_refused_before_the_signature() {
        let w = world(56);
        let mut identity_point = [0u8; 32];
        identity_point[0] = 1;
        // host identity (19..51), invite key (51..83), host mailbox (83..115), link mailbox
        // (115..147): Ed25519 keys; guest initial (147..179), host ratchet (179..211): X25519.
        for at in [19, 51, 83, 115] {
            let mut r = w.record.clone();
            r[at..at + 32].copy_from_slice(&identity_point);
            assert_eq!(InviteRecord::parse(&r).err(), Some(Error::InvalidKey), "ed25519 key at {at}");
        }
        for at in [147, 179] {
            let mut r = w.record.clone();
            r[at..at + 32].copy_from_slice(&[0xff; 32]);
            assert_eq!(InviteRecord::parse(&r).err(), Some(Error::InvalidKey), "x25519 key at {at}");
        }
        // A low-order host ratchet key is canonical: the signature check refuses this copy, and
        // a host could never sign one because the guest's DH would be all zero.
        let mut r = w.record.clone();
        r[179..211].copy_from_slice(&[0u8; 32]);
        assert_eq!(InviteRecord::parse(&r).err(), Some(Error::BadSignature));
        let mut suite = w.record.clone();
        suite[18] = 2;
        assert_eq!(InviteRecord::parse(&suite).err(), Some(Error::VersionUnsupported));
    }
}

mod old_snapshot {
    //! A device restoring an old snapshot (a backup, a rolled-back VM), or storage an attacker
    //! can write to (but without the snapshot key).
    use super::*;
    use toolkit::RatchetBody;

    /// A named edit of a ratchet body.
    type Edit = (&'static str, fn(&mut RatchetBody));

    fn key() -> SnapshotKey {
        SnapshotKey::from_bytes(SNAP_KEY)
    }

    #[test]
    fn snapshots_below_the_callers_minimum_counter_are_refused() {
        let mut w = world(60);
        let mut opened = w.open();
        let o1 = opened.snapshot(&mut w.r, &key());
        let o2 = opened.snapshot(&mut w.r, &key());
        assert_eq!(OpenedInvite::from_snapshot(&o1, &key(), 2).err(), Some(Error::SnapshotRolledBack));
        assert_eq!(OpenedInvite::from_snapshot(&o2, &key(), 2).unwrap().snapshot_counter(), 2);
        let h1 = w.host.snapshot(&mut w.r, &key());
        let h2 = w.host.snapshot(&mut w.r, &key());
        assert_eq!(HostSession::from_snapshot(&h1, &key(), 2).err(), Some(Error::SnapshotRolledBack));
        assert!(HostSession::from_snapshot(&h2, &key(), 2).is_ok());
        let mut guest = w.talking();
        let g1 = guest.snapshot(&mut w.r, &key());
        let g2 = guest.snapshot(&mut w.r, &key());
        assert_eq!(GuestSession::from_snapshot(&g1, &key(), 2).err(), Some(Error::SnapshotRolledBack));
        assert!(GuestSession::from_snapshot(&g2, &key(), 2).is_ok());
        let mut id = HostIdentity::generate(&mut w.r);
        let i1 = id.snapshot(&mut w.r, &key());
        let _i2 = id.snapshot(&mut w.r, &key());
        assert_eq!(HostIdentity::from_snapshot(&i1, &key(), 2).err(), Some(Error::SnapshotRolledBack));
    }

    #[test]
    fn an_old_state_cannot_read_after_a_round_trip() {
        let mut w = world(61);
        let (mut guest, acc) = w.claim();
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        let old = guest.snapshot(&mut w.r, &key());
        for i in 0..2 {
            let g = guest.encrypt(&mut w.r, &format!("g{i}")).unwrap();
            assert!(w.host.decrypt(&mut w.r, NOW, &g).is_ok());
            let h = w.host.encrypt(&mut w.r, NOW, &format!("h{i}")).unwrap();
            assert!(guest.decrypt(&h).is_ok());
        }
        let fresh = w.host.encrypt(&mut w.r, NOW, "after the round trips").unwrap();
        let mut restored = GuestSession::from_snapshot(&old, &key(), 0).unwrap();
        guest_refuses(&mut restored, &fresh, Error::DecryptFailed);
        assert_eq!(guest.decrypt(&fresh), Ok(GuestReceived::Text("after the round trips".into())));
    }

    #[test]
    fn a_restored_sender_never_reuses_a_key_and_nonce_and_nothing_decrypts_twice() {
        let mut w = world(62);
        let mut guest = w.talking();
        let saved = w.host.snapshot(&mut w.r, &key());
        let first = w.host.encrypt(&mut w.r, NOW, "first life").unwrap();
        let mut rolled_back = HostSession::from_snapshot(&saved, &key(), 0).unwrap();
        let second = rolled_back.encrypt(&mut w.r, NOW, "second life").unwrap();
        // Same ratchet key and counters (the chain rolled back) ...
        assert_eq!(first[RATCHET_AT..RATCHET_AT + 40], second[RATCHET_AT..RATCHET_AT + 40]);
        // ... hence the same AEAD key (K = MK, SPEC §7.3), but a fresh 96-bit random nonce.
        assert_ne!(first[RATCHET_AT + 40..RATCHET_AT + 52], second[RATCHET_AT + 40..RATCHET_AT + 52]);
        assert_eq!(guest.decrypt(&first), Ok(GuestReceived::Text("first life".into())));
        guest_refuses(&mut guest, &second, Error::Duplicate);
        guest_refuses(&mut guest, &first, Error::Duplicate);
    }

    #[test]
    fn snapshots_cannot_be_swapped_between_objects_or_edited() {
        let mut w = world(63);
        let mut guest = w.talking();
        let g = guest.snapshot(&mut w.r, &key());
        let h = w.host.snapshot(&mut w.r, &key());
        assert_eq!(HostSession::from_snapshot(&g, &key(), 0).err(), Some(Error::SnapshotWrongObject));
        assert_eq!(OpenedInvite::from_snapshot(&g, &key(), 0).err(), Some(Error::SnapshotWrongObject));
        assert_eq!(HostIdentity::from_snapshot(&g, &key(), 0).err(), Some(Error::SnapshotWrongObject));
        assert_eq!(GuestSession::from_snapshot(&h, &key(), 0).err(), Some(Error::SnapshotWrongObject));
        // Header fields are authenticated: kind, object id, counter.
        let mut relabelled = g.clone();
        relabelled[1] = 2; // "host session"
        assert_eq!(
            HostSession::from_snapshot(&relabelled, &key(), 0).err(),
            Some(Error::SnapshotDecryptFailed)
        );
        let mut moved = g.clone();
        moved[2] ^= 1;
        assert_eq!(GuestSession::from_snapshot(&moved, &key(), 0).err(), Some(Error::SnapshotDecryptFailed));
        let mut bumped = g.clone();
        bumped[25] = bumped[25].wrapping_add(1);
        assert_eq!(GuestSession::from_snapshot(&bumped, &key(), 0).err(), Some(Error::SnapshotDecryptFailed));
        let wrong = SnapshotKey::from_bytes([0x43; 32]);
        assert_eq!(GuestSession::from_snapshot(&g, &wrong, 0).err(), Some(Error::SnapshotDecryptFailed));
        let mut v1 = g.clone();
        v1[0] = 1; // a version the library reads, but not what these bytes were sealed as
        assert_eq!(GuestSession::from_snapshot(&v1, &key(), 0).err(), Some(Error::SnapshotDecryptFailed));
        for version in [0, 3, 0xff] {
            let mut other = g.clone();
            other[0] = version;
            assert_eq!(
                GuestSession::from_snapshot(&other, &key(), 0).err(),
                Some(Error::SnapshotVersionUnsupported)
            );
        }
        for cut in [0, 1, 25, 41, 42, 57] {
            assert_eq!(
                GuestSession::from_snapshot(&g[..cut], &key(), 0).err(),
                Some(Error::SnapshotMalformed)
            );
        }
        let mut huge = g.clone();
        huge.resize(65_537, 0);
        assert_eq!(GuestSession::from_snapshot(&huge, &key(), 0).err(), Some(Error::SnapshotMalformed));
        // Sealed under the right key, but contradicting the body: an identity whose object id
        // is not its key's; a counter no later save could count on from.
        let mut id = HostIdentity::generate(&mut w.r);
        let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &id.snapshot(&mut w.r, &key()));
        let counter = u64::from_be_bytes(header[18..26].try_into().unwrap());
        let mut other_id = header[2..18].to_vec();
        other_id[0] ^= 1;
        let moved = toolkit::seal_snapshot(&SNAP_KEY, header[1], &other_id, counter, &body);
        assert_eq!(HostIdentity::from_snapshot(&moved, &key(), 0).err(), Some(Error::SnapshotMalformed));
        let at_max = toolkit::seal_snapshot(&SNAP_KEY, header[1], &header[2..18], u64::MAX, &body);
        assert_eq!(HostIdentity::from_snapshot(&at_max, &key(), 0).err(), Some(Error::SnapshotMalformed));
        let below_max = toolkit::seal_snapshot(&SNAP_KEY, header[1], &header[2..18], u64::MAX - 1, &body);
        assert!(HostIdentity::from_snapshot(&below_max, &key(), 0).is_ok());
    }

    #[test]
    fn hostile_opened_and_guest_states_are_refused() {
        let mut w = world(67);
        // Opened invite: invite (97 bytes), invite_secret, expires_at, then the ratchet, which
        // must be the one `open` makes.
        let mut opened = w.open();
        let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &opened.snapshot(&mut w.r, &key()));
        let mut c = Cursor(&body[129..]);
        let _expires = c.uint();
        let at = body.len() - c.0.len();
        let counter = u64::from_be_bytes(header[18..26].try_into().unwrap());
        let load = |f: &dyn Fn(&mut toolkit::RatchetBody)| {
            let mut ratchet = toolkit::read_ratchet(&mut Cursor(&body[at..]));
            f(&mut ratchet);
            let mut edited = body[..at].to_vec();
            toolkit::write_ratchet(&mut edited, &ratchet);
            let sealed = toolkit::seal_snapshot(&SNAP_KEY, header[1], &header[2..18], counter, &edited);
            OpenedInvite::from_snapshot(&sealed, &key(), 0).map(|_| ())
        };
        assert_eq!(load(&|_| {}), Ok(()), "the re-encoding itself loads");
        let edits: [Edit; 5] = [
            ("a sending chain", |r| r.sending = Some(([5; 32], 0))),
            ("PN not 0", |r| r.pn = 2),
            ("the pre-claim chain not flagged", |r| r.chains[0].pre_claim_flag = 0),
            ("the pre-claim chain closed", |r| r.chains[0].key = None),
            ("a ratchet key that is not the link's", |r| r.ours[0] ^= 1),
        ];
        for (what, edit) in edits {
            assert_eq!(load(&edit), Err(Error::SnapshotMalformed), "opened: {what}");
        }

        // Guest session: flags at 161. Ended without confirmed; a pre-claim flag on a chain
        // that is not the first.
        let mut guest = w.talking();
        let (header, prefix, ratchet) = guest_body(&mut guest, &mut w.r);
        assert_eq!(prefix[161], 0b01, "confirmed");
        let load = |prefix: &[u8], ratchet: &toolkit::RatchetBody| {
            GuestSession::from_snapshot(&reseal(&header, prefix, ratchet, &[]), &key(), 0).map(|_| ())
        };
        assert_eq!(load(&prefix, &ratchet), Ok(()));
        let mut ended = prefix.clone();
        ended[161] = 0b11;
        assert_eq!(load(&ended, &ratchet), Ok(()), "ended and confirmed");
        ended[161] = 0b10;
        assert_eq!(load(&ended, &ratchet), Err(Error::SnapshotMalformed), "ended, not confirmed");
        let last = ratchet.chains.len() - 1;
        assert!(last > 0, "two chains at least");
        let mut edited = toolkit::read_ratchet(&mut Cursor(&{
            let mut b = Vec::new();
            toolkit::write_ratchet(&mut b, &ratchet);
            b
        }));
        edited.chains[last].pre_claim_flag = 2;
        assert_eq!(load(&prefix, &edited), Err(Error::SnapshotMalformed), "a second pre-claim chain");
    }

    /// Guest session body: invite (97 bytes), guest mailbox seed, claim key, flags, then the
    /// ratchet. Re-sealed under the right key: what an attacker who stole the key could store.
    fn guest_body(guest: &mut GuestSession, r: &mut ChaCha20Rng) -> (Vec<u8>, Vec<u8>, toolkit::RatchetBody) {
        let snap = guest.snapshot(r, &key());
        let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
        let prefix = body[..162].to_vec();
        let ratchet = toolkit::read_ratchet(&mut Cursor(&body[162..]));
        (header, prefix, ratchet)
    }

    fn reseal(header: &[u8], prefix: &[u8], ratchet: &toolkit::RatchetBody, extra: &[u8]) -> Vec<u8> {
        let mut body = prefix.to_vec();
        toolkit::write_ratchet(&mut body, ratchet);
        body.extend_from_slice(extra);
        let counter = u64::from_be_bytes(header[18..26].try_into().unwrap());
        toolkit::seal_snapshot(&SNAP_KEY, header[1], &header[2..18], counter, &body)
    }

    /// A host body (SPEC §10.2) edited field by field and re-sealed under the right key.
    struct HostEdit {
        header: Vec<u8>,
        body: Vec<u8>,
        /// Offset of the flags byte (after the identity, record hash and `expires_at`).
        flags_at: usize,
    }

    impl HostEdit {
        fn of(host: &mut HostSession, r: &mut ChaCha20Rng) -> Self {
            let snap = host.snapshot(r, &key());
            let (header, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
            let mut c = Cursor(&body[64..]);
            let _expires = c.uint();
            let flags_at = body.len() - c.0.len();
            HostEdit { header, body, flags_at }
        }

        fn load(&self, body: &[u8]) -> guestlink::Result<HostSession> {
            let counter = u64::from_be_bytes(self.header[18..26].try_into().unwrap());
            let sealed =
                toolkit::seal_snapshot(&SNAP_KEY, self.header[1], &self.header[2..18], counter, body);
            HostSession::from_snapshot(&sealed, &key(), 0)
        }

        fn with_flags(&self, flags: u8) -> guestlink::Result<HostSession> {
            let mut body = self.body.clone();
            body[self.flags_at] = flags;
            self.load(&body)
        }

        /// `claim_chain`: after flags, the 32-byte seed and the guest mailbox key.
        fn claim_chain_at(&self) -> usize {
            self.flags_at + 1 + 32 + 32
        }

        /// Loads the body with its ratchet (which starts at `ratchet_at`) edited by `f`.
        fn with_ratchet(
            &self,
            ratchet_at: usize,
            f: impl FnOnce(&mut toolkit::RatchetBody),
        ) -> guestlink::Result<HostSession> {
            let mut ratchet = toolkit::read_ratchet(&mut Cursor(&self.body[ratchet_at..]));
            f(&mut ratchet);
            let mut body = self.body[..ratchet_at].to_vec();
            toolkit::write_ratchet(&mut body, &ratchet);
            self.load(&body)
        }
    }

    #[test]
    fn hostile_host_bodies_are_refused() {
        let mut w = world(66);
        // Unclaimed: host_seed held (flags bit3), the ratchet key is H0 from it.
        let unclaimed = HostEdit::of(&mut w.host, &mut w.r);
        assert_eq!(unclaimed.body[unclaimed.flags_at], 0b0_1000);
        let digest = w.host.state_digest_for_testing_only();
        assert_eq!(unclaimed.load(&unclaimed.body).unwrap().state_digest_for_testing_only()[..], digest[..]);
        // DHs_sk is not H0: the ratchet follows the seed, RK first.
        let mut body = unclaimed.body.clone();
        body[unclaimed.flags_at + 1 + 32 + 32 + 5] ^= 0x10;
        assert_eq!(unclaimed.load(&body).err(), Some(Error::SnapshotMalformed), "DHs_sk is not H0");
        for (flags, what) in [
            (0b10_1000, "an unknown bit"),
            (0b1_1000, "host_seed and keys_seed"),
            (0b0_1001, "host_seed once revoked"),
            (0b1_0000, "keys_seed while unclaimed"),
            (0b0_0100, "a verifier without a claim"),
        ] {
            assert_eq!(unclaimed.with_flags(flags).err(), Some(Error::SnapshotMalformed), "{what}");
        }
        // Unclaimed, the ratchet is the one create_invite makes; anything else is refused.
        // (With no sending chain, the next encrypt would replace H0, and the save after it
        // could not be loaded.)
        let at = unclaimed.flags_at + 1 + 32;
        assert!(unclaimed.with_ratchet(at, |_| {}).is_ok(), "the re-encoding itself loads");
        let edits: [Edit; 6] = [
            ("no sending chain", |r| r.sending = None),
            ("PN not 0", |r| r.pn = 1),
            ("the guest's initial chain open", |r| r.chains[0].key = Some([4; 32])),
            ("a counter on the initial chain", |r| r.chains[0].next = 1),
            ("a pre-claim chain", |r| r.chains[0].pre_claim_flag = 2),
            ("a second chain", |r| {
                let mut c = toolkit::read_ratchet(&mut Cursor(&{
                    let mut b = Vec::new();
                    toolkit::write_ratchet(&mut b, r);
                    b
                }))
                .chains
                .remove(0);
                c.ratchet = toolkit::x25519_public(&[9; 32]);
                r.chains.insert(0, c);
            }),
        ];
        for (what, edit) in edits {
            assert_eq!(unclaimed.with_ratchet(at, edit).err(), Some(Error::SnapshotMalformed), "{what}");
        }
        // Revoked while unclaimed: keys_seed, the same 32 bytes' place.
        let mut revoked = HostSession::from_snapshot(&w.host.snapshot(&mut w.r, &key()), &key(), 0).unwrap();
        revoked.revoke(&mut w.r, NOW).unwrap();
        let revoked = HostEdit::of(&mut revoked, &mut w.r);
        assert_eq!(revoked.body[revoked.flags_at], 0b1_0001);
        assert!(revoked.load(&revoked.body).is_ok());

        // In the claim window: claimed, verifier, host_seed; the claim key is chain 1.
        let (mut guest, acc) = w.claim();
        let window = HostEdit::of(&mut w.host, &mut w.r);
        assert_eq!(window.body[window.flags_at], 0b0_1110);
        assert_eq!(window.body[window.claim_chain_at()], 1);
        let digest = w.host.state_digest_for_testing_only();
        assert_eq!(window.load(&window.body).unwrap().state_digest_for_testing_only()[..], digest[..]);
        for (flags, what) in
            [(0b0_1010, "host_seed after the verifier"), (0b1_0110, "keys_seed with a verifier")]
        {
            assert_eq!(window.with_flags(flags).err(), Some(Error::SnapshotMalformed), "{what}");
        }
        let at = window.claim_chain_at();
        for index in [2u8, 5, 0xfe] {
            let mut body = window.body.clone();
            body[at] = index;
            assert_eq!(window.load(&body).err(), Some(Error::SnapshotMalformed), "claim chain {index}");
        }
        // The claim key written out although a chain holds it: not the writer's encoding.
        let host = toolkit::read_host(&window.body);
        let g1 = host.claim_key.unwrap();
        let explicit = [&window.body[..at], &[0xff], &g1, &window.body[at + 1..]].concat();
        assert_eq!(window.load(&explicit).err(), Some(Error::SnapshotMalformed), "explicit claim key");
        // A non-minimal expires_at: the same value with a redundant zero group.
        let mut c = Cursor(&window.body[64..]);
        let expires = c.uint();
        let mut padded = Vec::new();
        toolkit::put_uint(&mut padded, expires);
        *padded.last_mut().unwrap() |= 0x80;
        padded.push(0);
        let non_minimal = [&window.body[..64], &padded, &window.body[window.flags_at..]].concat();
        assert_eq!(window.load(&non_minimal).err(), Some(Error::SnapshotMalformed), "non-minimal uint");
        // In the window, exactly two chains: a third (older, closed) one is refused.
        let window_at = at + 1;
        assert!(window.with_ratchet(window_at, |_| {}).is_ok(), "the re-encoding itself loads");
        let extra = window.with_ratchet(window_at, |r| {
            let mut c = toolkit::read_ratchet(&mut Cursor(&window.body[window_at..])).chains.remove(0);
            c.ratchet = toolkit::x25519_public(&[9; 32]);
            r.chains.insert(0, c);
        });
        assert_eq!(extra.err(), Some(Error::SnapshotMalformed), "a third chain in the claim window");
        // A verifier whose first chain is not the closed chain of the guest's initial key.
        let mut ratchet = host.ratchet;
        ratchet.chains.remove(0);
        let mut body = window.body[..at].to_vec();
        body.push(0); // the claim key is now chain 0
        toolkit::write_ratchet(&mut body, &ratchet);
        assert_eq!(window.load(&body).err(), Some(Error::SnapshotMalformed), "verifier on an open chain");

        // The guest moves on: the verifier and host_seed are wiped, keys_seed stays.
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        let g = guest.encrypt(&mut w.r, "moved on").unwrap();
        assert!(matches!(w.host.decrypt(&mut w.r, NOW, &g), Ok(HostReceived::Text(_))));
        let after = HostEdit::of(&mut w.host, &mut w.r);
        assert_eq!(after.body[after.flags_at], 0b1_0010);
        assert!(after.load(&after.body).is_ok());
        assert_eq!(after.with_flags(0b0_1010).err(), Some(Error::SnapshotMalformed), "host_seed is gone");
    }

    #[test]
    fn hostile_snapshot_bodies_are_refused_not_trusted() {
        let mut w = world(64);
        let mut guest = w.talking();
        // A few skipped keys so the body has every part.
        let hs: Vec<_> = (0..4).map(|i| w.host.encrypt(&mut w.r, NOW, &format!("{i}")).unwrap()).collect();
        assert!(guest.decrypt(&hs[3]).is_ok());
        assert_eq!(guest.skipped_key_count(), 3);
        let (header, prefix, ratchet) = guest_body(&mut guest, &mut w.r);
        let load = |bytes: &[u8]| GuestSession::from_snapshot(bytes, &key(), 0).map(|_| ());
        // The unmodified re-encoding loads: the toolkit's encoder is faithful.
        assert_eq!(load(&reseal(&header, &prefix, &ratchet, &[])), Ok(()));
        assert_eq!(load(&reseal(&header, &prefix, &ratchet, &[0])), Err(Error::SnapshotMalformed));
        let mut body = prefix.clone();
        toolkit::write_ratchet(&mut body, &ratchet);
        body.pop();
        let counter = u64::from_be_bytes(header[18..26].try_into().unwrap());
        let truncated = toolkit::seal_snapshot(&SNAP_KEY, header[1], &header[2..18], counter, &body);
        assert_eq!(load(&truncated), Err(Error::SnapshotMalformed));
        let mutate = |f: &dyn Fn(&mut toolkit::RatchetBody)| {
            let mut r = toolkit::read_ratchet(&mut Cursor(&{
                let mut b = Vec::new();
                toolkit::write_ratchet(&mut b, &ratchet);
                b
            }));
            f(&mut r);
            load(&reseal(&header, &prefix, &r, &[]))
        };
        let last = ratchet.chains.len() - 1;
        // More receiving chains than the limit.
        assert_eq!(
            mutate(&|r| {
                while r.chains.len() <= MAX_RECEIVING_CHAINS {
                    let mut c = toolkit::read_ratchet(&mut Cursor(&{
                        let mut b = Vec::new();
                        toolkit::write_ratchet(&mut b, &ratchet);
                        b
                    }))
                    .chains
                    .remove(0);
                    c.ratchet = toolkit::x25519_public(&[r.chains.len() as u8 + 1; 32]);
                    c.key = None;
                    r.chains.insert(0, c);
                }
            }),
            Err(Error::SnapshotMalformed)
        );
        assert_eq!(mutate(&|r| r.chains.clear()), Err(Error::SnapshotMalformed));
        // More skipped keys than the limit.
        assert_eq!(
            mutate(&|r| {
                let c = &mut r.chains[last];
                c.next = 5000;
                c.skipped = (0..=MAX_SKIPPED_KEYS as u32).map(|n| (n, [1; 32])).collect();
            }),
            Err(Error::SnapshotMalformed)
        );
        // Exactly at the limit is a legal state.
        assert_eq!(
            mutate(&|r| {
                let c = &mut r.chains[last];
                c.next = 5000;
                c.skipped = (0..MAX_SKIPPED_KEYS as u32).map(|n| (n, [1; 32])).collect();
            }),
            Ok(())
        );
        // A skipped counter at or past the chain's next counter, or out of order, or repeated.
        assert_eq!(
            mutate(&|r| r.chains[last].skipped[0].0 = r.chains[last].next),
            Err(Error::SnapshotMalformed)
        );
        assert_eq!(mutate(&|r| r.chains[last].skipped.swap(0, 1)), Err(Error::SnapshotMalformed));
        assert_eq!(
            mutate(&|r| r.chains[last].skipped[1].0 = r.chains[last].skipped[0].0),
            Err(Error::SnapshotMalformed)
        );
        // An open chain that is not the newest; two chains with the same key; unknown flags.
        assert_eq!(mutate(&|r| r.chains[0].key = Some([2; 32])), Err(Error::SnapshotMalformed));
        assert_eq!(mutate(&|r| r.chains[0].ratchet = r.chains[last].ratchet), Err(Error::SnapshotMalformed));
        assert_eq!(mutate(&|r| r.chains[last].pre_claim_flag = 2), Err(Error::SnapshotMalformed));
        // A non-canonical peer ratchet key.
        assert_eq!(mutate(&|r| r.chains[last].ratchet = [0xff; 32]), Err(Error::SnapshotMalformed));
        // A sending flag that is neither 0 nor 1.
        let mut body = prefix.clone();
        toolkit::write_ratchet(&mut body, &ratchet);
        body[162 + 64] = 2;
        let bad_flag = toolkit::seal_snapshot(&SNAP_KEY, header[1], &header[2..18], counter, &body);
        assert_eq!(load(&bad_flag), Err(Error::SnapshotMalformed));
        // Unknown guest flag bits.
        let mut flags = prefix.clone();
        flags[161] = 0x04;
        assert_eq!(load(&reseal(&header, &flags, &ratchet, &[])), Err(Error::SnapshotMalformed));
    }
}

mod flood {
    //! A flood of junk meant to exhaust memory or CPU: random envelopes, and an authenticated
    //! peer that skips as many keys and opens as many chains as it can.
    use super::*;

    #[test]
    fn random_junk_changes_nothing() {
        let mut w = world(70);
        let pre = w.host.encrypt(&mut w.r, NOW, "pre").unwrap();
        let mut opened = w.open();
        let (mut guest, claim) = w.open().claim(&mut w.r, NOW).unwrap();
        let HostReceived::Claimed(acc) = w.host.decrypt(&mut w.r, NOW, &claim).unwrap() else { panic!() };
        let mailbox = *w.host.mailbox_id().as_bytes();
        let mut junk = rng(71);
        let mut refused = 0;
        for i in 0..3000u32 {
            let len = (junk.next_u32() % 400) as usize;
            let mut e = vec![0u8; len];
            junk.fill_bytes(&mut e);
            // Two thirds carry a plausible header so they get past peek and reach the ratchet.
            if i % 3 != 0 && len >= 18 {
                e[0] = PROTOCOL_VERSION;
                e[1] = [0x10, 0x11, 0x12][(i % 3) as usize];
                e[2..18].copy_from_slice(&mailbox);
            }
            let before = (
                w.host.state_digest_for_testing_only(),
                guest.state_digest_for_testing_only(),
                opened.state_digest_for_testing_only(),
            );
            assert!(w.host.decrypt(&mut w.r, NOW, &e).is_err());
            assert!(guest.decrypt(&e).is_err());
            assert!(opened.decrypt(&e).is_err());
            let after = (
                w.host.state_digest_for_testing_only(),
                guest.state_digest_for_testing_only(),
                opened.state_digest_for_testing_only(),
            );
            assert_eq!(before, after);
            refused += 1;
        }
        assert_eq!(refused, 3000);
        assert_eq!((guest.skipped_key_count(), w.host.skipped_key_count()), (0, 0));
        assert_eq!(opened.decrypt(&pre), Ok(GuestReceived::Text("pre".into())));
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        // A megabyte is refused on its size alone.
        let mut big = vec![0u8; 1 << 20];
        big[0] = PROTOCOL_VERSION;
        guest_refuses(&mut guest, &big, Error::EnvelopeTooLarge);
    }

    #[test]
    fn skipped_keys_are_capped_and_evicted_oldest_first() {
        let mut w = world(72);
        let mut guest = w.talking();
        let msgs: Vec<_> =
            (0..3000).map(|i| w.host.encrypt(&mut w.r, NOW, &format!("{i}")).unwrap()).collect();
        // One message past the gap limit is refused before a single key is derived.
        guest_refuses(&mut guest, &msgs[MAX_MESSAGE_GAP as usize + 1], Error::GapTooLarge);
        assert!(guest.decrypt(&msgs[999]).is_ok());
        assert_eq!(guest.skipped_key_count(), 999);
        assert!(guest.decrypt(&msgs[1998]).is_ok());
        assert_eq!(guest.skipped_key_count(), MAX_SKIPPED_KEYS);
        assert!(guest.decrypt(&msgs[2997]).is_ok());
        assert_eq!(guest.skipped_key_count(), MAX_SKIPPED_KEYS);
        // The oldest skipped keys went first: message 0 is gone (refused as already consumed),
        // the newest skipped one still decrypts.
        guest_refuses(&mut guest, &msgs[0], Error::Duplicate);
        guest_refuses(&mut guest, &msgs[1995], Error::Duplicate);
        assert_eq!(guest.decrypt(&msgs[1996]), Ok(GuestReceived::Text("1996".into())));
        assert_eq!(guest.decrypt(&msgs[2996]), Ok(GuestReceived::Text("2996".into())));
        assert_eq!(guest.skipped_key_count(), MAX_SKIPPED_KEYS - 2);
        within_limits_guest(&guest);
    }

    #[test]
    fn receiving_chains_are_capped() {
        let mut w = world(73);
        let mut guest = w.talking();
        let withheld = w.host.encrypt(&mut w.r, NOW, "withheld").unwrap();
        for i in 0..12 {
            let g = guest.encrypt(&mut w.r, &format!("g{i}")).unwrap();
            assert!(w.host.decrypt(&mut w.r, NOW, &g).is_ok());
            let h = w.host.encrypt(&mut w.r, NOW, &format!("h{i}")).unwrap();
            assert!(guest.decrypt(&h).is_ok());
            within_limits_guest(&guest);
            within_limits_host(&w.host);
        }
        assert_eq!(guest.receiving_chain_count(), MAX_RECEIVING_CHAINS);
        assert_eq!(w.host.receiving_chain_count(), MAX_RECEIVING_CHAINS);
        // The withheld message's chain was forgotten with its skipped key: its ratchet key now
        // looks new, the DH step is tried against today's root, and the AEAD refuses it.
        guest_refuses(&mut guest, &withheld, Error::DecryptFailed);
    }

    #[test]
    fn a_peer_cannot_grow_memory_with_claims_or_chains_before_the_claim() {
        // Before the claim every junk claim costs the host one DH and changes nothing.
        let mut w = world(74);
        for i in 0..200u8 {
            let (_, claim) = w.open().claim(&mut rng(u64::from(i) + 1000), NOW).unwrap();
            let mut forged = claim.clone();
            let last = forged.len() - 1;
            forged[last] ^= 1;
            host_refuses(&mut w.host, &mut w.r, &forged, Error::DecryptFailed);
        }
        assert_eq!((w.host.skipped_key_count(), w.host.receiving_chain_count()), (0, 1));
    }
}

mod log_reader {
    //! Whoever reads logs or crash reports: `Debug` output of every type that holds a secret
    //! must not contain the secret's bytes (hex either case, or Rust's array rendering).
    use super::*;

    fn hexes(secret: &[u8]) -> [String; 3] {
        let lower: String = secret.iter().map(|b| format!("{b:02x}")).collect();
        [lower.clone(), lower.to_uppercase(), format!("{secret:?}").trim_matches(['[', ']']).to_owned()]
    }

    fn assert_hidden(shown: &str, secrets: &[Vec<u8>], what: &str) {
        assert!(!secrets.is_empty());
        for secret in secrets {
            // A 12-byte window of every secret, in every rendering: no partial leak either.
            for window in secret.windows(12) {
                for rendering in hexes(window) {
                    assert!(!shown.contains(&rendering), "{what} Debug leaks a secret: {shown}");
                }
            }
        }
    }

    fn both(value: &impl core::fmt::Debug) -> String {
        format!("{value:?}\n{value:#?}")
    }

    fn opened_secrets(opened: &mut OpenedInvite, r: &mut ChaCha20Rng) -> Vec<Vec<u8>> {
        let snap = opened.snapshot(r, &SnapshotKey::from_bytes(SNAP_KEY));
        let (_, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
        let link_secret = body[97..129].to_vec();
        let mut c = Cursor(&body[129..]);
        let _expires = c.uint();
        let ratchet = toolkit::read_ratchet(&mut c);
        let mut out = vec![link_secret];
        out.extend(toolkit::ratchet_secrets(&ratchet).iter().map(|s| s.to_vec()));
        out
    }

    #[test]
    #[should_panic(expected = "Debug leaks a secret")]
    fn the_check_itself_finds_a_leak() {
        let secret = vec![0x5cu8; 32];
        assert_hidden(&format!("Leaky({})", hexes(&secret)[0]), &[secret], "Leaky");
    }

    #[test]
    fn snapshot_key() {
        let key = SnapshotKey::from_bytes([0xa7; 32]);
        assert_hidden(&both(&key), &[vec![0xa7; 32]], "SnapshotKey");
        let mut r = rng(80);
        let key = SnapshotKey::generate(&mut r);
        let mut again = rng(80);
        let mut bytes = [0u8; 32];
        again.fill_bytes(&mut bytes);
        assert_hidden(&both(&key), &[bytes.to_vec()], "SnapshotKey");
    }

    #[test]
    fn secret_link_invite_link_and_opened_invite() {
        let mut w = world(81);
        let mut opened = w.open();
        let secrets = opened_secrets(&mut opened, &mut w.r);
        let fragment = w.link.split_once('#').unwrap().1.to_owned();
        // The secret read from the snapshot is the link's: capsule = version || secret || host.
        let capsule = <base64ct::Base64UrlUnpadded as base64ct::Encoding>::decode_vec(&fragment).unwrap();
        assert_eq!(capsule[1..33], secrets[0][..]);
        let link = InviteLink::parse(&w.link).unwrap();
        let secret_link = link.to_link("https://chat.example/g").unwrap();
        for (shown, what) in
            [(both(&secret_link), "SecretLink"), (both(&link), "InviteLink"), (both(&opened), "OpenedInvite")]
        {
            assert_hidden(&shown, &secrets, what);
            assert!(!shown.contains(&fragment[..16]), "{what} Debug leaks the fragment: {shown}");
        }
    }

    #[test]
    fn host_identity() {
        let mut r = rng(82);
        let mut id = HostIdentity::generate(&mut r);
        let snap = id.snapshot(&mut r, &SnapshotKey::from_bytes(SNAP_KEY));
        let (_, seed) = toolkit::open_snapshot(&SNAP_KEY, &snap);
        let seed32: [u8; 32] = seed.clone().try_into().unwrap();
        let public = ed25519_dalek::SigningKey::from_bytes(&seed32).verifying_key().to_bytes();
        assert_eq!(&public, id.public_key().as_bytes(), "the seed is the identity's");
        assert_hidden(&both(&id), &[seed], "HostIdentity");
    }

    #[test]
    fn host_session_and_created_invite() {
        let mut r = rng(83);
        let id = HostIdentity::generate(&mut r);
        let mut created = id.create_invite(&mut r, NOW, NOW + DAY, "https://chat.example/g").unwrap();
        let fragment = created.link.as_str().split_once('#').unwrap().1.to_owned();
        let host_secrets = |host: &mut HostSession, r: &mut ChaCha20Rng| {
            let snap = host.snapshot(r, &SnapshotKey::from_bytes(SNAP_KEY));
            let (_, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
            let host = toolkit::read_host(&body);
            // Invite key seed, host mailbox seed (and H0 while host_seed is held), then what is
            // stored: host_seed, H0, the ratchet.
            let mut out: Vec<Vec<u8>> = host.derived_secrets().iter().map(|s| s.to_vec()).collect();
            out.extend(host.seeds.iter().filter(|_| host.seeds.len() == 1).map(|s| s.to_vec()));
            out.extend(host.h0.map(|h| h.to_vec()));
            if host.flags & 4 != 0 {
                // RK0, recomputed by the library from H0 and the guest's initial key.
                let h0 = host.h0.unwrap_or(host.derived_secrets()[3]);
                let shared = x25519_dalek::StaticSecret::from(h0)
                    .diffie_hellman(&x25519_dalek::PublicKey::from(host.ratchet.chains[0].ratchet));
                let prk = toolkit::hmac(&host.record_hash, &[shared.as_bytes()]);
                out.push(toolkit::hmac(&prk, &[guestlink::labels::ROOT_INIT, &[1]]).to_vec());
            }
            out.extend(toolkit::ratchet_secrets(&host.ratchet).iter().map(|s| s.to_vec()));
            out
        };
        let secrets = host_secrets(&mut created.session, &mut r);
        let ed_public = |seed: &[u8]| {
            ed25519_dalek::SigningKey::from_bytes(&seed.try_into().unwrap()).verifying_key().to_bytes()
        };
        assert_eq!(ed_public(&secrets[0])[..], created.record[51..83], "invite key seed");
        assert_eq!(ed_public(&secrets[1]), *created.session.mailbox_public_key().as_bytes(), "mailbox seed");
        let shown = both(&created);
        assert_hidden(&shown, &secrets, "CreatedInvite");
        assert!(!shown.contains(&fragment[..16]), "CreatedInvite Debug leaks the link: {shown}");
        // After the claim the session holds the verifier and the post-claim ratchet too.
        let mut host = created.session;
        let (_, claim) = InviteLink::parse(created.link.as_str())
            .unwrap()
            .open(&created.record, NOW)
            .unwrap()
            .claim(&mut r, NOW)
            .unwrap();
        let received = host.decrypt(&mut r, NOW, &claim).unwrap();
        let secrets = host_secrets(&mut host, &mut r);
        assert!(secrets.len() > 6, "claimed host: verifier and chains are covered");
        assert_hidden(&both(&host), &secrets, "HostSession");
        assert_hidden(&both(&received), &secrets, "HostReceived::Claimed");
    }

    #[test]
    fn guest_session() {
        let mut w = world(84);
        let mut guest = w.talking();
        let snap = guest.snapshot(&mut w.r, &SnapshotKey::from_bytes(SNAP_KEY));
        let (_, body) = toolkit::open_snapshot(&SNAP_KEY, &snap);
        let mut secrets = vec![body[97..129].to_vec()]; // guest mailbox seed
        let gm = ed25519_dalek::SigningKey::from_bytes(&body[97..129].try_into().unwrap()).verifying_key();
        assert_eq!(gm.to_bytes(), *guest.mailbox_public_key().as_bytes(), "guest mailbox seed");
        let ratchet = toolkit::read_ratchet(&mut Cursor(&body[162..]));
        secrets.extend(toolkit::ratchet_secrets(&ratchet).iter().map(|s| s.to_vec()));
        assert_hidden(&both(&guest), &secrets, "GuestSession");
        // Errors are static: no variant's Display or Debug can carry bytes.
        for e in Error::ALL {
            assert_hidden(&format!("{e} {e:?}"), &secrets, "Error");
        }
    }

    #[test]
    fn received_plaintext_stays_out_of_debug() {
        let mut w = world(85);
        // The join is lost; the guest's next (unconfirmed) message is a claim carrying text.
        let (mut guest, _join) = w.open().claim(&mut w.r, NOW).unwrap();
        let claim = guest.encrypt(&mut w.r, "claim text 7f3a").unwrap();
        let received = w.host.decrypt(&mut w.r, NOW, &claim).unwrap();
        let HostReceived::Claimed(acc) = &received else { panic!("claim refused") };
        assert_eq!(acc.text.as_deref(), Some("claim text 7f3a"));
        let shown = format!("{received:?} {received:#?} {acc:?}");
        assert!(!shown.contains("7f3a") && shown.contains("<15 bytes of text>"), "{shown}");
        let HostReceived::Claimed(acc) = received else { panic!("claim refused") };
        assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
        let g = guest.encrypt(&mut w.r, "guest text 9c1e").unwrap();
        let got = w.host.decrypt(&mut w.r, NOW, &g).unwrap();
        assert!(matches!(&got, HostReceived::Text(t) if t == "guest text 9c1e"));
        assert!(!format!("{got:?}").contains("9c1e"), "{got:?}");
        let h = w.host.encrypt(&mut w.r, NOW, "host text 5b2d").unwrap();
        let got = guest.decrypt(&h).unwrap();
        assert_eq!(got, GuestReceived::Text("host text 5b2d".into()));
        assert_eq!(format!("{got:?}"), "Text(<14 bytes of text>)");
    }
}
