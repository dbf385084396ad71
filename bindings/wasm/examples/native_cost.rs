//! The native per-message cost, printed next to the WebAssembly figure by scripts/measure.sh
//! (`cargo run --release -p guestlink-wasm --example native_cost`). A report, not a test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::time::Instant;

use guestlink::{GuestReceived, HostIdentity, HostReceived, InviteLink};

const NOW: u64 = 1_800_000_000;
const N: usize = 2000;

fn main() {
    let rng = &mut rand_core::UnwrapErr(getrandom::SysRng);
    let text = "x".repeat(100);
    let id = HostIdentity::generate(rng);
    let inv = id.create_invite(rng, NOW, NOW + 86_400, "https://chat.example/g").unwrap();
    let mut host = inv.session;
    let opened = InviteLink::parse(inv.link.as_str()).unwrap().open(&inv.record, NOW).unwrap();
    let (mut guest, claim) = opened.claim(rng, NOW).unwrap();
    let HostReceived::Claimed(acc) = host.decrypt(rng, NOW, &claim).unwrap() else { panic!("not claimed") };
    assert_eq!(guest.decrypt(&acc.confirmation).unwrap(), GuestReceived::Confirmed);

    // One direction: symmetric ratchet steps only.
    let t = Instant::now();
    let msgs: Vec<Vec<u8>> = (0..N).map(|_| host.encrypt(rng, NOW, &text).unwrap()).collect();
    let enc = t.elapsed().as_secs_f64() * 1e6 / N as f64;
    let t = Instant::now();
    for m in &msgs {
        guest.decrypt(m).unwrap();
    }
    let dec = t.elapsed().as_secs_f64() * 1e6 / N as f64;
    println!("native  same-direction  encrypt {enc:8.1} us/msg  decrypt {dec:8.1} us/msg");

    // Ping-pong: every message turns the DH ratchet (X25519 key generation and two DH).
    let (mut enc_total, mut dec_total) = (0.0, 0.0);
    for i in 0..N / 4 {
        let t = Instant::now();
        let m = if i % 2 == 0 {
            guest.encrypt(rng, &text).unwrap()
        } else {
            host.encrypt(rng, NOW, &text).unwrap()
        };
        enc_total += t.elapsed().as_secs_f64();
        let t = Instant::now();
        if i % 2 == 0 {
            host.decrypt(rng, NOW, &m).unwrap();
        } else {
            guest.decrypt(&m).unwrap();
        }
        dec_total += t.elapsed().as_secs_f64();
    }
    let n = (N / 4) as f64;
    println!(
        "native  ping-pong        encrypt {:8.1} us/msg  decrypt {:8.1} us/msg",
        enc_total * 1e6 / n,
        dec_total * 1e6 / n
    );
}
