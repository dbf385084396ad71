//! `profile <operation> <iterations>`: runs one operation in a loop without criterion, for
//! `valgrind --tool=callgrind` (instruction counts attribute cost on a busy machine).
//! Operations: steady-<size>, ping-pong, guest-open, snapshot-load.
#![allow(clippy::expect_used, clippy::panic)]

use guestlink::{HostSession, InviteLink, SnapshotKey};
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
    } else {
        panic!("unknown operation {op}");
    }
}
