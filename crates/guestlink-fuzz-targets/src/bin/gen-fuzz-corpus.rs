//! Writes the seed corpora `fuzz/corpus/<target>/` from the deterministic fixture conversation.
//!
//! `cargo run -p guestlink-fuzz-targets --bin gen-fuzz-corpus [OUT_DIR]` (default: fuzz/corpus).
//! Each file is named by the first 16 hex digits of its SHA-256, so re-running is idempotent.
#![allow(clippy::expect_used, clippy::indexing_slicing)]

use std::fs;
use std::path::{Path, PathBuf};

use guestlink_fuzz_targets::fixture::{SNAPSHOT_KEY, fixture};
use guestlink_fuzz_targets::{Op, TARGETS, encode_script, push_chunk, snapshot_codec};
use sha2::{Digest, Sha256};

fn b64url(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let v = chunk.iter().enumerate().fold(0u32, |v, (i, b)| v | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(A[((v >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

fn flip(bytes: &[u8], at: usize) -> Vec<u8> {
    let mut v = bytes.to_vec();
    let at = at % v.len();
    v[at] ^= 0x01;
    v
}

fn main() {
    let root = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus"));
    let f = fixture();
    let mut seeds: Vec<(&str, Vec<u8>)> = Vec::new();

    // link
    let link = f.link.as_bytes().to_vec();
    let (base, fragment) = f.link.split_once('#').expect("fragment");
    seeds.push(("link", link.clone()));
    seeds.push(("link", fragment.as_bytes().to_vec()));
    seeds.push(("link", format!("#{fragment}").into_bytes()));
    seeds.push(("link", format!("https://a.example/x?y=1#{fragment}").into_bytes()));
    seeds.push(("link", format!("{base}#{}", &fragment[..86]).into_bytes()));
    seeds.push(("link", format!("{base}{fragment}").into_bytes()));
    // Regression: `base##capsule` used to parse as the same invite (non-canonical link).
    seeds.push(("link", format!("{base}##{fragment}").into_bytes()));
    let mut capsule = vec![1u8];
    capsule.extend([0x11; 32]);
    capsule.extend(fixture_host_key(fragment));
    seeds.push(("link", format!("{base}#{}", b64url(&capsule)).into_bytes()));
    capsule[0] = 2;
    seeds.push(("link", format!("{base}#{}", b64url(&capsule)).into_bytes()));
    let mut small_order = vec![1u8];
    small_order.extend([0x11; 32]);
    let mut identity_point = [0u8; 32];
    identity_point[0] = 1;
    small_order.extend(identity_point);
    seeds.push(("link", format!("{base}#{}", b64url(&small_order)).into_bytes()));

    // envelope
    for e in [&f.record, &f.claimed_record, &f.revocation_unclaimed, &f.revocation_claimed, &f.claim] {
        seeds.push(("envelope", e.clone()));
    }
    seeds.push(("envelope", f.pre_claim[0].clone()));
    seeds.push(("envelope", f.host_messages[0].clone()));
    seeds.push(("envelope", flip(&f.record, 200)));
    seeds.push(("envelope", f.record[..f.record.len() - 1].to_vec()));
    let (_, _, challenge, sig) = &f.relay_auth;
    seeds.push(("envelope", [sig.as_slice(), challenge].concat()));
    seeds.push(("envelope", vec![1, 0x12]));

    // guest_open: mode, record chunk, clock byte, then (envelope chunk, action byte)...
    let open_script = |mode: u8, record: &[u8], clock: u8, steps: &[(&[u8], u8)]| {
        let mut out = vec![mode];
        push_chunk(&mut out, record);
        out.push(clock);
        for (env, action) in steps {
            push_chunk(&mut out, env);
            out.push(*action);
        }
        out
    };
    let (p0, p1) = (f.pre_claim[0].as_slice(), f.pre_claim[1].as_slice());
    seeds.push(("guest_open", open_script(0, &f.record, 0, &[(p1, 0), (p0, 0), (p0, 0)])));
    seeds.push(("guest_open", open_script(0, &f.record, 200, &[])));
    seeds.push(("guest_open", open_script(1, &flip(&f.record, 100), 0, &[(p0, 0), (&f.claimed_record, 1)])));
    seeds.push(("guest_open", open_script(0, &f.record, 1, &[(&f.revocation_unclaimed, 2), (p0, 0)])));
    seeds.push((
        "guest_open",
        open_script(1, b"", 0, &[(&f.host_messages[0], 0), (&f.revocation_claimed, 2)]),
    ));
    seeds.push(("guest_open", open_script(0, &f.record, 0, &[(&flip(p0, 90), 0), (&f.claim, 0)])));

    // session_decrypt: party byte, envelope.
    let parties: [(u8, Vec<&Vec<u8>>); 6] = [
        (0, vec![&f.claim, &f.claim_text, &f.guest_messages[2]]),
        (1, vec![&f.pre_claim[0], &f.pre_claim[1], &f.confirmation]),
        (2, vec![&f.claim_text, &f.claim, &f.guest_messages[0]]),
        (3, vec![&f.confirmation, &f.host_messages[0], &f.pre_claim[1], &f.end_message]),
        (4, vec![&f.guest_messages[2], &f.guest_messages[3], &f.claim]),
        (5, vec![&f.host_messages[2], &f.host_messages[3], &f.end_message, &f.pre_claim[1]]),
    ];
    for (party, envelopes) in parties {
        for e in envelopes {
            seeds.push(("session_decrypt", [&[party][..], e].concat()));
        }
    }
    seeds.push(("session_decrypt", [&[5u8][..], &flip(&f.host_messages[2], 60)].concat()));
    seeds.push(("session_decrypt", [&[0u8][..], &flip(&f.claim, 20)].concat()));

    // snapshot: raw (mode 0 / min counter 1 => mode 2), and bodies sealed under the key (mode 1).
    let snapshots = [
        &f.identity_snapshot,
        &f.fresh.host,
        &f.fresh.guest,
        &f.unclaimed.host,
        &f.unclaimed.guest,
        &f.claimed.host,
        &f.claimed.guest,
        &f.talking.host,
        &f.talking.guest,
    ];
    for (i, s) in snapshots.iter().enumerate() {
        let mode = if i % 2 == 0 { 0 } else { 2 };
        seeds.push(("snapshot", [&[mode][..], s].concat()));
        let opened = snapshot_codec::open(&SNAPSHOT_KEY, s).expect("fixture snapshot opens");
        let selector = if opened.kind == snapshot_codec::KIND_HOST_IDENTITY { 1 } else { 0 };
        let counter = u8::try_from(opened.counter).expect("small counter");
        seeds.push(("snapshot", [&[1, opened.kind, selector, counter][..], &opened.body].concat()));
    }

    // interaction
    use Op::*;
    let scripts: Vec<Vec<Op>> = vec![
        vec![
            Claim,
            DeliverToHost(0),
            DeliverToGuest(0),
            GuestSend,
            DeliverToHost(0),
            HostSend,
            DeliverToGuest(0),
        ],
        vec![HostSend, HostSend, DeliverToGuest(1), Claim, GuestSend, DeliverToHost(1), DeliverToHost(0)]
            .into_iter()
            .chain([
                DeliverToGuest(0),
                DeliverToGuest(0),
                HostSend,
                DeliverToGuest(0),
                GuestSend,
                DeliverToHost(0),
            ])
            .collect(),
        vec![
            Claim,
            Duplicate(true, 0),
            DeliverToHost(0),
            DeliverToHost(0),
            DeliverToGuest(0),
            Duplicate(false, 0),
        ],
        vec![Claim, Flip(true, 0, 40, 0x80), DeliverToHost(1), DeliverToHost(0), Flip(false, 0, 70, 1)]
            .into_iter()
            .chain([DeliverToGuest(1), DeliverToGuest(0)])
            .collect(),
        vec![
            Claim,
            DeliverToHost(0),
            DeliverToGuest(0),
            GuestSend,
            GuestSend,
            GuestSend,
            Reorder(true, 0, 2),
        ]
        .into_iter()
        .chain([Drop(true, 1), DeliverToHost(0), DeliverToHost(0), HostSend, DeliverToGuest(0)])
        .collect(),
        // 63 + 17 * 64 lost messages: the skipped-key cap, then the gap limit.
        vec![Claim, DeliverToHost(0), DeliverToGuest(0), Burst(false, 63), GuestSend, DeliverToHost(0)]
            .into_iter()
            .chain([Burst(false, 63); 17])
            .chain([GuestSend, DeliverToHost(0), HostSend, DeliverToGuest(0)])
            .collect(),
        vec![HostSend, SaveGuest, SaveHost, DeliverToGuest(0), Claim, DeliverToHost(0), RestoreHost]
            .into_iter()
            .chain([DeliverToGuest(0), RestoreGuest, Claim, DeliverToHost(0), DeliverToGuest(0)])
            .collect(),
        vec![Claim, DeliverToHost(0), DeliverToGuest(0), GuestSend, SaveGuest, DeliverToHost(0), HostSend]
            .into_iter()
            .chain([
                DeliverToGuest(0),
                RestoreGuest,
                GuestSend,
                DeliverToHost(0),
                HostSend,
                DeliverToGuest(0),
            ])
            .collect(),
        vec![Claim, DeliverToHost(0), HostSend, Revoke, DeliverToGuest(1), DeliverToGuest(0), GuestSend]
            .into_iter()
            .chain([DeliverToHost(0), DeliverToGuest(0)])
            .collect(),
        vec![HostSend, Revoke, DeliverToGuest(0), Claim, DeliverToHost(0)],
        // Ping-pong past the receiving-chain cap with a late message from the first chain.
        vec![Claim, DeliverToHost(0), DeliverToGuest(0), GuestSend, GuestSend]
            .into_iter()
            .chain((0..7).flat_map(|_| [DeliverToHost(0), HostSend, DeliverToGuest(0), GuestSend]))
            .chain([DeliverToHost(0), DeliverToHost(0)])
            .collect(),
    ];
    for s in scripts {
        seeds.push(("interaction", encode_script(&s)));
    }

    // Seeds from the project's own test vectors (other keys than the fixture's, so they
    // exercise parsing and refusal paths; at most a dozen per suite to keep corpora small).
    let vectors = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    let suite = |name: &str| -> Vec<serde_json::Value> {
        let text = fs::read_to_string(vectors.join(format!("{name}.json"))).expect("test vectors");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("json");
        doc["cases"].as_array().expect("cases").clone()
    };
    let hex_field =
        |case: &serde_json::Value, field: &str| case[field].as_str().map(|h| hex::decode(h).expect("hex"));
    for case in suite("link").iter().take(12) {
        if let Some(link) = case["link"].as_str() {
            seeds.push(("link", link.as_bytes().to_vec()));
        }
    }
    for case in suite("record").iter().take(12) {
        seeds.extend(hex_field(case, "record").map(|r| ("envelope", r)));
    }
    for case in suite("envelope").iter().take(12) {
        seeds.extend(hex_field(case, "envelope").map(|e| ("envelope", e)));
    }
    for case in suite("snapshot").iter().take(12) {
        seeds.extend(hex_field(case, "snapshot").map(|s| ("snapshot", [&[0u8][..], &s].concat())));
    }
    // Version 1 snapshots (still read, SPEC §10.3): raw, and their bodies sealed under the key
    // with the kind byte's top bit set (the target's version 1 selector).
    for case in suite("v1/snapshot").iter().filter(|c| c["expect"] == "ok") {
        let Some(s) = hex_field(case, "snapshot") else { continue };
        seeds.push(("snapshot", [&[0u8][..], &s].concat()));
        if let Some(opened) = snapshot_codec::open(&SNAPSHOT_KEY, &s) {
            assert_eq!(opened.version, snapshot_codec::VERSION_1);
            // Selector 2: the object id follows (it is the vector's, not the fixture's).
            let counter = u8::try_from(opened.counter).expect("small counter");
            let head = [&[1, opened.kind | 0x80, 2][..], &opened.object_id, &[counter]].concat();
            seeds.push(("snapshot", [head.as_slice(), &opened.body].concat()));
            // What the target seals from that seed loads: the seed reaches past the parser.
            let resealed = snapshot_codec::seal(
                &SNAPSHOT_KEY,
                snapshot_codec::VERSION_1,
                opened.kind,
                &opened.object_id,
                u64::from(counter),
                [7; 16],
                &opened.body,
            );
            let key = guestlink::SnapshotKey::from_bytes(SNAPSHOT_KEY);
            let loads = match opened.kind {
                snapshot_codec::KIND_HOST_IDENTITY => {
                    guestlink::HostIdentity::from_snapshot(&resealed, &key, 0).is_ok()
                }
                snapshot_codec::KIND_HOST_SESSION => {
                    guestlink::HostSession::from_snapshot(&resealed, &key, 0).is_ok()
                }
                snapshot_codec::KIND_OPENED_INVITE => {
                    guestlink::OpenedInvite::from_snapshot(&resealed, &key, 0).is_ok()
                }
                _ => guestlink::GuestSession::from_snapshot(&resealed, &key, 0).is_ok(),
            };
            assert!(loads, "the version 1 seed of {} loads", case["name"]);
        }
    }

    for (name, _) in TARGETS {
        fs::create_dir_all(root.join(name)).expect("mkdir");
    }
    for (target, bytes) in seeds {
        write_seed(&root.join(target), &bytes);
    }
    println!("seed corpora written under {}", root.display());
}

fn fixture_host_key(fragment: &str) -> Vec<u8> {
    guestlink::InviteLink::from_fragment(fragment)
        .expect("fixture fragment")
        .host_identity()
        .as_bytes()
        .to_vec()
}

fn write_seed(dir: &Path, bytes: &[u8]) {
    let digest = Sha256::digest(bytes);
    let name: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
}
