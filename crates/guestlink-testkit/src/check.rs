//! Checks vector files against the library (and, for key material, against the model). Used by
//! this crate's tests; any other implementation can follow the same steps.

use guestlink::{
    Error, GuestReceived, GuestSession, HostReceived, HostSession, InviteLink, OpenedInvite, SnapshotKey,
};
use serde_json::Value;

use crate::generate::{load_snapshot, replay_error};
use crate::model;
use crate::rng::Recorder;

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap_or_else(|| panic!("not a hex string: {v}"))).expect("hex")
}

fn b32(v: &Value) -> [u8; 32] {
    bytes(v).try_into().expect("32 bytes")
}

fn expect_outcome<T: std::fmt::Debug>(case: &Value, r: &Result<T, Error>) {
    let name = &case["name"];
    let want = case["expect"].as_str().expect("expect");
    let code = case["code"].as_u64().expect("code");
    match r {
        Ok(_) => assert_eq!((want, code), ("ok", 0), "{name}: got Ok"),
        Err(e) => {
            assert_eq!((want, code), (e.name(), u64::from(e.code())), "{name}: got {e:?}");
            assert_eq!(Error::from_code(e.code()), Some(*e));
        }
    }
}

fn cases(doc: &Value) -> &Vec<Value> {
    doc["cases"].as_array().expect("cases")
}

/// Checks one suite; returns the number of cases checked.
pub fn suite(name: &str, doc: &Value) -> usize {
    assert_eq!(doc["suite"], name);
    assert_eq!(doc["version"], 1);
    let cs = cases(doc);
    assert!(!cs.is_empty(), "{name} has no cases");
    for c in cs {
        match name {
            "kdf" => kdf(c),
            "link" => link(c),
            "record" => record(c),
            "envelope" => {
                let r = replay_error(
                    c["party"].as_str().expect("party"),
                    &bytes(&c["state"]),
                    c["now"].as_u64().expect("now"),
                    &bytes(&c["envelope"]),
                );
                expect_outcome(c, &r);
            }
            "conversation" => conversation(c),
            "snapshot" => {
                let key = SnapshotKey::from_bytes(b32(&c["snapshot_key"]));
                let r = load_snapshot(
                    c["kind"].as_str().expect("kind"),
                    &bytes(&c["snapshot"]),
                    &key,
                    c["min_counter"].as_u64().expect("min"),
                );
                expect_outcome(c, &r);
                if let Ok((counter, id)) = r {
                    assert_eq!(c["counter"].as_u64(), Some(counter));
                    assert_eq!(bytes(&c["object_id"]), id);
                }
            }
            other => panic!("unknown suite {other}"),
        }
    }
    cs.len()
}

fn kdf(c: &Value) {
    match c["name"].as_str().expect("name") {
        "link-derivation" => {
            let d = model::derive_link(&b32(&c["invite_secret"]), &b32(&c["host_identity"]));
            assert_eq!(bytes(&c["prk"]), d.prk);
            assert_eq!(bytes(&c["guest_initial_sk"]), d.guest_initial_sk);
            assert_eq!(bytes(&c["guest_initial_pk"]), d.guest_initial_pk);
            assert_eq!(bytes(&c["mailbox_id"]), d.mailbox_id);
            assert_eq!(bytes(&c["link_mailbox_seed"]), d.link_mailbox_seed);
            assert_eq!(bytes(&c["link_mailbox_pk"]), d.link_mailbox_pk);
            let link = InviteLink::from_fragment(c["fragment"].as_str().expect("fragment"))
                .expect("the library parses it");
            assert_eq!(link.mailbox_id().as_bytes(), &d.mailbox_id);
            assert_eq!(link.mailbox_public_key().as_bytes(), &d.link_mailbox_pk);
        }
        "root-init" => {
            let (rk, ck) = model::root_init(&b32(&c["record_hash"]), &b32(&c["dh"]));
            assert_eq!((bytes(&c["root_key"]), bytes(&c["chain_key"])), (rk.to_vec(), ck.to_vec()));
        }
        "root-step" => {
            let (rk, ck) = model::root_step(&b32(&c["root_key"]), &b32(&c["dh"]));
            assert_eq!((bytes(&c["next_root_key"]), bytes(&c["chain_key"])), (rk.to_vec(), ck.to_vec()));
        }
        "chain" => {
            let steps = c["steps"].as_array().expect("steps");
            for w in steps.windows(2) {
                let (mk, next) = model::chain_step(&b32(&w[0]["chain_key"]));
                assert_eq!(bytes(&w[0]["message_key"]), mk);
                assert_eq!(bytes(&w[1]["chain_key"]), next);
            }
        }
        "aead-key-v1" => aead_key_v1(c),
        "safety-code" => {
            let mb: [u8; 16] = bytes(&c["mailbox_id"]).try_into().expect("16");
            let (long, short, qr) = model::safety_code(
                &mb,
                &b32(&c["host_identity"]),
                &b32(&c["record_hash"]),
                &b32(&c["claim_key"]),
                &b32(&c["guest_mailbox_pk"]),
            );
            assert_eq!(c["long"], long);
            assert_eq!(c["short"], short);
            assert_eq!(bytes(&c["qr"]), qr);
        }
        "padding" => {
            for l in c["lengths"].as_array().expect("lengths") {
                let len = l["len"].as_u64().expect("len") as usize;
                let padded = l["padded"].as_u64().expect("padded") as usize;
                assert_eq!(model::padded_len(len.max(1)), padded);
                assert_eq!(guestlink::padded_len(len), padded, "library padding of {len}");
            }
        }
        "host-seed" => {
            let h = model::derive_host_seed(&b32(&c["host_seed"]));
            for (field, value) in [
                ("h0_sk", h.h0_sk),
                ("h0_pk", h.h0_pk),
                ("keys_seed", h.keys_seed),
                ("invite_seed", h.invite_seed),
                ("invite_pk", h.invite_pk),
                ("host_mailbox_seed", h.host_mailbox_seed),
                ("host_mailbox_pk", h.host_mailbox_pk),
            ] {
                assert_eq!(bytes(&c[field]), value, "host-seed {field}");
            }
        }
        other => panic!("unknown kdf case {other}"),
    }
}

/// SPEC §7.3, version 1: `K = HMAC(MK, label || salt)`, `N = salt[0..12]`.
fn aead_key_v1(c: &Value) {
    let salt: [u8; 16] = bytes(&c["salt"]).try_into().expect("16");
    assert_eq!(bytes(&c["aead_key"]), model::aead_key_v1(&b32(&c["message_key"]), &salt));
    assert_eq!(bytes(&c["nonce"]), salt[..12]);
}

fn link(c: &Value) {
    let text = c["link"].as_str().expect("link");
    let r = if c["fragment_only"].as_bool() == Some(true) {
        InviteLink::from_fragment(text)
    } else {
        InviteLink::parse(text)
    };
    expect_outcome(c, &r);
    if let Ok(l) = r {
        assert_eq!(bytes(&c["mailbox_id"]), l.mailbox_id().as_bytes());
        assert_eq!(bytes(&c["host_identity"]), l.host_identity().as_bytes());
        assert_eq!(bytes(&c["link_mailbox_pk"]), l.mailbox_public_key().as_bytes());
    }
}

fn record(c: &Value) {
    let rec = bytes(&c["record"]);
    let r = InviteLink::parse(c["link"].as_str().expect("link"))
        .expect("link")
        .open(&rec, c["now"].as_u64().expect("now"));
    expect_outcome(c, &r);
    if r.is_ok() {
        assert_eq!(bytes(&c["record_hash"]), model::record_hash(&rec));
        assert_eq!(guestlink::InviteRecord::parse(&rec).expect("parse").hash(), model::record_hash(&rec));
    }
}

/// The keys listed for an envelope obey SPEC §7.3 and decrypt it (SPEC §7.4, §6.4).
fn check_keys(keys: &Value, envelope: &[u8], text: Option<&str>) {
    let e = model::parse_envelope(envelope).expect("envelope layout");
    let (mk, _) = model::chain_step(&b32(&keys["chain_key"]));
    assert_eq!(bytes(&keys["message_key"]), mk);
    let (k, nonce) = e.keying.key_and_nonce(&mk);
    assert_eq!(bytes(&keys["aead_key"]), k);
    assert_eq!(bytes(&keys["nonce"]), nonce);
    let ad = bytes(&keys["ad"]);
    assert_eq!(&ad[33..], e.prefix, "the AD ends with the envelope prefix");
    let pt = model::aead_open(&b32(&keys["aead_key"]), &nonce, &ad, e.sealed)
        .expect("listed keys decrypt the envelope");
    assert_eq!(bytes(&keys["padded_plaintext"]), pt);
    let (ty, body) = model::unpad(&pt).expect("canonical padding");
    if let Some(t) = text {
        assert_eq!((ty, body.as_slice()), (0x01, t.as_bytes()));
    }
}

fn host_received(v: &HostReceived) -> Value {
    match v {
        HostReceived::Claimed(a) => {
            serde_json::json!({ "kind": "claimed", "text": a.text, "safety_code": a.safety_code.long_form() })
        }
        HostReceived::Text(t) => serde_json::json!({ "kind": "text", "text": t }),
        HostReceived::Join => serde_json::json!({ "kind": "join" }),
        _ => serde_json::json!({ "kind": "unknown" }),
    }
}

fn guest_received(v: &GuestReceived) -> Value {
    match v {
        GuestReceived::Text(t) => serde_json::json!({ "kind": "text", "text": t }),
        GuestReceived::Confirmed => serde_json::json!({ "kind": "confirmed" }),
        GuestReceived::Ended => serde_json::json!({ "kind": "ended" }),
        _ => serde_json::json!({ "kind": "unknown" }),
    }
}

fn conversation(c: &Value) {
    let key = SnapshotKey::from_bytes(b32(&c["snapshot_key"]));
    let now = c["now"].as_u64().expect("now");
    let record = bytes(&c["record"]);
    InviteLink::parse(c["link"].as_str().expect("link"))
        .expect("link")
        .open(&record, now)
        .expect("the record opens");
    for step in c["steps"].as_array().expect("steps") {
        let op = step["op"].as_str().expect("op");
        let env = bytes(
            &step["envelope"]
                .clone()
                .as_str()
                .map(Value::from)
                .unwrap_or_else(|| step["end_message"].clone()),
        );
        match op {
            "host_encrypt" | "guest_encrypt" => check_keys(&step["keys"], &env, step["text"].as_str()),
            "guest_claim" => {
                check_keys(&step["keys"], &env, None);
                let g = GuestSession::from_snapshot(&bytes(&step["guest_snapshot"]), &key, 0)
                    .expect("guest snapshot");
                assert_eq!(step["safety_code"]["long"], g.safety_code().long_form());
                assert_eq!(step["safety_code"]["short"], g.safety_code().short_form());
            }
            "host_revoke" => {
                if step.get("keys").is_some() {
                    check_keys(&step["keys"], &bytes(&step["end_message"]), None);
                }
            }
            "host_decrypt" => {
                let mut h =
                    HostSession::from_snapshot(&bytes(&step["state_before"]), &key, 0).expect("host state");
                let r = h.decrypt(&mut Recorder::new(0), now, &env);
                expect_outcome(step, &r);
                if let Ok(v) = &r {
                    assert_eq!(step["received"], host_received(v));
                }
                if let Some(k) = step.get("confirmation_keys") {
                    check_keys(k, &bytes(&step["confirmation"]), None);
                }
            }
            "opened_decrypt" => {
                let mut o = OpenedInvite::from_snapshot(&bytes(&step["state_before"]), &key, 0)
                    .expect("opened state");
                let r = o.decrypt(&env);
                expect_outcome(step, &r);
                if let Ok(v) = &r {
                    assert_eq!(step["received"], guest_received(v));
                }
            }
            "guest_decrypt" => {
                let mut g =
                    GuestSession::from_snapshot(&bytes(&step["state_before"]), &key, 0).expect("guest state");
                let r = g.decrypt(&env);
                expect_outcome(step, &r);
                if let Ok(v) = &r {
                    assert_eq!(step["received"], guest_received(v));
                }
            }
            other => panic!("unknown op {other}"),
        }
    }
}
