//! Property tests: delivery in any order, tampering, link round trips, and the limits at their edges.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use guestlink::limits::{MAX_MESSAGE_GAP, MAX_RECEIVING_CHAINS, MAX_SKIPPED_KEYS};
use guestlink::*;
use proptest::prelude::*;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const NOW: u64 = 1_800_000_000;

fn pair(seed: u64) -> (ChaCha20Rng, HostSession, GuestSession) {
    let mut r = ChaCha20Rng::seed_from_u64(seed);
    let id = HostIdentity::generate(&mut r);
    let inv = id.create_invite(&mut r, NOW, NOW + 3600, "https://x.example/").unwrap();
    let opened = InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, NOW).unwrap();
    let (mut guest, claim) = opened.claim(&mut r, NOW).unwrap();
    let mut host = inv.session;
    let HostReceived::Claimed(acc) = host.decrypt(&mut r, NOW, &claim).unwrap() else { panic!() };
    assert_eq!(guest.decrypt(&acc.confirmation).unwrap(), GuestReceived::Confirmed);
    (r, host, guest)
}

#[derive(Clone, Debug)]
enum Op {
    Send { from_host: bool },
    Deliver { to_host: bool, pick: usize },
    Replay { to_host: bool, pick: usize },
    Drop { to_host: bool, pick: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<bool>().prop_map(|from_host| Op::Send { from_host }),
        3 => (any::<bool>(), any::<usize>()).prop_map(|(to_host, pick)| Op::Deliver { to_host, pick }),
        1 => (any::<bool>(), any::<usize>()).prop_map(|(to_host, pick)| Op::Replay { to_host, pick }),
        1 => (any::<bool>(), any::<usize>()).prop_map(|(to_host, pick)| Op::Drop { to_host, pick }),
    ]
}

struct Net {
    to_host: Vec<(Vec<u8>, String)>,
    to_guest: Vec<(Vec<u8>, String)>,
    delivered_host: Vec<Vec<u8>>,
    delivered_guest: Vec<Vec<u8>>,
    counter: usize,
}

fn deliver_host(host: &mut HostSession, r: &mut ChaCha20Rng, env: &[u8]) -> Result<String> {
    match host.decrypt(r, NOW, env)? {
        HostReceived::Text(t) => Ok(t),
        other => panic!("unexpected {other:?}"),
    }
}

fn deliver_guest(guest: &mut GuestSession, env: &[u8]) -> Result<String> {
    match guest.decrypt(env)? {
        GuestReceived::Text(t) => Ok(t),
        other => panic!("unexpected {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Any interleaving of sends, deliveries, replays and drops: every delivered message decrypts
    /// exactly once to its text, every replay is a duplicate, and the session never wedges.
    #[test]
    fn any_interleaving_delivers_exactly_once(seed in any::<u64>(), ops in prop::collection::vec(op(), 1..60)) {
        let (mut r, mut host, mut guest) = pair(seed);
        let mut net = Net { to_host: vec![], to_guest: vec![], delivered_host: vec![], delivered_guest: vec![], counter: 0 };
        for op in ops {
            match op {
                Op::Send { from_host } => {
                    net.counter += 1;
                    let text = format!("m{}", net.counter);
                    if from_host {
                        net.to_guest.push((host.encrypt(&mut r, NOW, &text).unwrap(), text));
                    } else {
                        net.to_host.push((guest.encrypt(&mut r, &text).unwrap(), text));
                    }
                }
                Op::Deliver { to_host, pick } => {
                    let q = if to_host { &mut net.to_host } else { &mut net.to_guest };
                    if q.is_empty() { continue; }
                    let (env, text) = q.remove(pick % q.len());
                    let got = if to_host { deliver_host(&mut host, &mut r, &env) } else { deliver_guest(&mut guest, &env) };
                    prop_assert_eq!(got, Ok(text));
                    if to_host { net.delivered_host.push(env) } else { net.delivered_guest.push(env) }
                }
                Op::Replay { to_host, pick } => {
                    let d = if to_host { &net.delivered_host } else { &net.delivered_guest };
                    if d.is_empty() { continue; }
                    let env = d[pick % d.len()].clone();
                    let digest = if to_host { host.state_digest_for_testing_only() } else { guest.state_digest_for_testing_only() };
                    let got = if to_host { deliver_host(&mut host, &mut r, &env) } else { deliver_guest(&mut guest, &env) };
                    prop_assert_eq!(got, Err(Error::Duplicate));
                    let after = if to_host { host.state_digest_for_testing_only() } else { guest.state_digest_for_testing_only() };
                    prop_assert_eq!(digest, after);
                }
                Op::Drop { to_host, pick } => {
                    let q = if to_host { &mut net.to_host } else { &mut net.to_guest };
                    if !q.is_empty() { let i = pick % q.len(); q.remove(i); }
                }
            }
            prop_assert!(host.skipped_key_count() <= MAX_SKIPPED_KEYS && guest.skipped_key_count() <= MAX_SKIPPED_KEYS);
            prop_assert!(host.receiving_chain_count() <= MAX_RECEIVING_CHAINS && guest.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
        }
        // Everything still in flight arrives, in reverse order.
        for (env, text) in net.to_host.drain(..).rev() {
            prop_assert_eq!(deliver_host(&mut host, &mut r, &env), Ok(text));
        }
        for (env, text) in net.to_guest.drain(..).rev() {
            prop_assert_eq!(deliver_guest(&mut guest, &env), Ok(text));
        }
        // And the session still works both ways.
        let e = guest.encrypt(&mut r, "after").unwrap();
        prop_assert_eq!(deliver_host(&mut host, &mut r, &e), Ok("after".to_owned()));
        let e = host.encrypt(&mut r, NOW, "reply").unwrap();
        prop_assert_eq!(deliver_guest(&mut guest, &e), Ok("reply".to_owned()));
    }

    /// Flipping any bit of any byte of an envelope fails, leaves the receiver's state exactly as it
    /// was, and the genuine envelope still decrypts afterwards.
    #[test]
    fn any_flipped_byte_fails_and_changes_nothing(seed in any::<u64>(), kind in 0u8..4, at in any::<usize>(), bit in 0u8..8) {
        let mut r = ChaCha20Rng::seed_from_u64(seed);
        let id = HostIdentity::generate(&mut r);
        let inv = id.create_invite(&mut r, NOW, NOW + 3600, "https://x.example/").unwrap();
        let mut host = inv.session;
        let pre = host.encrypt(&mut r, NOW, "pre").unwrap();
        let mut opened = InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, NOW).unwrap();
        match kind {
            0 => {
                // A signed pre-claim envelope, to the opened invite.
                let mut bad = pre.clone();
                let i = at % bad.len();
                bad[i] ^= 1 << bit;
                let before = opened.state_digest_for_testing_only();
                prop_assert!(opened.decrypt(&bad).is_err());
                prop_assert_eq!(before, opened.state_digest_for_testing_only());
                prop_assert_eq!(opened.decrypt(&pre), Ok(GuestReceived::Text("pre".into())));
            }
            _ => {
                let (mut guest, claim) = opened.claim(&mut r, NOW).unwrap();
                if kind == 1 {
                    let mut bad = claim.clone();
                    let i = at % bad.len();
                    bad[i] ^= 1 << bit;
                    let before = host.state_digest_for_testing_only();
                    prop_assert!(host.decrypt(&mut r, NOW, &bad).is_err());
                    prop_assert_eq!(before, host.state_digest_for_testing_only());
                    prop_assert!(matches!(host.decrypt(&mut r, NOW, &claim), Ok(HostReceived::Claimed(_))));
                    return Ok(());
                }
                let HostReceived::Claimed(acc) = host.decrypt(&mut r, NOW, &claim).unwrap() else { panic!() };
                let mut bad = acc.confirmation.clone();
                let i = at % bad.len();
                bad[i] ^= 1 << bit;
                let before = guest.state_digest_for_testing_only();
                prop_assert!(guest.decrypt(&bad).is_err());
                prop_assert_eq!(before, guest.state_digest_for_testing_only());
                prop_assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
                let msg = guest.encrypt(&mut r, "hello").unwrap();
                let mut bad = msg.clone();
                let i = at % bad.len();
                bad[i] ^= 1 << bit;
                let before = host.state_digest_for_testing_only();
                prop_assert!(host.decrypt(&mut r, NOW, &bad).is_err());
                prop_assert_eq!(before, host.state_digest_for_testing_only());
                prop_assert!(matches!(host.decrypt(&mut r, NOW, &msg), Ok(HostReceived::Text(t)) if t == "hello"));
            }
        }
    }

    /// Any valid base URL round-trips: the link parses back to the same mailbox and host.
    #[test]
    fn link_round_trip(seed in any::<u64>(), base in "https://[a-z]{1,20}\\.example(/[a-z0-9]{0,12}){0,3}(\\?[a-z]{1,8}=[a-z0-9]{1,8})?") {
        let mut r = ChaCha20Rng::seed_from_u64(seed);
        let id = HostIdentity::generate(&mut r);
        let inv = id.create_invite(&mut r, NOW, NOW + 60, &base).unwrap();
        let link = InviteLink::parse(inv.link.as_str()).unwrap();
        prop_assert_eq!(link.mailbox_id(), inv.session.mailbox_id());
        prop_assert_eq!(link.host_identity(), id.public_key());
        prop_assert!(inv.link.as_str().starts_with(&base));
        let fragment = inv.link.as_str().split_once('#').unwrap().1;
        prop_assert_eq!(fragment.len(), FRAGMENT_LEN);
        prop_assert_eq!(InviteLink::from_fragment(fragment).unwrap().mailbox_id(), link.mailbox_id());
    }

    /// Arbitrary strings never panic the link parser and never parse unless they are links.
    #[test]
    fn link_parser_total(s in ".{0,200}") {
        if let Ok(l) = InviteLink::parse(&s) {
            prop_assert!(s.contains('#'));
            let _ = l.mailbox_id();
        }
    }
}

#[test]
fn gap_limit_holds_at_and_past_its_edge() {
    let (mut r, mut host, mut guest) = pair(7);
    // The guest's first post-confirmation message opens a new chain: a gap of exactly the limit works.
    let sent: Vec<Vec<u8>> =
        (0..=MAX_MESSAGE_GAP + 1).map(|i| guest.encrypt(&mut r, &format!("{i}")).unwrap()).collect();
    let last_ok = &sent[MAX_MESSAGE_GAP as usize];
    let past = &sent[MAX_MESSAGE_GAP as usize + 1];
    let before = host.state_digest_for_testing_only();
    assert_eq!(host.decrypt(&mut r, NOW, past).err(), Some(Error::GapTooLarge));
    assert_eq!(host.state_digest_for_testing_only(), before);
    assert!(matches!(host.decrypt(&mut r, NOW, last_ok).unwrap(), HostReceived::Text(_)));
    assert_eq!(host.skipped_key_count(), MAX_MESSAGE_GAP as usize);
    // Skipped keys are usable, oldest first eviction keeps the count at the cap.
    assert!(matches!(host.decrypt(&mut r, NOW, &sent[0]).unwrap(), HostReceived::Text(t) if t == "0"));
    assert_eq!(host.skipped_key_count(), MAX_MESSAGE_GAP as usize - 1);
}

#[test]
fn skipped_key_cap_evicts_oldest_first() {
    let (mut r, mut host, mut guest) = pair(8);
    // Two chains of skipped keys: 600 on the first, then 600 on the second exceed the cap of 1000.
    let first: Vec<Vec<u8>> = (0..=600).map(|i| guest.encrypt(&mut r, &format!("a{i}")).unwrap()).collect();
    host.decrypt(&mut r, NOW, &first[600]).unwrap();
    assert_eq!(host.skipped_key_count(), 600);
    let h = host.encrypt(&mut r, NOW, "turn").unwrap();
    guest.decrypt(&h).unwrap();
    let second: Vec<Vec<u8>> = (0..=600).map(|i| guest.encrypt(&mut r, &format!("b{i}")).unwrap()).collect();
    host.decrypt(&mut r, NOW, &second[600]).unwrap();
    assert_eq!(host.skipped_key_count(), MAX_SKIPPED_KEYS);
    // The 200 oldest keys of the first chain were evicted: their messages now count as duplicates.
    assert_eq!(host.decrypt(&mut r, NOW, &first[0]).err(), Some(Error::Duplicate));
    assert_eq!(host.decrypt(&mut r, NOW, &first[199]).err(), Some(Error::Duplicate));
    assert!(matches!(host.decrypt(&mut r, NOW, &first[200]).unwrap(), HostReceived::Text(t) if t == "a200"));
    assert!(matches!(host.decrypt(&mut r, NOW, &second[0]).unwrap(), HostReceived::Text(t) if t == "b0"));
}

#[test]
fn receiving_chain_cap_holds() {
    let (mut r, mut host, mut guest) = pair(9);
    let mut kept = vec![];
    for round in 0..10 {
        let a = guest.encrypt(&mut r, &format!("{round}a")).unwrap();
        let b = guest.encrypt(&mut r, &format!("{round}b")).unwrap();
        host.decrypt(&mut r, NOW, &b).unwrap();
        kept.push(a); // never delivered yet: its key stays stored while its chain is remembered
        let h = host.encrypt(&mut r, NOW, "turn").unwrap();
        guest.decrypt(&h).unwrap();
        assert!(host.receiving_chain_count() <= MAX_RECEIVING_CHAINS);
    }
    assert_eq!(host.receiving_chain_count(), MAX_RECEIVING_CHAINS);
    // Messages on chains that were forgotten no longer decrypt; recent ones still do.
    assert!(host.decrypt(&mut r, NOW, &kept[0]).is_err());
    assert!(matches!(host.decrypt(&mut r, NOW, &kept[9]).unwrap(), HostReceived::Text(t) if t == "9a"));
}
