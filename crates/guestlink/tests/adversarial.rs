//! Adversarial tests, organised by attacker (SPEC "Threat model"; docs/spec-drafts/threat-model.md).
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
    World { host: inv.session, link: inv.link.as_str().to_owned(), record: inv.record, claimed_record: Vec::new(), r }
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
    let before = host.state_digest_for_testing_only();
    let (skipped, chains) = (host.skipped_key_count(), host.receiving_chain_count());
    assert_eq!(host.decrypt(r, NOW, envelope).err(), Some(expected));
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
/// the message header: ratchet key, pn, n, salt.
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
        let mut out = vec![1, kind];
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
        pub fn u32(&mut self) -> u32 {
            u32::from_be_bytes(self.take())
        }
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
        pub key: Option<[u8; 32]>,
        pub next: u32,
        pub skipped: Vec<(u32, [u8; 32])>,
    }

    pub fn read_ratchet(c: &mut Cursor<'_>) -> RatchetBody {
        let root = c.take();
        let ours = c.take();
        let sending = if c.u8() == 1 { Some((c.take(), c.u32())) } else { None };
        let pn = c.u32();
        let count = c.u8();
        let chains = (0..count)
            .map(|_| {
                let ratchet = c.take();
                let flags = c.u8();
                let key = if flags & 1 == 1 { Some(c.take()) } else { None };
                let next = c.u32();
                let n = u16::from_be_bytes(c.take());
                let skipped = (0..n).map(|_| (c.u32(), c.take())).collect();
                ChainBody { ratchet, key, next, skipped }
            })
            .collect();
        RatchetBody { root, ours, sending, pn, chains }
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
        /// Seals `padded` at counter `self.n` with a fresh salt and advances the chain.
        pub fn seal(&mut self, padded: &[u8], salt: [u8; 16]) -> Vec<u8> {
            let mk = hmac(&self.chain_key, &[&[0x01]]);
            let mut env = vec![1, self.kind];
            env.extend_from_slice(&self.mailbox);
            if let Some(gm) = self.guest_mailbox {
                env.extend_from_slice(&gm);
            }
            env.extend_from_slice(&self.ratchet);
            env.extend_from_slice(&self.pn.to_be_bytes());
            env.extend_from_slice(&self.n.to_be_bytes());
            env.extend_from_slice(&salt);
            let mut ad = vec![self.direction];
            ad.extend_from_slice(&self.session_id);
            ad.extend_from_slice(&env);
            let (c, nonce) = aead(&mk, labels::AEAD_KEY, &salt);
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
    let mut c = Cursor(&body);
    let _identity: [u8; 32] = c.take();
    let record_hash: [u8; 32] = c.take();
    let _expires: [u8; 8] = c.take();
    let _invite: [u8; 32] = c.take();
    let _host_mailbox: [u8; 32] = c.take();
    let _revoked = c.u8();
    assert_eq!(c.u8(), 1, "claimed host");
    let claim_key: [u8; 32] = c.take();
    let guest_mailbox: [u8; 32] = c.take();
    if c.u8() == 1 {
        let _: [u8; 64] = c.take();
    }
    let ratchet = toolkit::read_ratchet(&mut c);
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
    let _expires: [u8; 8] = c.take();
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

fn salt(r: &mut ChaCha20Rng) -> [u8; 16] {
    let mut s = [0u8; 16];
    r.fill_bytes(&mut s);
    s
}

#[test]
fn toolkit_seals_exactly_like_the_library() {
    // The toolkit is only evidence if an honest message sealed by it decrypts.
    let mut w = world(1);
    let mut guest = w.talking();
    let mut s = host_sender(&mut w.host, &mut w.r);
    let env = s.seal(&pad(0x01, b"sealed by the toolkit"), salt(&mut w.r));
    assert_eq!(guest.decrypt(&env), Ok(GuestReceived::Text("sealed by the toolkit".into())));
    let real = guest.encrypt(&mut w.r, "real").unwrap(); // opens the guest's sending chain
    assert!(matches!(w.host.decrypt(&mut w.r, NOW, &real), Ok(HostReceived::Text(_))));
    let mut g = guest_sender(&mut guest, &mut w.r);
    let env = g.seal(&pad(0x01, b"and back"), salt(&mut w.r));
    assert!(matches!(w.host.decrypt(&mut w.r, NOW, &env), Ok(HostReceived::Text(t)) if t == "and back"));
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
        let msgs: Vec<_> = (0..10).map(|i| w.host.encrypt(&mut w.r, NOW, &format!("m{i}")).unwrap()).collect();
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
        let HostReceived::Claimed(acc_a) = a.session.decrypt(&mut r, NOW, &claim_a).unwrap() else { panic!() };
        let (mut guest_b, claim_b) = opened_b.claim(&mut r, NOW).unwrap();
        let HostReceived::Claimed(acc_b) = b.session.decrypt(&mut r, NOW, &claim_b).unwrap() else { panic!() };
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
        for kind in [EnvelopeKind::InviteRecord, EnvelopeKind::ClaimedRecord, EnvelopeKind::RevocationRecord] {
            let mut as_record = pre.clone();
            as_record[1] = kind.to_byte();
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
        assert_eq!(verify_relay_auth(&key, &guest.mailbox_id(), &[0u8; 65], &sig), Err(Error::InvalidArgument));
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
        let forged = as_message.seal(&pad(0x01, b"pay to eve"), salt(&mut w.r));
        opened_refuses(&mut guest, &forged, Error::NotClaimed);
        // As a pre-claim envelope it needs the invite key's signature.
        forger.kind = 0x10;
        let mut signed = forger.seal(&pad(0x01, b"pay to eve"), salt(&mut w.r));
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
        assert_eq!(verify_relay_auth(&claimed_key, &eve.mailbox_id(), &challenge, &eve_auth), Err(Error::BadSignature));
        let eve_session_auth = eve_session.relay_auth(&challenge).unwrap();
        assert_eq!(
            verify_relay_auth(&claimed_key, &eve.mailbox_id(), &challenge, &eve_session_auth),
            Err(Error::BadSignature)
        );
        // A forged post-claim message needs the post-claim root, which the link does not give.
        let mut forger = pre_claim_sender(&mut eve, &mut w.r);
        forger.ratchet = toolkit::x25519_public(&[0x77; 32]);
        forger.pn = 5; // at or above the guest's current chain: the DH step is tried
        let forged = forger.seal(&pad(0x01, b"forged"), salt(&mut w.r));
        guest_refuses(&mut guest, &forged, Error::DecryptFailed);
        assert_eq!(guest.decrypt(&secret), Ok(GuestReceived::Text("post-claim secret".into())));
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
