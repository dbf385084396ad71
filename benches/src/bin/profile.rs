//! `profile <operation> <iterations>`: runs one operation in a loop without criterion, for
//! `valgrind --tool=callgrind` (instruction counts attribute cost on a busy machine).
//! Operations: steady-<size>, floor-<size>, ping-pong, guest-open, snapshot-load.
#![allow(clippy::expect_used, clippy::panic)]

use guestlink::{HostSession, InviteLink, SnapshotKey};
use guestlink_benches::floor::Chain;
use guestlink_benches::{NOW, invited, pair, rng, text};

fn main() {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_else(|| "steady-1024".to_owned());
    let iterations: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let r = &mut rng(1);
    if let Some(size) = op.strip_prefix("steady-") {
        let msg = text(size.parse().expect("size"));
        let mut p = pair(r);
        for _ in 0..iterations {
            p.host_to_guest(r, &msg);
        }
    } else if let Some(size) = op.strip_prefix("floor-") {
        let msg = vec![b'g'; size.parse().expect("size")];
        let (mut tx, mut rx) = (Chain::new([3; 32]), Chain::new([3; 32]));
        for _ in 0..iterations {
            std::hint::black_box(rx.open(tx.seal(&msg)));
        }
    } else if op == "ping-pong" {
        let msg = text(64);
        let mut p = pair(r);
        for _ in 0..iterations / 2 {
            p.host_to_guest(r, &msg);
            p.guest_to_host(r, &msg);
        }
    } else if op == "guest-open" {
        let mut inv = invited(r);
        let first = inv.host.encrypt(r, NOW, "Hello!").expect("pre-claim");
        for _ in 0..iterations {
            let mut opened =
                InviteLink::parse(&inv.link).expect("parse").open(&inv.record, NOW).expect("open");
            opened.decrypt(&first).expect("first message");
        }
    } else if op == "snapshot-load" {
        let key = SnapshotKey::generate(r);
        let mut p = pair(r);
        let snap = p.host.snapshot(r, &key);
        for _ in 0..iterations {
            HostSession::from_snapshot(&snap, &key, 0).expect("load");
        }
    } else if op == "time" {
        // Interleaved rounds, minimum per round: a quick A/B on a busy machine.
        let msg = text(1024);
        let raw = vec![b'g'; 1024];
        let mut p = pair(r);
        let (mut tx, mut rx) = (Chain::new([3; 32]), Chain::new([3; 32]));
        let mut o = guestlink_benches::olm::OlmPair::new();
        let mut best = [f64::MAX; 3];
        for _ in 0..iterations {
            let t = std::time::Instant::now();
            for _ in 0..100 {
                p.host_to_guest(r, &msg);
            }
            best[0] = best[0].min(t.elapsed().as_nanos() as f64 / 100.0);
            let t = std::time::Instant::now();
            for _ in 0..100 {
                std::hint::black_box(rx.open(tx.seal(&raw)));
            }
            best[1] = best[1].min(t.elapsed().as_nanos() as f64 / 100.0);
            let t = std::time::Instant::now();
            for _ in 0..100 {
                let w = guestlink_benches::olm::encrypt(&mut o.alice, &msg);
                std::hint::black_box(guestlink_benches::olm::decrypt(&mut o.bob, &w));
            }
            best[2] = best[2].min(t.elapsed().as_nanos() as f64 / 100.0);
        }
        println!(
            "steady 1 KiB: guestlink {:.0} ns, floor {:.0} ns ({:.2}x), vodozemac {:.0} ns",
            best[0],
            best[1],
            best[0] / best[1],
            best[2]
        );
    } else {
        panic!("unknown operation {op}");
    }
}
