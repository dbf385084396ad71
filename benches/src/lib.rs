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

use std::time::{Duration, Instant};

use criterion::Criterion;
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

/// Bench ids are `group/function[/parameter]`; these are the groups.
pub mod ids {
    /// guestlink benchmarks.
    pub const GUESTLINK: &str = "guestlink";
    /// The floor of bare primitives.
    pub const FLOOR: &str = "floor";
    /// vodozemac's Olm.
    pub const OLM: &str = "vodozemac";
}

/// One benchmark: `run(n)` performs `n` iterations and returns the time they took (any setup
/// excluded). Criterion drives it through `iter_custom`; the report interleaves all of them.
pub struct Bench {
    /// `group/function[/parameter]`.
    pub id: String,
    /// Runs `n` timed iterations.
    pub run: Box<dyn FnMut(u64) -> Duration>,
}

/// A benchmark whose body needs no per-iteration setup.
pub fn iter<O>(id: impl Into<String>, mut body: impl FnMut() -> O + 'static) -> Bench {
    Bench {
        id: id.into(),
        run: Box::new(move |n| {
            let start = Instant::now();
            for _ in 0..n {
                black_box(body());
            }
            start.elapsed()
        }),
    }
}

/// A benchmark whose inputs are made (untimed, in order) before the timed loop; outputs are
/// dropped after it.
pub fn batched<I, O>(
    id: impl Into<String>,
    mut setup: impl FnMut() -> I + 'static,
    mut routine: impl FnMut(I) -> O + 'static,
) -> Bench {
    Bench {
        id: id.into(),
        run: Box::new(move |n| {
            let inputs: Vec<I> = (0..n).map(|_| setup()).collect();
            let mut outputs = Vec::with_capacity(inputs.len());
            let start = Instant::now();
            for input in inputs {
                outputs.push(routine(black_box(input)));
            }
            let elapsed = start.elapsed();
            drop(black_box(outputs));
            elapsed
        }),
    }
}

/// Every benchmark: guestlink, the floor, vodozemac.
pub fn all() -> Vec<Bench> {
    let mut out = guestlink_benches();
    out.extend(floor::benches());
    out.extend(olm::benches());
    out
}

/// Registers every benchmark with criterion.
pub fn register(c: &mut Criterion) {
    for mut bench in all() {
        c.bench_function(&bench.id, |b| b.iter_custom(|n| (bench.run)(n)));
    }
}

fn guestlink_benches() -> Vec<Bench> {
    let g = ids::GUESTLINK;
    let mut out = Vec::new();
    for size in SIZES {
        let msg = text(size);
        let (mut r, m) = (rng(1), msg.clone());
        let mut p = pair(&mut r);
        out.push(iter(format!("{g}/encrypt/{size}"), move || {
            p.host.encrypt(&mut r, NOW, black_box(&m)).expect("encrypt")
        }));
        let (mut r, m) = (rng(2), msg.clone());
        let Pair { mut host, mut guest } = pair(&mut r);
        out.push(batched(
            format!("{g}/decrypt/{size}"),
            move || host.encrypt(&mut r, NOW, &m).expect("encrypt"),
            move |env| guest.decrypt(&env).expect("decrypt"),
        ));
        let mut r = rng(3);
        let mut p = pair(&mut r);
        out.push(iter(format!("{g}/steady/{size}"), move || p.host_to_guest(&mut r, black_box(&msg))));
    }

    // Every message answers the other side's, so each one carries a DH ratchet step.
    let msg = text(PING_PONG_SIZE);
    let mut r = rng(4);
    let mut p = pair(&mut r);
    let mut host_turn = true;
    out.push(iter(format!("{g}/ping_pong"), move || {
        if host_turn {
            p.host_to_guest(&mut r, &msg);
        } else {
            p.guest_to_host(&mut r, &msg);
        }
        host_turn = !host_turn;
    }));

    let mut r = rng(5);
    let identity = HostIdentity::generate(&mut r);
    out.push(iter(format!("{g}/create_invite"), move || {
        identity.create_invite(&mut r, NOW, EXPIRES, BASE_URL).expect("create invite")
    }));

    // The guest's first screen: parse the link, verify the record, read the first message.
    let mut r = rng(6);
    let mut inv = invited(&mut r);
    let first = inv.host.encrypt(&mut r, NOW, "Hello! Open the chat to reply.").expect("pre-claim");
    out.push(iter(format!("{g}/guest_open"), move || {
        let link = InviteLink::parse(black_box(&inv.link)).expect("parse");
        let mut opened = link.open(&inv.record, NOW).expect("open");
        opened.decrypt(&first).expect("first message")
    }));

    // The claim handshake: the guest claims, the host accepts (claimed record and confirmation
    // signed and sealed), the guest reads the confirmation.
    let mut r = rng(7);
    let mut setup_rng = rng(8);
    out.push(batched(
        format!("{g}/claim"),
        move || {
            let inv = invited(&mut setup_rng);
            let opened = open(&inv);
            (inv.host, opened)
        },
        move |(host, opened)| claim(&mut r, host, opened),
    ));

    let mut r = rng(9);
    let key = SnapshotKey::generate(&mut r);
    let mut p = pair(&mut r);
    for i in 0..3 {
        p.host_to_guest(&mut r, &text(i * 10));
        p.guest_to_host(&mut r, &text(i * 10));
    }
    let snap = p.host.snapshot(&mut r, &key);
    let load_key = key.clone();
    out.push(iter(format!("{g}/snapshot_load"), move || {
        HostSession::from_snapshot(black_box(&snap), &load_key, 0).expect("load")
    }));
    // In the claim window the host rebuilds its claim verifier's RK0 at load: one X25519 and one
    // HKDF that a snapshot no longer stores (SPEC §10.2).
    let mut window = invited(&mut r);
    let (_, claim) = open(&window).claim(&mut r, NOW).expect("claim");
    window.host.decrypt(&mut r, NOW, &claim).expect("accept");
    let window_snap = window.host.snapshot(&mut r, &key);
    let window_key = key.clone();
    out.push(iter(format!("{g}/snapshot_load_window"), move || {
        HostSession::from_snapshot(black_box(&window_snap), &window_key, 0).expect("load")
    }));
    let Pair { mut host, guest } = p;
    out.push(iter(format!("{g}/safety_code"), move || guest.safety_code().long_form()));
    out.push(iter(format!("{g}/snapshot_save"), move || host.snapshot(&mut r, &key)));
    out
}
