//! The single-party targets.

use std::collections::HashSet;

use guestlink::limits::{MAX_CLOCK_SKEW_SECS, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};
use guestlink::{
    Error, GuestReceived, GuestSession, HostIdentity, HostReceived, HostSession, InviteLink, InviteRecord,
    MAX_ENVELOPE_LEN, MESSAGE_VERSION, OpenedInvite, PROTOCOL_VERSION, peek, snapshot_info,
    verify_relay_auth,
};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use crate::Input;
use crate::fixture::{Fixture, LIFETIME, NOW, SNAPSHOT_KEY, fixture};
use crate::snapshot_codec;

fn rng() -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(0x0f0f)
}

/// Link parsing: `InviteLink::parse` and `InviteLink::from_fragment` on any UTF-8 string. A
/// parsed link is canonical: formatting it again gives back the exact input.
pub fn link(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else { return };
    if let Ok(parsed) = InviteLink::parse(text) {
        let (base, _) = text.split_once('#').expect("a parsed link has a fragment");
        let again = parsed.to_link(base).expect("the base of a parsed link is a valid base url");
        assert_eq!(again.as_str(), text, "link parsing accepted a non-canonical link");
        let reparsed = InviteLink::parse(again.as_str()).expect("a formatted link parses");
        assert_eq!(reparsed.mailbox_id(), parsed.mailbox_id());
        assert_eq!(reparsed.host_identity(), parsed.host_identity());
        assert_eq!(reparsed.mailbox_public_key(), parsed.mailbox_public_key());
    }
    if let Ok(parsed) = InviteLink::from_fragment(text) {
        let fragment = text.strip_prefix('#').unwrap_or(text);
        let again = parsed.to_link("https://x.example/").expect("valid base");
        assert_eq!(
            again.as_str().strip_prefix("https://x.example/#"),
            Some(fragment),
            "non-canonical fragment"
        );
    }
}

/// Envelope decoding: `peek`, `InviteRecord::parse`, and the fixture record's verification of
/// claimed records, revocations and pre-claim envelopes, plus relay authentication. Anything a
/// verifier accepts must be byte-for-byte a genuine fixture value (Ed25519 is strict and
/// deterministic, so there is exactly one valid encoding).
pub fn envelope(data: &[u8]) {
    let f = fixture();
    if let Ok(info) = peek(data) {
        assert!(data.len() <= MAX_ENVELOPE_LEN);
        assert_eq!(data.first(), Some(&info.version));
        // Records exist in version 1 only; messages are read in versions 1 and 2 (SPEC §6.1).
        if info.kind.is_record() {
            assert_eq!(info.version, PROTOCOL_VERSION);
        } else {
            assert!(matches!(info.version, PROTOCOL_VERSION | MESSAGE_VERSION));
        }
        assert_eq!(data.get(1), Some(&info.kind.to_byte()));
        assert_eq!(data.get(2..18), Some(&info.mailbox_id.as_bytes()[..]));
    }
    // Records signed by other hosts (the test-vector seeds) parse too; what must hold is that a
    // parsed record is exactly its bytes: same mailbox, and the hash of those bytes.
    if let Ok(record) = InviteRecord::parse(data) {
        use sha2::Digest;
        let hash: [u8; 32] = sha2::Sha256::new()
            .chain_update(guestlink::labels::RECORD_HASH)
            .chain_update(data)
            .finalize()
            .into();
        assert_eq!(record.hash(), hash);
        assert_eq!(data.get(2..18), Some(&record.mailbox_id().as_bytes()[..]));
        assert!(record.expires_at() > record.created_at());
        assert!(data == f.record.as_slice() || record.mailbox_id() != f.parsed_record.mailbox_id());
    }
    let record = &f.parsed_record;
    if record.verify_claimed(data).is_ok() {
        assert_eq!(data, f.claimed_record.as_slice(), "a forged claimed record verified");
    }
    if record.verify_revocation(data).is_ok() {
        assert!(
            data == f.revocation_unclaimed.as_slice() || data == f.revocation_claimed.as_slice(),
            "a forged revocation verified"
        );
    }
    if record.verify_pre_claim(data).is_ok() {
        assert!(f.pre_claim.iter().any(|p| p == data), "a forged pre-claim envelope verified");
    }
    if let Some((sig, challenge)) = data.split_first_chunk::<64>() {
        let (key, mailbox, genuine_challenge, genuine_sig) = &f.relay_auth;
        if verify_relay_auth(key, mailbox, challenge, sig).is_ok() {
            assert_eq!((challenge, sig), (genuine_challenge.as_slice(), genuine_sig), "forged relay auth");
        }
    }
}

/// Guest open: `InviteLink::open` of the fixture link with an arbitrary record and clock, then a
/// sequence of arbitrary envelopes through `decrypt`, `check_claimed_record` and
/// `apply_revocation`. Nothing forged is accepted, errors change nothing, and whatever junk came
/// in, the invite can still be claimed and the host accepts the claim.
pub fn guest_open(data: &[u8]) {
    let f = fixture();
    let mut input = Input::new(data);
    let mode = input.byte();
    let record = input.chunk();
    let now = NOW + u64::from(input.byte()) * 600;
    let expired = now >= NOW + LIFETIME + MAX_CLOCK_SKEW_SECS;
    let link = InviteLink::parse(&f.link).expect("fixture link");
    let mut opened = match link.open(record, now) {
        Ok(opened) => {
            assert_eq!(record, f.record.as_slice(), "a forged record opened");
            assert!(!expired, "an expired invite opened");
            opened
        }
        Err(e) => {
            if record == f.record.as_slice() {
                assert_eq!(e, Error::InviteExpired);
                assert!(expired);
            }
            if mode & 1 == 0 {
                return;
            }
            f.opened(&f.unclaimed.guest)
        }
    };
    let mut read = HashSet::new();
    let mut revoked = false;
    while !input.is_empty() {
        let envelope = input.chunk();
        let before = opened.state_digest_for_testing_only();
        match input.byte() % 3 {
            0 => match opened.decrypt(envelope) {
                Ok(GuestReceived::Text(_)) => {
                    assert!(f.pre_claim.iter().any(|p| p == envelope), "a forged pre-claim decrypted");
                    assert!(read.insert(envelope.to_vec()), "a pre-claim envelope decrypted twice");
                }
                Ok(other) => panic!("an opened invite returned {other:?}"),
                Err(_) => assert_eq!(opened.state_digest_for_testing_only(), before),
            },
            1 => {
                let result = opened.check_claimed_record(envelope);
                if result == Err(Error::ClaimedByOther) {
                    assert_eq!(envelope, f.claimed_record.as_slice(), "a forged claimed record");
                }
                assert!(result.is_err(), "an unclaimed invite accepted a claimed record");
                assert_eq!(opened.state_digest_for_testing_only(), before);
            }
            _ => match opened.apply_revocation(envelope) {
                Ok(_) => {
                    let genuine = [&f.revocation_unclaimed, &f.revocation_claimed];
                    assert!(genuine.iter().any(|r| r.as_slice() == envelope), "a forged revocation");
                    revoked = true;
                }
                Err(_) => assert_eq!(opened.state_digest_for_testing_only(), before),
            },
        }
    }
    let claim_now = now.min(NOW);
    match opened.claim(&mut rng(), claim_now) {
        Ok((guest, claim)) => {
            assert!(!revoked, "a revoked invite was claimed");
            let mut host = f.host(&f.unclaimed.host);
            let Ok(HostReceived::Claimed(accepted)) = host.decrypt(&mut rng(), NOW, &claim) else {
                panic!("junk input burned the invite: the host refuses the claim")
            };
            assert_eq!(accepted.safety_code, guest.safety_code());
        }
        Err(e) => assert!(revoked && e == Error::InviteRevoked, "claim failed with {e:?}"),
    }
}

/// The live sessions a `session_decrypt` input can target.
const PARTIES: u8 = 6;

/// Decrypt of arbitrary bytes on a live session: `data[0] % 6` picks the party (0 unclaimed host,
/// 1 opened invite, 2 host that just accepted the claim, 3 unconfirmed guest, 4 talking host,
/// 5 confirmed guest), the rest is the envelope. An accepted envelope must be genuine; a refused
/// one leaves the state digest unchanged, and the session still talks with its peer afterwards.
pub fn session_decrypt(data: &[u8]) {
    let f = fixture();
    let Some((selector, envelope)) = data.split_first() else { return };
    let rng = &mut rng();
    match selector % PARTIES {
        0 | 1 => {
            let mut host = f.host(&f.unclaimed.host);
            let mut opened = f.opened(&f.unclaimed.guest);
            let failed = if selector % PARTIES == 0 {
                decrypt_host(f, &mut host, envelope)
            } else {
                let before = opened.state_digest_for_testing_only();
                match opened.decrypt(envelope) {
                    Ok(_) => {
                        assert!(f.is_genuine(envelope), "forged envelope accepted by the opened invite");
                        false
                    }
                    Err(_) => {
                        assert_eq!(opened.state_digest_for_testing_only(), before);
                        true
                    }
                }
            };
            if failed {
                let pre = host.encrypt(rng, NOW, "after junk").expect("host still writes");
                assert_eq!(opened.decrypt(&pre), Ok(GuestReceived::Text("after junk".into())));
                let (guest, claim) = opened.claim(rng, NOW).expect("still claimable");
                let Ok(HostReceived::Claimed(acc)) = host.decrypt(rng, NOW, &claim) else {
                    panic!("the host refuses the claim after junk")
                };
                assert_eq!(acc.safety_code, guest.safety_code());
            }
        }
        selector => {
            let pair = if selector < 4 { &f.claimed } else { &f.talking };
            let mut host = f.host(&pair.host);
            let mut guest = f.guest(&pair.guest);
            let failed = if selector % 2 == 0 {
                decrypt_host(f, &mut host, envelope)
            } else {
                decrypt_guest(f, &mut guest, envelope)
            };
            if failed {
                round_trip(rng, &mut host, &mut guest);
            }
        }
    }
}

/// Decrypts on a host; returns true when it failed (and checks the state is unchanged).
fn decrypt_host(f: &Fixture, host: &mut HostSession, envelope: &[u8]) -> bool {
    let before = host.state_digest_for_testing_only();
    match host.decrypt(&mut rng(), NOW, envelope) {
        Ok(_) => {
            assert!(f.is_genuine(envelope), "forged envelope accepted by the host");
            false
        }
        Err(_) => {
            assert_eq!(
                host.state_digest_for_testing_only(),
                before,
                "a failed host decrypt changed the state"
            );
            true
        }
    }
}

/// Decrypts on a guest session; returns true when it failed (and checks the state is unchanged).
fn decrypt_guest(f: &Fixture, guest: &mut GuestSession, envelope: &[u8]) -> bool {
    let before = guest.state_digest_for_testing_only();
    match guest.decrypt(envelope) {
        Ok(_) => {
            assert!(f.is_genuine(envelope), "forged envelope accepted by the guest");
            false
        }
        Err(_) => {
            assert_eq!(
                guest.state_digest_for_testing_only(),
                before,
                "a failed guest decrypt changed the state"
            );
            true
        }
    }
}

fn round_trip(rng: &mut ChaCha20Rng, host: &mut HostSession, guest: &mut GuestSession) {
    let h = host.encrypt(rng, NOW, "host after junk").expect("host still writes");
    assert_eq!(guest.decrypt(&h), Ok(GuestReceived::Text("host after junk".into())));
    let g = guest.encrypt(rng, "guest after junk").expect("guest still writes");
    match host.decrypt(rng, NOW, &g) {
        Ok(HostReceived::Text(t)) => assert_eq!(t, "guest after junk"),
        other => panic!("the host refuses the guest after junk: {other:?}"),
    }
}

/// Snapshot loading. `data[0]` bit 0 picks raw bytes (the rest of the input) or a body sealed
/// under the right key (kind byte, object-id selector, counter byte, body), so the fuzzer reaches
/// the body parser behind the AEAD; `data[0] >> 1` is the caller's minimum counter. Whatever
/// loads respects the limits and the minimum counter, survives a save/load round trip with the
/// same state digest, and can be used without panicking.
pub fn snapshot(data: &[u8]) {
    let f = fixture();
    let key = f.key();
    let mut input = Input::new(data);
    let mode = input.byte();
    let min_counter = u64::from(mode >> 1);
    let bytes = if mode & 1 == 0 {
        input.rest().to_vec()
    } else {
        // The kind byte's top bit selects the version 1 body parser (SPEC §10.3).
        let kind = input.byte();
        let version = if kind & 0x80 == 0 { snapshot_codec::VERSION } else { snapshot_codec::VERSION_1 };
        let kind = kind & 0x7f;
        let object_id: [u8; 16] = match input.byte() % 3 {
            0 => f.fresh.host.get(2..18).and_then(|s| s.try_into().ok()).expect("header"),
            1 => f.identity_snapshot.get(2..18).and_then(|s| s.try_into().ok()).expect("header"),
            _ => core::array::from_fn(|_| input.byte()),
        };
        let counter = u64::from(input.byte());
        snapshot_codec::seal(&SNAPSHOT_KEY, version, kind, &object_id, counter, [7; 16], input.rest())
    };
    let counter = snapshot_info(&bytes).map(|i| i.counter);
    let rng = &mut rng();
    if let Ok(mut identity) = HostIdentity::from_snapshot(&bytes, &key, min_counter) {
        assert!(counter.is_ok_and(|c| c >= min_counter));
        let again = identity.snapshot(rng, &key);
        let reloaded =
            HostIdentity::from_snapshot(&again, &key, identity.snapshot_counter()).expect("reload");
        assert_eq!(reloaded.public_key(), identity.public_key());
        let invite = identity.create_invite(rng, NOW, NOW + 60, "https://x.example/").expect("invite");
        InviteLink::parse(invite.link.as_str()).expect("link").open(&invite.record, NOW).expect("open");
    }
    if let Ok(mut host) = HostSession::from_snapshot(&bytes, &key, min_counter) {
        assert!(counter.is_ok_and(|c| c >= min_counter));
        check_host_limits(&host);
        let again = host.snapshot(rng, &key);
        let reloaded = HostSession::from_snapshot(&again, &key, host.snapshot_counter()).expect("reload");
        assert_eq!(reloaded.state_digest_for_testing_only(), host.state_digest_for_testing_only());
        for envelope in [Some(&f.claim), Some(&f.claim_text), f.guest_messages.get(2)].into_iter().flatten() {
            let _ = decrypt_host(f, &mut host, envelope);
            check_host_limits(&host);
        }
        let _ = host.encrypt(rng, NOW, "x");
        let _ = host.safety_code();
        let _ = host.revoke(rng, NOW);
    }
    if let Ok(mut opened) = OpenedInvite::from_snapshot(&bytes, &key, min_counter) {
        assert!(counter.is_ok_and(|c| c >= min_counter));
        let again = opened.snapshot(rng, &key);
        let reloaded = OpenedInvite::from_snapshot(&again, &key, opened.snapshot_counter()).expect("reload");
        assert_eq!(reloaded.state_digest_for_testing_only(), opened.state_digest_for_testing_only());
        for envelope in &f.pre_claim {
            let before = opened.state_digest_for_testing_only();
            if opened.decrypt(envelope).is_err() {
                assert_eq!(opened.state_digest_for_testing_only(), before);
            }
        }
        let _ = opened.claim(rng, NOW);
    }
    if let Ok(mut guest) = GuestSession::from_snapshot(&bytes, &key, min_counter) {
        assert!(counter.is_ok_and(|c| c >= min_counter));
        check_guest_limits(&guest);
        let again = guest.snapshot(rng, &key);
        let reloaded = GuestSession::from_snapshot(&again, &key, guest.snapshot_counter()).expect("reload");
        assert_eq!(reloaded.state_digest_for_testing_only(), guest.state_digest_for_testing_only());
        for envelope in
            [Some(&f.confirmation), f.host_messages.get(2), f.pre_claim.get(1), Some(&f.end_message)]
                .into_iter()
                .flatten()
        {
            let _ = decrypt_guest(f, &mut guest, envelope);
            check_guest_limits(&guest);
        }
        let _ = guest.encrypt(rng, "x");
        let _ = guest.safety_code();
    }
}

fn check_host_limits(host: &HostSession) {
    assert!(host.skipped_key_count() <= MAX_SKIPPED_KEYS);
    assert!(host.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
}

fn check_guest_limits(guest: &GuestSession) {
    assert!(guest.skipped_key_count() <= MAX_SKIPPED_KEYS);
    assert!(guest.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
}
