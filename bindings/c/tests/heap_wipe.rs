//! No secret of a session is ever freed without being wiped (SPEC §14.1.7's memory half: "every
//! secret zeroized"), checked on the heap of a whole conversation.
//!
//! A global allocator reads every block as it is freed, and counts the blocks holding one of the
//! session's secret keys. The conversation runs twice from the same seed: the first run takes
//! every snapshot apart (with the independent model of `guestlink-testkit`) to learn every key the
//! sessions ever held, the second runs identically with the check on and nothing else. Keys that
//! a collection moved out of its storage (a `VecDeque::remove` or `pop_front`, a `take()`), a
//! buffer that grew by reallocating, a temporary dropped unwiped: each would be found here.
//!
//! It lives in the C binding's crate because reading freed memory takes `unsafe`, which the rest
//! of the workspace forbids. It tests the core crate, through its public API only.

// A test file: its helpers fail the test by panicking, as the `#[test]` itself may.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use guestlink::{GuestReceived, HostIdentity, HostReceived, InviteLink, SnapshotKey};
use guestlink_testkit::generate::model_open_snapshot;
use guestlink_testkit::model_snapshot::decode_body;
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;

const NOW: u64 = 1_800_000_000;
const SNAPSHOT_KEY: [u8; 32] = [0x11; 32];

/// The secret keys to look for, sorted.
static NEEDLES: Mutex<Vec<[u8; 32]>> = Mutex::new(Vec::new());
static ACTIVE: AtomicBool = AtomicBool::new(false);
static HITS: AtomicUsize = AtomicUsize::new(0);
static FREED_BYTES: AtomicUsize = AtomicUsize::new(0);

struct Scanning;

// SAFETY: every call is passed on to `System` unchanged; `dealloc` only reads the block before.
unsafe impl GlobalAlloc for Scanning {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract for `layout` is `System::alloc`'s.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if ACTIVE.load(Ordering::Acquire) {
            // `try_lock`: never wait inside the allocator (the lock is only taken to set up).
            if let Ok(needles) = NEEDLES.try_lock() {
                // SAFETY: `ptr` is a live block of `layout.size()` bytes, allocated by us, until
                // the `System.dealloc` below; it was initialised by whoever used it (a freed
                // block's bytes are read, never written).
                let block = unsafe { std::slice::from_raw_parts(ptr, layout.size()) };
                if holds_a_needle(block, &needles) {
                    HITS.fetch_add(1, Ordering::Relaxed);
                }
                FREED_BYTES.fetch_add(block.len(), Ordering::Relaxed);
            }
        }
        // SAFETY: the caller's contract for `ptr` and `layout` is `System::dealloc`'s.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Scanning = Scanning;

fn holds_a_needle(block: &[u8], sorted_needles: &[[u8; 32]]) -> bool {
    block.windows(32).any(|w| sorted_needles.binary_search_by(|k| k.as_slice().cmp(w)).is_ok())
}

/// Every secret field of a decoded snapshot body (SPEC §10.2, the model's names).
fn secrets_of(value: &serde_json::Value, out: &mut Vec<[u8; 32]>) {
    const SECRET_FIELDS: [&str; 12] = [
        "root",
        "dhs_sk",
        "ck",
        "mk",
        "host_seed",
        "keys_seed",
        "invite_seed",
        "host_mailbox_seed",
        "h0_sk",
        "invite_secret",
        "guest_mailbox_seed",
        "ed25519_seed",
    ];
    match value {
        serde_json::Value::Object(map) => {
            for (name, v) in map {
                if let (true, Some(hex)) = (SECRET_FIELDS.contains(&name.as_str()), v.as_str()) {
                    out.push(hex::decode(hex).unwrap().try_into().unwrap());
                } else {
                    secrets_of(v, out);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| secrets_of(v, out)),
        _ => {}
    }
}

/// A whole conversation, deterministic from its seed, handing every snapshot it takes to `seen`:
/// pre-claim messages read out of order, a claim, rounds of messages in both directions delivered
/// out of order (skipped keys stored, then used), more receiving chains than are remembered,
/// snapshots saved and loaded back, a revocation; then everything is dropped.
fn conversation(seen: &mut dyn FnMut(&[u8])) {
    let mut r = ChaCha20Rng::seed_from_u64(0x5eed);
    let key = SnapshotKey::from_bytes(SNAPSHOT_KEY);
    let mut id = HostIdentity::generate(&mut r);
    seen(&id.snapshot(&mut r, &key));
    let inv = id.create_invite(&mut r, NOW, NOW + 86_400, "https://chat.example/g").unwrap();
    let mut host = inv.session;
    seen(&host.snapshot(&mut r, &key));
    let pre: Vec<_> =
        (0..4).map(|i| host.encrypt(&mut r, NOW, &format!("before the claim {i}")).unwrap()).collect();
    let mut opened = InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, NOW).unwrap();
    for i in [3, 0, 2] {
        assert!(opened.decrypt(&pre[i]).is_ok());
        seen(&opened.snapshot(&mut r, &key));
    }
    let (mut guest, claim) = opened.claim(&mut r, NOW).unwrap();
    let Ok(HostReceived::Claimed(acc)) = host.decrypt(&mut r, NOW, &claim) else { panic!("claim refused") };
    seen(&host.snapshot(&mut r, &key));
    assert_eq!(guest.decrypt(&acc.confirmation), Ok(GuestReceived::Confirmed));
    assert!(guest.decrypt(&pre[1]).is_ok(), "a late pre-claim message, from its stored key");
    for round in 0..8 {
        let to_guest: Vec<_> =
            (0..4).map(|i| host.encrypt(&mut r, NOW, &format!("host {round}.{i}")).unwrap()).collect();
        for i in [3, 1, 0, 2] {
            assert!(matches!(guest.decrypt(&to_guest[i]), Ok(GuestReceived::Text(_))));
            seen(&guest.snapshot(&mut r, &key)); // the stored keys of the skipped ones too
        }
        let to_host: Vec<_> =
            (0..3).map(|i| guest.encrypt(&mut r, &format!("guest {round}.{i}")).unwrap()).collect();
        for i in [2, 0, 1] {
            assert!(matches!(host.decrypt(&mut r, NOW, &to_host[i]), Ok(HostReceived::Text(_))));
            seen(&host.snapshot(&mut r, &key));
        }
    }
    // Loaded back, then on: the loaded objects are dropped with everything else.
    let host_snap = host.snapshot(&mut r, &key);
    let mut host = guestlink::HostSession::from_snapshot(&host_snap, &key, 0).unwrap();
    let guest_snap = guest.snapshot(&mut r, &key);
    let mut guest = guestlink::GuestSession::from_snapshot(&guest_snap, &key, 0).unwrap();
    let last = host.encrypt(&mut r, NOW, "after the reload").unwrap();
    assert!(guest.decrypt(&last).is_ok());
    let revocation = host.revoke(&mut r, NOW).unwrap();
    seen(&host.snapshot(&mut r, &key));
    if let Some(end) = revocation.end_message {
        assert_eq!(guest.decrypt(&end), Ok(GuestReceived::Ended));
    }
    seen(&guest.snapshot(&mut r, &key));
}

#[test]
fn no_session_secret_is_freed_unwiped() {
    let mut needles = Vec::new();
    conversation(&mut |snapshot| {
        let body = model_open_snapshot(snapshot, &SNAPSHOT_KEY).unwrap();
        secrets_of(&decode_body(snapshot[0], snapshot[1], &body).unwrap(), &mut needles);
    });
    needles.sort_unstable();
    needles.dedup();
    assert!(needles.len() > 100, "{} keys learnt", needles.len());
    eprintln!("heap_wipe: {} keys learnt", needles.len());
    *NEEDLES.lock().unwrap() = needles.clone();

    ACTIVE.store(true, Ordering::Release);
    conversation(&mut |_| {});
    let hits = HITS.load(Ordering::Relaxed);
    // The check has teeth: a key freed in a plain Vec is found.
    let planted = needles[needles.len() / 2].to_vec();
    drop(std::hint::black_box(planted));
    let after_plant = HITS.load(Ordering::Relaxed);
    ACTIVE.store(false, Ordering::Release);

    assert!(FREED_BYTES.load(Ordering::Relaxed) > 100_000, "the conversation freed memory to read");
    assert_eq!(after_plant, hits + 1, "a planted unwiped key is found");
    assert_eq!(hits, 0, "{hits} freed blocks held a session key");
}
