//! Benchmarks of guestlink next to the bare primitives it is built from (the floor) and next to
//! vodozemac's Olm sessions, all registered here so that the criterion bench target
//! (`cargo bench -p guestlink-benches`) and the report binary (`--bin report`) measure exactly the
//! same bodies.
//!
//! guestlink is driven by a fast deterministic RNG ([`ChaCha8Rng`], rand_chacha 0.10) so that the
//! RNG does not dominate; vodozemac draws from the operating system and cannot be given an RNG.
//! The floor uses the same crates and versions as guestlink (x25519-dalek 3, ed25519-dalek 3,
//! hmac 0.13, hkdf 0.13, sha2 0.11, aes-gcm 0.11), and vodozemac 0.11 resolves to the same ones.
// A benchmark harness stops on an unexpected error: that is a broken fixture, not a result.
#![allow(clippy::expect_used, clippy::panic)]

pub mod floor;
pub mod olm;
pub mod sizes;

use std::hint::black_box;

use criterion::{BatchSize, BenchmarkId, Criterion};
use guestlink::{
    GuestReceived, GuestSession, HostIdentity, HostReceived, HostSession, InviteLink, OpenedInvite,
    SnapshotKey,
};
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// Message sizes of the steady-chain benchmarks, in bytes of UTF-8 text.
pub const SIZES: [usize; 3] = [64, 1024, 16 * 1024];

/// Size of the ping-pong messages.
pub const PING_PONG_SIZE: usize = 64;

/// The clock every fixture runs at.
pub const NOW: u64 = 1_800_000_000;

/// Expiry of every fixture invite.
pub const EXPIRES: u64 = NOW + 86_400;

/// The base URL of fixture links.
pub const BASE_URL: &str = "https://chat.example/g";

/// The deterministic RNG given to guestlink.
pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// ASCII text of exactly `len` bytes.
pub fn text(len: usize) -> String {
    "guestlink ".chars().cycle().take(len).collect()
}

/// A host that just created an invite, with the link and record it hands out.
pub struct Invited {
    /// The host session (unclaimed).
    pub host: HostSession,
    /// The link text.
    pub link: String,
    /// The signed invite record.
    pub record: Vec<u8>,
}

/// Creates an invite from a fresh identity.
pub fn invited(rng: &mut ChaCha8Rng) -> Invited {
    let identity = HostIdentity::generate(rng);
    let created = identity.create_invite(rng, NOW, EXPIRES, BASE_URL).expect("create invite");
    Invited { host: created.session, link: created.link.as_str().to_owned(), record: created.record }
}

/// Opens an invite as the guest.
pub fn open(invited: &Invited) -> OpenedInvite {
    InviteLink::parse(&invited.link).expect("parse link").open(&invited.record, NOW).expect("open invite")
}

/// A claimed session on both sides, the guest confirmed: the host holds a sending chain.
pub struct Pair {
    /// The host side.
    pub host: HostSession,
    /// The guest side.
    pub guest: GuestSession,
}

/// Claims `invited` and confirms the guest.
pub fn claim(rng: &mut ChaCha8Rng, mut host: HostSession, opened: OpenedInvite) -> Pair {
    let (mut guest, claim) = opened.claim(rng, NOW).expect("claim");
    let HostReceived::Claimed(accepted) = host.decrypt(rng, NOW, &claim).expect("accept claim") else {
        panic!("the claim was not accepted");
    };
    let confirmed = guest.decrypt(&accepted.confirmation).expect("confirmation");
    assert_eq!(confirmed, GuestReceived::Confirmed);
    Pair { host, guest }
}

/// A fresh claimed and confirmed pair.
pub fn pair(rng: &mut ChaCha8Rng) -> Pair {
    let inv = invited(rng);
    let opened = open(&inv);
    claim(rng, inv.host, opened)
}

impl Pair {
    /// One host-to-guest message on the current sending chain.
    pub fn host_to_guest(&mut self, rng: &mut ChaCha8Rng, msg: &str) {
        let env = self.host.encrypt(rng, NOW, msg).expect("host encrypt");
        let got = self.guest.decrypt(&env).expect("guest decrypt");
        black_box(got);
    }

    /// One guest-to-host message.
    pub fn guest_to_host(&mut self, rng: &mut ChaCha8Rng, msg: &str) {
        let env = self.guest.encrypt(rng, msg).expect("guest encrypt");
        let got = self.host.decrypt(rng, NOW, &env).expect("host decrypt");
        black_box(got);
    }
}

/// Bench ids, `group/function[/parameter]`, as criterion names their directories.
pub mod ids {
    /// guestlink benchmarks.
    pub const GUESTLINK: &str = "guestlink";
    /// The floor of bare primitives.
    pub const FLOOR: &str = "floor";
    /// vodozemac's Olm.
    pub const OLM: &str = "vodozemac";
}

/// Registers every benchmark.
pub fn register(c: &mut Criterion) {
    guestlink_benches(c);
    floor::register(c);
    olm::register(c);
}

fn guestlink_benches(c: &mut Criterion) {
    let mut g = c.benchmark_group(ids::GUESTLINK);
    for size in SIZES {
        let msg = text(size);
        let r = &mut rng(1);
        let mut p = pair(r);
        g.bench_function(BenchmarkId::new("encrypt", size), |b| {
            b.iter(|| p.host.encrypt(r, NOW, black_box(&msg)).expect("encrypt"))
        });
        let r = &mut rng(2);
        let (mut host, mut guest) = {
            let p = pair(r);
            (p.host, p.guest)
        };
        g.bench_function(BenchmarkId::new("decrypt", size), |b| {
            b.iter_batched(
                || host.encrypt(r, NOW, &msg).expect("encrypt"),
                |env| guest.decrypt(&env).expect("decrypt"),
                BatchSize::SmallInput,
            )
        });
        let r = &mut rng(3);
        let mut p = pair(r);
        g.bench_function(BenchmarkId::new("steady", size), |b| b.iter(|| p.host_to_guest(r, &msg)));
    }

    // Every message answers the other side's, so each one carries a DH ratchet step.
    let msg = text(PING_PONG_SIZE);
    let r = &mut rng(4);
    let mut p = pair(r);
    let mut host_turn = true;
    g.bench_function("ping_pong", |b| {
        b.iter(|| {
            if host_turn {
                p.host_to_guest(r, &msg);
            } else {
                p.guest_to_host(r, &msg);
            }
            host_turn = !host_turn;
        })
    });

    let r = &mut rng(5);
    let identity = HostIdentity::generate(r);
    g.bench_function("create_invite", |b| {
        b.iter(|| identity.create_invite(r, NOW, EXPIRES, BASE_URL).expect("create invite"))
    });

    // The guest's first screen: parse the link, verify the record, read the first message.
    let r = &mut rng(6);
    let mut inv = invited(r);
    let first = inv.host.encrypt(r, NOW, "Hello! Open the chat to reply.").expect("pre-claim");
    g.bench_function("guest_open", |b| {
        b.iter(|| {
            let link = InviteLink::parse(black_box(&inv.link)).expect("parse");
            let mut opened = link.open(&inv.record, NOW).expect("open");
            opened.decrypt(&first).expect("first message")
        })
    });

    // The claim handshake: the guest claims, the host accepts (claimed record and confirmation
    // signed and sealed), the guest reads the confirmation.
    let r = &mut rng(7);
    let mut setup_rng = rng(8);
    g.bench_function("claim", |b| {
        b.iter_batched(
            || {
                let inv = invited(&mut setup_rng);
                let opened = open(&inv);
                (inv.host, opened)
            },
            |(host, opened)| claim(r, host, opened),
            BatchSize::SmallInput,
        )
    });

    let r = &mut rng(9);
    let key = SnapshotKey::generate(r);
    let mut p = pair(r);
    for i in 0..3 {
        p.host_to_guest(r, &text(i * 10));
        p.guest_to_host(r, &text(i * 10));
    }
    g.bench_function("snapshot_save", |b| b.iter(|| p.host.snapshot(r, &key)));
    let snap = p.host.snapshot(r, &key);
    g.bench_function("snapshot_load", |b| {
        b.iter(|| HostSession::from_snapshot(black_box(&snap), &key, 0).expect("load"))
    });

    g.bench_function("safety_code", |b| {
        b.iter(|| p.guest.safety_code().long_form());
    });
    g.finish();
}
