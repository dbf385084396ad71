//! The whole flow, end to end, and the security story's pinned outcomes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use guestlink::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const NOW: u64 = 1_800_000_000;
const DAY: u64 = 86_400;

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

struct Pair {
    host: HostSession,
    guest: GuestSession,
    link: String,
    record: Vec<u8>,
    claim: Vec<u8>,
    accepted: ClaimAccepted,
}

fn setup(r: &mut ChaCha20Rng) -> (HostSession, String, Vec<u8>) {
    let id = HostIdentity::generate(r);
    let inv = id.create_invite(r, NOW, NOW + DAY, "https://chat.example/g").unwrap();
    (inv.session, inv.link.as_str().to_owned(), inv.record)
}

fn claimed(r: &mut ChaCha20Rng) -> Pair {
    let (mut host, link, record) = setup(r);
    let opened = InviteLink::parse(&link).unwrap().open(&record, NOW).unwrap();
    let (guest, claim) = opened.claim(r, NOW).unwrap();
    let HostReceived::Claimed(accepted) = host.decrypt(r, NOW, &claim).unwrap() else {
        panic!("not claimed")
    };
    Pair { host, guest, link, record, claim, accepted }
}

#[test]
fn whole_conversation() {
    let r = &mut rng(1);
    let (mut host, link, record) = setup(r);
    assert!(link.starts_with("https://chat.example/g#"));
    assert_eq!(link.len(), "https://chat.example/g#".len() + 87);
    let pre1 = host.encrypt(r, NOW, "hello before you arrive").unwrap();
    let pre2 = host.encrypt(r, NOW, "second").unwrap();
    let parsed = InviteLink::parse(&link).unwrap();
    let mut opened = parsed.open(&record, NOW + 10).unwrap();
    assert_eq!(opened.decrypt(&pre2).unwrap(), GuestReceived::Text("second".into()));
    assert_eq!(opened.decrypt(&pre1).unwrap(), GuestReceived::Text("hello before you arrive".into()));
    assert_eq!(opened.decrypt(&pre1), Err(Error::Duplicate));
    let (mut guest, claim) = opened.claim(r, NOW + 20).unwrap();
    assert!(!guest.is_confirmed());
    let extra = guest.encrypt(r, "are you there?").unwrap();
    assert_eq!(peek(&extra).unwrap().kind, EnvelopeKind::Claim);
    let HostReceived::Claimed(acc) = host.decrypt(r, NOW + 30, &claim).unwrap() else { panic!() };
    assert_eq!(host.state(), HostState::Claimed);
    assert_eq!(acc.safety_code, guest.safety_code());
    assert_eq!(acc.safety_code.long_form().len(), 47);
    let rec = InviteRecord::parse(&record).unwrap();
    let claimed = rec.verify_claimed(&acc.claimed_record).unwrap();
    assert_eq!(claimed.claim_key, guest.claim_key());
    guest.check_claimed_record(&acc.claimed_record).unwrap();
    assert!(matches!(host.decrypt(r, NOW, &extra).unwrap(), HostReceived::Text(t) if t == "are you there?"));
    assert_eq!(guest.decrypt(&acc.confirmation).unwrap(), GuestReceived::Confirmed);
    assert!(guest.is_confirmed());
    for i in 0..5 {
        let m = guest.encrypt(r, &format!("g{i}")).unwrap();
        assert_eq!(peek(&m).unwrap().kind, EnvelopeKind::Message);
        assert!(matches!(host.decrypt(r, NOW, &m).unwrap(), HostReceived::Text(t) if t == format!("g{i}")));
        let h = host.encrypt(r, NOW, &format!("h{i}")).unwrap();
        assert_eq!(guest.decrypt(&h).unwrap(), GuestReceived::Text(format!("h{i}")));
    }
    let rev = host.revoke(r, NOW + 40).unwrap();
    assert_eq!(guest.decrypt(rev.end_message.as_ref().unwrap()).unwrap(), GuestReceived::Ended);
    assert_eq!(guest.encrypt(r, "x"), Err(Error::SessionEnded));
    assert_eq!(rec.verify_revocation(&rev.record), Ok(NOW + 40));
    assert_eq!(host.encrypt(r, NOW, "x"), Err(Error::InviteRevoked));
}

#[test]
fn link_holder_cannot_read_or_forge_after_claim() {
    let r = &mut rng(2);
    let mut p = claimed(r);
    // The eavesdropper holds the link and sees every envelope; its own opened invite is its best tool.
    let mut eve = InviteLink::parse(&p.link).unwrap().open(&p.record, NOW).unwrap();
    p.guest.decrypt(&p.accepted.confirmation).unwrap();
    let secret = p.host.encrypt(r, NOW, "post-claim secret").unwrap();
    assert_eq!(eve.decrypt(&secret), Err(Error::NotClaimed));
    // Eve's own claim is a competing claim, reported only because its AEAD verifies.
    let (_, eve_claim) = eve.claim(r, NOW).unwrap();
    let before = p.host.state_digest_for_testing_only();
    assert_eq!(p.host.decrypt(r, NOW, &eve_claim).err(), Some(Error::CompetingClaim));
    assert_eq!(p.host.state_digest_for_testing_only(), before);
    assert_eq!(p.guest.decrypt(&secret).unwrap(), GuestReceived::Text("post-claim secret".into()));
    // A second claim after the window closed (the guest moved on) is a stale claim.
    let m = p.guest.encrypt(r, "moved on").unwrap();
    p.host.decrypt(r, NOW, &m).unwrap();
    let mut eve2 = InviteLink::parse(&p.link).unwrap().open(&p.record, NOW).unwrap();
    let _ = &mut eve2;
    let (_, late) = eve2.claim(r, NOW).unwrap();
    assert_eq!(p.host.decrypt(r, NOW, &late).err(), Some(Error::StaleClaim));
    let _ = p.claim;
}

#[test]
fn repeated_identical_claim_is_duplicate() {
    let r = &mut rng(3);
    let mut p = claimed(r);
    assert_eq!(p.host.decrypt(r, NOW, &p.claim).err(), Some(Error::Duplicate));
}

#[test]
fn expired_and_revoked_invites() {
    let r = &mut rng(4);
    let (mut host, link, record) = setup(r);
    let l = InviteLink::parse(&link).unwrap();
    assert_eq!(l.open(&record, NOW + DAY + 300).err(), Some(Error::InviteExpired));
    let opened = l.open(&record, NOW + DAY + 299).unwrap();
    let (_, claim) = opened.claim(r, NOW + DAY + 100).unwrap();
    // The host is authoritative on its clock and allows no skew.
    assert_eq!(host.decrypt(r, NOW + DAY, &claim).err(), Some(Error::InviteExpired));
    let rev = host.revoke(r, NOW).unwrap();
    assert!(rev.end_message.is_none());
    assert_eq!(host.decrypt(r, NOW, &claim).err(), Some(Error::InviteRevoked));
    let mut opened = l.open(&record, NOW).unwrap();
    opened.apply_revocation(&rev.record).unwrap();
    assert_eq!(opened.claim(r, NOW).err(), Some(Error::InviteRevoked));
}

#[test]
fn snapshots_round_trip_and_refuse_rollback() {
    let r = &mut rng(5);
    let mut p = claimed(r);
    p.guest.decrypt(&p.accepted.confirmation).unwrap();
    let key = SnapshotKey::generate(r);
    let old = p.guest.snapshot(r, &key);
    let m = p.guest.encrypt(r, "one").unwrap();
    p.host.decrypt(r, NOW, &m).unwrap();
    let h = p.host.encrypt(r, NOW, "two").unwrap();
    p.guest.decrypt(&h).unwrap();
    let new = p.guest.snapshot(r, &key);
    assert_eq!(snapshot_info(&new).unwrap().counter, 2);
    assert_eq!(GuestSession::from_snapshot(&old, &key, 2).err(), Some(Error::SnapshotRolledBack));
    let mut restored = GuestSession::from_snapshot(&new, &key, 2).unwrap();
    assert_eq!(restored.state_digest_for_testing_only(), p.guest.state_digest_for_testing_only());
    let h2 = p.host.encrypt(r, NOW, "three").unwrap();
    assert_eq!(restored.decrypt(&h2).unwrap(), GuestReceived::Text("three".into()));
    // An old state cannot decrypt after a fresh round trip.
    let mut stale = GuestSession::from_snapshot(&old, &key, 0).unwrap();
    assert!(stale.decrypt(&h2).is_err());
    // Wrong kind, wrong key, tampered.
    assert_eq!(HostSession::from_snapshot(&new, &key, 0).err(), Some(Error::SnapshotWrongObject));
    assert_eq!(
        GuestSession::from_snapshot(&new, &SnapshotKey::from_bytes([9; 32]), 0).err(),
        Some(Error::SnapshotDecryptFailed)
    );
    let mut t = new.clone();
    t[5] ^= 1;
    assert_eq!(GuestSession::from_snapshot(&t, &key, 0).err(), Some(Error::SnapshotDecryptFailed));
    let hs = p.host.snapshot(r, &key);
    let mut host2 = HostSession::from_snapshot(&hs, &key, 0).unwrap();
    assert_eq!(host2.state_digest_for_testing_only(), p.host.state_digest_for_testing_only());
    let g = restored.encrypt(r, "four").unwrap();
    assert!(matches!(host2.decrypt(r, NOW, &g).unwrap(), HostReceived::Text(t) if t == "four"));
}

#[test]
fn a_loaded_host_signs_and_sends_as_the_original() {
    // Loading defers the Ed25519 expansions and the ratchet public key to their first use
    // (no scalar multiplication at load); what the loaded host produces must not change.
    let r = &mut rng(7);
    let key = SnapshotKey::generate(r);
    let (mut host, link, record) = setup(r);
    let snap = host.snapshot(r, &key);
    let mut loaded = HostSession::from_snapshot(&snap, &key, 0).unwrap();
    assert_eq!(loaded.mailbox_public_key(), host.mailbox_public_key());
    assert_eq!(
        loaded.relay_auth(b"challenge-0123456789").unwrap(),
        host.relay_auth(b"challenge-0123456789").unwrap()
    );
    // Same state and the same random bytes: byte-identical pre-claim envelopes, signature included.
    let (mut r1, mut r2) = (rng(8), rng(8));
    let a = host.encrypt(&mut r1, NOW, "before you arrive").unwrap();
    let b = loaded.encrypt(&mut r2, NOW, "before you arrive").unwrap();
    assert_eq!(a, b);
    let mut opened = InviteLink::parse(&link).unwrap().open(&record, NOW).unwrap();
    assert_eq!(opened.decrypt(&b), Ok(GuestReceived::Text("before you arrive".into())));
    // The claimed record and the revocation are signed by the deferred invite key.
    let (mut guest, claim) = opened.claim(r, NOW).unwrap();
    let HostReceived::Claimed(acc) = loaded.decrypt(r, NOW, &claim).unwrap() else { panic!("not claimed") };
    let parsed = InviteRecord::parse(&record).unwrap();
    assert!(parsed.verify_claimed(&acc.claimed_record).is_ok());
    assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
    let snap = loaded.snapshot(r, &key);
    let mut reloaded = HostSession::from_snapshot(&snap, &key, 0).unwrap();
    let h = reloaded.encrypt(r, NOW, "after a reload").unwrap();
    assert_eq!(guest.decrypt(&h), Ok(GuestReceived::Text("after a reload".into())));
    let rev = reloaded.revoke(r, NOW + 1).unwrap();
    assert!(parsed.verify_revocation(&rev.record).is_ok());
}

#[test]
fn sizes() {
    let r = &mut rng(6);
    let (mut host, link, record) = setup(r);
    let key = SnapshotKey::generate(r);
    let hs = host.snapshot(r, &key);
    let opened = InviteLink::parse(&link).unwrap().open(&record, NOW).unwrap();
    let (mut guest, claim) = opened.claim(r, NOW).unwrap();
    let HostReceived::Claimed(acc) = host.decrypt(r, NOW, &claim).unwrap() else { panic!() };
    guest.decrypt(&acc.confirmation).unwrap();
    let gs = guest.snapshot(r, &key);
    let hs2 = host.snapshot(r, &key);
    let m = guest.encrypt(r, "hi").unwrap();
    println!(
        "record {} claim {} msg {} host fresh snap {} guest snap {} host claimed snap {}",
        record.len(),
        claim.len(),
        m.len(),
        hs.len(),
        gs.len(),
        hs2.len()
    );
}
