//! The optimisations of the hot path must not change one output byte: a deterministic
//! conversation (every envelope, record, link and snapshot, in order) hashes to the digest that
//! the unoptimised core produced (commit 8e03069), re-pinned when a format changed on purpose
//! (SPEC §17), each time with its vectors checked by an independent model: message envelope
//! version 2 (key derivation and header), then snapshot version 2 (snapshot bodies, and the host's
//! per-invite keys derived from one `host_seed`, which changes the invite record's keys).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use guestlink::{GuestReceived, HostIdentity, HostReceived, InviteLink, SnapshotKey};
use guestlink_benches::{BASE_URL, EXPIRES, NOW, text};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use sha2::{Digest, Sha256};

const PINNED: &str = "2de5f6580ee10d2b2778ba316416a81ab14b5279a7d8f2595a6e6b80a48d1e8e";

#[test]
fn conversation_bytes_are_unchanged() {
    let r = &mut ChaCha20Rng::seed_from_u64(42);
    let mut h = Sha256::new();
    let mut out = |bytes: &[u8]| {
        h.update((bytes.len() as u64).to_be_bytes());
        h.update(bytes);
    };
    let key = SnapshotKey::generate(r);
    let mut identity = HostIdentity::generate(r);
    out(&identity.snapshot(r, &key));
    let created = identity.create_invite(r, NOW, EXPIRES, BASE_URL).unwrap();
    let mut host = created.session;
    out(created.link.as_str().as_bytes());
    out(&created.record);
    out(&host.snapshot(r, &key));
    let pre = host.encrypt(r, NOW, "before the claim").unwrap();
    out(&pre);
    let mut opened = InviteLink::parse(created.link.as_str()).unwrap().open(&created.record, NOW).unwrap();
    assert_eq!(opened.decrypt(&pre).unwrap(), GuestReceived::Text("before the claim".into()));
    out(&opened.snapshot(r, &key));
    let (mut guest, claim) = opened.claim(r, NOW).unwrap();
    out(&claim);
    let HostReceived::Claimed(acc) = host.decrypt(r, NOW, &claim).unwrap() else { panic!() };
    out(&acc.claimed_record);
    out(&acc.confirmation);
    out(acc.safety_code.long_form().as_bytes());
    assert_eq!(guest.decrypt(&acc.confirmation).unwrap(), GuestReceived::Confirmed);
    // Steady chains, ping-pong, out-of-order delivery, every padding size class in use.
    for (i, size) in [0usize, 1, 61, 62, 63, 200, 1024, 5000, 16 * 1024].into_iter().enumerate() {
        let msg = text(size);
        let a = host.encrypt(r, NOW, &msg).unwrap();
        let b = host.encrypt(r, NOW, &msg).unwrap();
        out(&a);
        out(&b);
        assert_eq!(guest.decrypt(&b).unwrap(), GuestReceived::Text(msg.clone()));
        assert_eq!(guest.decrypt(&a).unwrap(), GuestReceived::Text(msg.clone()));
        let c = guest.encrypt(r, &msg).unwrap();
        out(&c);
        assert!(matches!(host.decrypt(r, NOW, &c).unwrap(), HostReceived::Text(t) if t == msg));
        if i % 3 == 0 {
            out(&host.snapshot(r, &key));
            out(&guest.snapshot(r, &key));
        }
    }
    let rev = host.revoke(r, NOW + 1).unwrap();
    out(&rev.record);
    out(rev.end_message.as_ref().unwrap());
    assert_eq!(guest.decrypt(rev.end_message.as_ref().unwrap()).unwrap(), GuestReceived::Ended);
    let digest: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(digest, PINNED);
}
