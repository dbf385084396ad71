//! Builds every vector suite from fixed seeds. Each expected outcome is asserted against the
//! library while generating, so a behaviour change fails generation instead of silently
//! rewriting the vectors.

use base64ct::{Base64UrlUnpadded, Encoding};
use ed25519_dalek::{Signer, SigningKey};
use guestlink::{
    Error, GuestReceived, GuestSession, HostIdentity, HostReceived, HostSession, InviteLink, OpenedInvite,
    SnapshotKey,
};
use serde_json::{Value, json};

use crate::hx;
use crate::model::{self, Conversation};
use crate::model_snapshot;
use crate::rng::Recorder;

/// The fixed clock of every vector.
pub const NOW: u64 = 1_800_000_000;
/// Invites in the vectors live one day.
pub const TTL: u64 = 86_400;
/// Base URL of every generated link.
pub const BASE: &str = "https://chat.example/g";
/// The snapshot key of every vector (its bytes are printed in the files).
pub const SNAPSHOT_KEY: [u8; 32] = [0x5a; 32];

fn suite(name: &str, cases: Vec<Value>) -> Value {
    json!({ "suite": name, "version": 1, "cases": cases })
}

fn outcome<T>(r: &Result<T, Error>) -> Value {
    match r {
        Ok(_) => json!({ "expect": "ok", "code": 0 }),
        Err(e) => json!({ "expect": e.name(), "code": e.code() }),
    }
}

fn merge(mut a: Value, b: Value) -> Value {
    if let (Some(a), Value::Object(b)) = (a.as_object_mut(), b) {
        a.extend(b);
    }
    a
}

fn assert_err<T>(r: &Result<T, Error>, want: Error, what: &str) {
    match r {
        Err(e) if *e == want => {}
        Err(e) => panic!("{what}: expected {want:?}, got {e:?}"),
        Ok(_) => panic!("{what}: expected {want:?}, got Ok"),
    }
}

/// Every suite, by file name.
pub fn all() -> Vec<(&'static str, Value)> {
    vec![
        ("kdf", kdf()),
        ("link", link()),
        ("record", record()),
        ("envelope", envelope()),
        ("conversation", conversation()),
        ("snapshot", snapshot()),
    ]
}

/// The JSON text of a suite as written to disk.
pub fn render(v: &Value) -> String {
    let mut s = serde_json::to_string_pretty(v).expect("serialisable");
    s.push('\n');
    s
}

// ---------------------------------------------------------------- kdf

fn kdf() -> Value {
    let secret: [u8; 32] = std::array::from_fn(|i| i as u8 + 1);
    let host = SigningKey::from_bytes(&[0x42; 32]).verifying_key().to_bytes();
    let d = model::derive_link(&secret, &host);
    let capsule = [&[1u8][..], &secret, &host].concat();
    let link_case = json!({
        "name": "link-derivation",
        "invite_secret": hx(secret), "host_identity": hx(host), "capsule": hx(&capsule),
        "fragment": Base64UrlUnpadded::encode_string(&capsule),
        "prk": hx(d.prk), "guest_initial_sk": hx(d.guest_initial_sk), "guest_initial_pk": hx(d.guest_initial_pk),
        "mailbox_id": hx(d.mailbox_id), "link_mailbox_seed": hx(d.link_mailbox_seed), "link_mailbox_pk": hx(d.link_mailbox_pk),
    });
    let record_hash = [0x11u8; 32];
    let dh = [0x22u8; 32];
    let (rk0, ck0) = model::root_init(&record_hash, &dh);
    let (rk1, ck1) = model::root_step(&rk0, &[0x33; 32]);
    let mut chain = vec![];
    let mut ck = ck1;
    let mut last_mk = [0u8; 32];
    for n in 0..3 {
        let (mk, next) = model::chain_step(&ck);
        chain.push(json!({ "n": n, "chain_key": hx(ck), "message_key": hx(mk) }));
        ck = next;
        last_mk = mk;
    }
    // Version 2 encrypts under the message key itself; version 1's derivation is kept for
    // readers of version 1 envelopes (SPEC §7.3, §17).
    let salt = [0x5au8; 16];
    let v1_case = json!({ "name": "aead-key-v1", "message_key": hx(last_mk), "salt": hx(salt),
        "aead_key": hx(model::aead_key_v1(&last_mk, &salt)), "nonce": hx(&salt[..12]) });
    let (long, short, qr) = model::safety_code(&[1; 16], &[2; 32], &[3; 32], &[4; 32], &[5; 32]);
    let host_seed: [u8; 32] = std::array::from_fn(|i| 0xa0 ^ i as u8);
    let h = model::derive_host_seed(&host_seed);
    let host_seed_case = json!({ "name": "host-seed", "host_seed": hx(host_seed), "h0_sk": hx(h.h0_sk), "h0_pk": hx(h.h0_pk),
        "keys_seed": hx(h.keys_seed), "invite_seed": hx(h.invite_seed), "invite_pk": hx(h.invite_pk),
        "host_mailbox_seed": hx(h.host_mailbox_seed), "host_mailbox_pk": hx(h.host_mailbox_pk) });
    let lens: Vec<Value> = [0usize, 2, 64, 65, 100, 1000, 1025, 4096, 65_538]
        .iter()
        .map(|&l| json!({ "len": l, "padded": model::padded_len(l.max(1)) }))
        .collect();
    suite(
        "kdf",
        vec![
            link_case,
            json!({ "name": "root-init", "record_hash": hx(record_hash), "dh": hx(dh), "root_key": hx(rk0), "chain_key": hx(ck0) }),
            json!({ "name": "root-step", "root_key": hx(rk0), "dh": hx([0x33u8; 32]), "next_root_key": hx(rk1), "chain_key": hx(ck1) }),
            json!({ "name": "chain", "steps": chain }),
            v1_case,
            json!({ "name": "safety-code", "mailbox_id": hx([1u8; 16]), "host_identity": hx([2u8; 32]), "record_hash": hx([3u8; 32]),
                    "claim_key": hx([4u8; 32]), "guest_mailbox_pk": hx([5u8; 32]), "long": long, "short": short, "qr": hx(qr) }),
            json!({ "name": "padding", "lengths": lens }),
            host_seed_case,
        ],
    )
}

// ---------------------------------------------------------------- link

fn link_with(capsule: &[u8]) -> String {
    format!("{BASE}#{}", Base64UrlUnpadded::encode_string(capsule))
}

fn link() -> Value {
    let mut cases = vec![];
    for (seed, base) in [(1u64, BASE), (2, "https://support.example.com/chat?lang=en"), (3, "")] {
        let mut rng = Recorder::new(seed);
        let id = HostIdentity::generate(&mut rng);
        let inv = id.create_invite(&mut rng, NOW, NOW + TTL, base).expect("invite");
        let l = InviteLink::parse(inv.link.as_str()).expect("parse");
        cases.push(
            json!({ "name": format!("valid-{seed}"), "link": inv.link.as_str(), "expect": "ok", "code": 0,
            "mailbox_id": hx(l.mailbox_id().as_bytes()), "host_identity": hx(l.host_identity().as_bytes()),
            "link_mailbox_pk": hx(l.mailbox_public_key().as_bytes()) }),
        );
    }
    let secret = [7u8; 32];
    let host = SigningKey::from_bytes(&[9; 32]).verifying_key().to_bytes();
    let capsule = [&[1u8][..], &secret, &host].concat();
    let good = link_with(&capsule);
    let frag = good.split_once('#').map(|(_, f)| f.to_owned()).expect("fragment");
    let fragment_only = format!("#{frag}");
    let mut bad: Vec<(&str, String, Error)> = vec![
        ("no-fragment", BASE.to_owned(), Error::LinkMissingFragment),
        ("secret-in-query", format!("{BASE}?k={frag}"), Error::SecretOutsideFragment),
        ("secret-in-path-too", format!("{BASE}/{frag}#{frag}"), Error::SecretOutsideFragment),
        ("short", good[..good.len() - 1].to_owned(), Error::LinkMalformed),
        ("long", format!("{good}A"), Error::LinkMalformed),
        ("padded", format!("{good}="), Error::LinkMalformed),
        (
            "bad-char",
            good.replacen(&frag[..1], "+", 1).replace(&format!("g#{}", &frag[..1]), "g#+"),
            Error::LinkMalformed,
        ),
        ("space-in-base", format!("https://a b#{frag}"), Error::InvalidArgument),
    ];
    // The last character carries 2 unused bits: setting them is a non-canonical encoding.
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = frag.as_bytes()[86];
    let v = alphabet.iter().position(|&c| c == last).expect("in alphabet");
    let mut noncanon = good.clone().into_bytes();
    let at = noncanon.len() - 1;
    noncanon[at] = alphabet[v | 1];
    bad.push(("non-canonical-tail", String::from_utf8(noncanon).expect("ascii"), Error::LinkMalformed));
    let mut v2 = capsule.clone();
    v2[0] = 2;
    bad.push(("version-2", link_with(&v2), Error::LinkVersionUnsupported));
    let mut weak = capsule.clone();
    weak[33..].copy_from_slice(&{
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    });
    bad.push(("weak-host-key", link_with(&weak), Error::InvalidKey));
    let mut noncanonical_key = capsule.clone();
    noncanonical_key[33..].copy_from_slice(&{
        let mut p = [0xffu8; 32];
        p[0] = 0xee;
        p[31] = 0x7f;
        p
    });
    bad.push(("non-canonical-host-key", link_with(&noncanonical_key), Error::InvalidKey));
    let not_point = (0u8..=255)
        .map(|b| {
            let mut p = [0u8; 32];
            p[0] = b;
            p[1] = 0x55;
            p
        })
        .find(|p| ed25519_dalek::VerifyingKey::from_bytes(p).is_err())
        .expect("some y is off the curve");
    let mut off = capsule.clone();
    off[33..].copy_from_slice(&not_point);
    bad.push(("host-key-not-a-point", link_with(&off), Error::InvalidKey));
    cases.push(json!({ "name": "fragment-only", "link": fragment_only, "fragment_only": true, "expect": "ok", "code": 0,
        "mailbox_id": hx(model::derive_link(&secret, &host).mailbox_id), "host_identity": hx(host),
        "link_mailbox_pk": hx(model::derive_link(&secret, &host).link_mailbox_pk) }));
    for (name, text, want) in bad {
        let r = InviteLink::parse(&text);
        assert_err(&r, want, name);
        cases.push(merge(json!({ "name": name, "link": text }), outcome(&r)));
    }
    suite("link", cases)
}

// ---------------------------------------------------------------- record

/// A hand-built invite, signed by the generator's own identity key (SPEC §5.1).
struct HandInvite {
    identity: SigningKey,
    secret: [u8; 32],
    fields: [[u8; 32]; 5], // invite, host mailbox, link mailbox, guest initial, host ratchet
    mailbox_id: [u8; 16],
    created: u64,
    expires: u64,
    suite: u8,
}

impl HandInvite {
    fn new(seed: u8) -> Self {
        let identity = SigningKey::from_bytes(&[seed; 32]);
        let secret = [seed.wrapping_add(1); 32];
        let d = model::derive_link(&secret, &identity.verifying_key().to_bytes());
        let ed = |b: u8| SigningKey::from_bytes(&[b; 32]).verifying_key().to_bytes();
        HandInvite {
            fields: [
                ed(seed ^ 0x10),
                ed(seed ^ 0x20),
                d.link_mailbox_pk,
                d.guest_initial_pk,
                model::x25519_base(&[seed ^ 0x30; 32]),
            ],
            identity,
            secret,
            mailbox_id: d.mailbox_id,
            created: NOW - 60,
            expires: NOW + TTL,
            suite: 1,
        }
    }

    fn link(&self) -> String {
        link_with(&[&[1u8][..], &self.secret, &self.identity.verifying_key().to_bytes()].concat())
    }

    fn unsigned(&self) -> Vec<u8> {
        let mut r = vec![1u8, 1];
        r.extend_from_slice(&self.mailbox_id);
        r.push(self.suite);
        r.extend_from_slice(&self.identity.verifying_key().to_bytes());
        for f in &self.fields {
            r.extend_from_slice(f);
        }
        r.extend_from_slice(&self.created.to_be_bytes());
        r.extend_from_slice(&self.expires.to_be_bytes());
        r
    }

    fn record(&self) -> Vec<u8> {
        let mut r = self.unsigned();
        let sig = self.identity.sign(&[model::label::SIG_INVITE_RECORD, &r].concat());
        r.extend_from_slice(&sig.to_bytes());
        r
    }
}

fn record() -> Value {
    let mut cases = vec![];
    let mut push = |name: &str, link: &str, rec: &[u8], now: u64, want: Option<Error>| {
        let r = InviteLink::parse(link).expect("link").open(rec, now);
        match want {
            Some(e) => assert_err(&r, e, name),
            None => assert!(r.is_ok(), "{name}: {:?}", r.err()),
        }
        let mut case =
            merge(json!({ "name": name, "link": link, "record": hx(rec), "now": now }), outcome(&r));
        if r.is_ok() {
            case["record_hash"] = json!(hx(model::record_hash(rec)));
        }
        cases.push(case);
    };
    // A library-made record must equal the model's rebuild from the same randomness.
    let mut rng = Recorder::new(10);
    let id = HostIdentity::generate(&mut rng);
    let id_seed: [u8; 32] = rng.take()[0].clone().try_into().expect("32");
    let inv = id.create_invite(&mut rng, NOW, NOW + TTL, BASE).expect("invite");
    let draws = rng.take();
    let mut rebuilt = HandInvite::new(0);
    rebuilt.identity = SigningKey::from_bytes(&id_seed);
    rebuilt.secret = draws[0].clone().try_into().expect("32");
    let d = model::derive_link(&rebuilt.secret, &rebuilt.identity.verifying_key().to_bytes());
    assert_eq!(draws.len(), 2, "an invite draws its link secret and its host_seed (SPEC §12.1)");
    let h = model::derive_host_seed(&draws[1].clone().try_into().expect("32"));
    rebuilt.fields = [h.invite_pk, h.host_mailbox_pk, d.link_mailbox_pk, d.guest_initial_pk, h.h0_pk];
    rebuilt.mailbox_id = d.mailbox_id;
    rebuilt.created = NOW;
    rebuilt.expires = NOW + TTL;
    assert_eq!(rebuilt.record(), inv.record, "the model rebuilds the library's invite record");
    push("library-record", inv.link.as_str(), &inv.record, NOW, None);

    let h = HandInvite::new(20);
    let (link, rec) = (h.link(), h.record());
    push("valid", &link, &rec, NOW, None);
    push("at-skew-edge", &link, &rec, h.expires + 299, None);
    push("expired", &link, &rec, h.expires + 300, Some(Error::InviteExpired));
    let mut sig = rec.clone();
    sig[290] ^= 1;
    push("bad-signature", &link, &sig, NOW, Some(Error::BadSignature));
    push("truncated", &link, &rec[..290], NOW, Some(Error::EnvelopeMalformed));
    push("trailing-byte", &link, &[rec.as_slice(), &[0]].concat(), NOW, Some(Error::EnvelopeMalformed));
    let mut v2 = rec.clone();
    v2[0] = 2;
    push("version-2", &link, &v2, NOW, Some(Error::VersionUnsupported));
    let mut ty = rec.clone();
    ty[1] = 2;
    push("wrong-type", &link, &ty, NOW, Some(Error::UnexpectedMessageType));
    let mut s2 = HandInvite::new(20);
    s2.suite = 2;
    push("suite-2", &link, &s2.record(), NOW, Some(Error::VersionUnsupported));
    push(
        "another-invite-same-host",
        &link,
        &{
            let mut o = HandInvite::new(20);
            o.secret = [0x77; 32];
            let d = model::derive_link(&o.secret, &o.identity.verifying_key().to_bytes());
            o.mailbox_id = d.mailbox_id;
            o.fields[2] = d.link_mailbox_pk;
            o.fields[3] = d.guest_initial_pk;
            o.record()
        },
        NOW,
        Some(Error::RecordMismatch),
    );
    push(
        "another-host",
        &link,
        &{
            let mut o = HandInvite::new(20);
            o.identity = SigningKey::from_bytes(&[0x99; 32]);
            o.record()
        },
        NOW,
        Some(Error::RecordMismatch),
    );
    let mut weak = HandInvite::new(20);
    weak.fields[1] = {
        let mut p = [0u8; 32];
        p[0] = 1;
        p
    };
    push("weak-host-mailbox-key", &link, &weak.record(), NOW, Some(Error::InvalidKey));
    let mut nc = HandInvite::new(20);
    nc.fields[4] = {
        let mut p = [0xffu8; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        p
    };
    push("non-canonical-host-ratchet", &link, &nc.record(), NOW, Some(Error::InvalidKey));
    let mut lo = HandInvite::new(20);
    lo.fields[4] = [0u8; 32];
    push("low-order-host-ratchet", &link, &lo.record(), NOW, Some(Error::WeakSharedSecret));
    let mut ex = HandInvite::new(20);
    ex.expires = ex.created;
    push("expiry-not-after-creation", &link, &ex.record(), NOW, Some(Error::EnvelopeMalformed));
    suite("record", cases)
}

// ---------------------------------------------------------------- sessions

fn skey() -> SnapshotKey {
    SnapshotKey::from_bytes(SNAPSHOT_KEY)
}

/// A two-party run: the library's sessions, the model following along from the recorded
/// randomness, and a separate RNG for snapshots so they do not disturb the conversation.
struct Run {
    rng: Recorder,
    snap_rng: Recorder,
    host: HostSession,
    link: String,
    record: Vec<u8>,
    model: Conversation,
    guest_initial_pk: [u8; 32],
    host_identity: [u8; 32],
    mailbox_id: [u8; 16],
    create_random: Vec<Vec<u8>>,
}

fn arr(v: &[u8]) -> [u8; 32] {
    v.try_into().expect("32 bytes")
}

impl Run {
    fn new(seed: u64) -> Self {
        let mut rng = Recorder::new(seed);
        let id = HostIdentity::generate(&mut rng);
        rng.take();
        let inv = id.create_invite(&mut rng, NOW, NOW + TTL, BASE).expect("invite");
        let draws = rng.take();
        let host_identity = id.public_key().to_bytes();
        let d = model::derive_link(&arr(&draws[0]), &host_identity);
        let record_hash = model::record_hash(&inv.record);
        assert_eq!(record_hash, inv.session.record_hash(), "record hash");
        let h0 = model::derive_host_seed(&arr(&draws[1])).h0_sk;
        let model = Conversation::new(record_hash, h0, d.guest_initial_sk);
        Run {
            rng,
            snap_rng: Recorder::new(seed ^ 0xdead),
            host: inv.session,
            link: inv.link.as_str().to_owned(),
            record: inv.record,
            model,
            guest_initial_pk: d.guest_initial_pk,
            host_identity,
            mailbox_id: d.mailbox_id,
            create_random: draws,
        }
    }

    /// Follows a send in the model: a 48-byte draw means a DH step with a fresh key.
    fn follow(&mut self, from_host: bool, draws: &[Vec<u8>]) {
        let keys: Vec<&Vec<u8>> = draws.iter().filter(|d| d.len() == 32).collect();
        if let Some(k) = keys.last() {
            self.model.step(from_host, arr(k));
        }
    }

    fn keys_json(&self, envelope: &[u8], from_host: bool) -> Value {
        let k = self.model.open(envelope, from_host).expect("the model decrypts the library's envelope");
        json!({ "root_key": hx(k.root_key), "chain_key": hx(k.chain_key), "message_key": hx(k.message_key),
                "aead_key": hx(k.aead_key), "nonce": hx(k.nonce), "ad": hx(&k.ad), "padded_plaintext": hx(&k.plaintext) })
    }

    fn host_snapshot(&mut self) -> String {
        hx(self.host.snapshot(&mut self.snap_rng, &skey()))
    }
}

fn received_json(r: &GuestReceived) -> Value {
    match r {
        GuestReceived::Text(t) => json!({ "kind": "text", "text": t }),
        GuestReceived::Confirmed => json!({ "kind": "confirmed" }),
        GuestReceived::Ended => json!({ "kind": "ended" }),
        _ => json!({ "kind": "unknown" }),
    }
}

// ---------------------------------------------------------------- conversation

/// Records a conversation step by step. `steps` is the vector; every decrypt step carries the
/// receiver's snapshot from just before it, so any implementation can replay it on its own.
struct Script {
    run: Run,
    opened: Option<OpenedInvite>,
    guest: Option<GuestSession>,
    steps: Vec<Value>,
}

impl Script {
    fn new(seed: u64) -> Self {
        let run = Run::new(seed);
        let opened = InviteLink::parse(&run.link).expect("link").open(&run.record, NOW).expect("open");
        Script { run, opened: Some(opened), guest: None, steps: vec![] }
    }

    fn host_encrypt(&mut self, text: &str) -> Vec<u8> {
        let e = self.run.host.encrypt(&mut self.run.rng, NOW, text).expect("host encrypt");
        let draws = self.run.rng.take();
        self.run.follow(true, &draws);
        let keys = self.run.keys_json(&e, true);
        self.steps.push(
            json!({ "op": "host_encrypt", "text": text, "random": draws.iter().map(hx).collect::<Vec<_>>(),
            "envelope": hx(&e), "keys": keys }),
        );
        e
    }

    fn guest_encrypt(&mut self, text: &str) -> Vec<u8> {
        let g = self.guest.as_mut().expect("claimed");
        let e = g.encrypt(&mut self.run.rng, text).expect("guest encrypt");
        let draws = self.run.rng.take();
        self.run.follow(false, &draws);
        let keys = self.run.keys_json(&e, false);
        self.steps.push(
            json!({ "op": "guest_encrypt", "text": text, "random": draws.iter().map(hx).collect::<Vec<_>>(),
            "envelope": hx(&e), "keys": keys }),
        );
        e
    }

    fn claim(&mut self) -> Vec<u8> {
        let opened = self.opened.take().expect("opened");
        let (g, e) = opened.claim(&mut self.run.rng, NOW).expect("claim");
        let draws = self.run.rng.take();
        let gm = g.mailbox_public_key().to_bytes();
        self.run.model.session_id = Some(model::session_id(&self.run.model.record_hash, &g.claim_key(), &gm));
        self.run.follow(false, &draws);
        let (long, short, qr) = model::safety_code(
            &self.run.mailbox_id,
            &self.run.host_identity,
            &self.run.model.record_hash,
            &g.claim_key(),
            &gm,
        );
        assert_eq!(g.safety_code().long_form(), long);
        assert_eq!(g.safety_code().short_form(), short);
        assert_eq!(g.safety_code().qr_payload(), qr);
        let keys = self.run.keys_json(&e, false);
        let mut g = g;
        let snap = hx(g.snapshot(&mut self.run.snap_rng, &skey()));
        self.steps.push(json!({ "op": "guest_claim", "random": draws.iter().map(hx).collect::<Vec<_>>(), "envelope": hx(&e),
            "keys": keys, "safety_code": { "long": long, "short": short, "qr": hx(qr) }, "guest_snapshot": snap }));
        self.guest = Some(g);
        e
    }

    fn host_decrypt(&mut self, e: &[u8]) -> Result<(), Error> {
        let before = self.run.host_snapshot();
        let r = self.run.host.decrypt(&mut self.run.rng, NOW, e);
        let draws = self.run.rng.take();
        let mut step =
            merge(json!({ "op": "host_decrypt", "envelope": hx(e), "state_before": before }), outcome(&r));
        match &r {
            Ok(HostReceived::Claimed(acc)) => {
                self.run.follow(true, &draws);
                let keys = self.run.keys_json(&acc.confirmation, true);
                step["received"] = json!({ "kind": "claimed", "text": acc.text, "safety_code": acc.safety_code.long_form() });
                step["random"] = json!(draws.iter().map(hx).collect::<Vec<_>>());
                step["confirmation"] = json!(hx(&acc.confirmation));
                step["confirmation_keys"] = keys;
                step["claimed_record"] = json!(hx(&acc.claimed_record));
            }
            Ok(HostReceived::Text(t)) => step["received"] = json!({ "kind": "text", "text": t }),
            Ok(HostReceived::Join) => step["received"] = json!({ "kind": "join" }),
            Ok(_) => step["received"] = json!({ "kind": "unknown" }),
            Err(_) => {}
        }
        self.steps.push(step);
        r.map(|_| ())
    }

    fn confirmation(&self) -> Vec<u8> {
        let last = self.steps.iter().rev().find(|s| s.get("confirmation").is_some()).expect("claimed");
        hex::decode(last["confirmation"].as_str().expect("hex")).expect("hex")
    }

    fn guest_decrypt(&mut self, e: &[u8]) -> Result<GuestReceived, Error> {
        let (op, before, r) = if let Some(g) = self.guest.as_mut() {
            let before = hx(g.snapshot(&mut self.run.snap_rng, &skey()));
            ("guest_decrypt", before, g.decrypt(e))
        } else {
            let o = self.opened.as_mut().expect("opened");
            let before = hx(o.snapshot(&mut self.run.snap_rng, &skey()));
            ("opened_decrypt", before, o.decrypt(e))
        };
        let mut step = merge(json!({ "op": op, "envelope": hx(e), "state_before": before }), outcome(&r));
        if let Ok(rec) = &r {
            step["received"] = received_json(rec);
        }
        self.steps.push(step);
        r
    }

    fn host_revoke(&mut self) -> Option<Vec<u8>> {
        let rev = self.run.host.revoke(&mut self.run.rng, NOW + 60).expect("revoke");
        let draws = self.run.rng.take();
        self.run.follow(true, &draws);
        let mut step = json!({ "op": "host_revoke", "now": NOW + 60, "random": draws.iter().map(hx).collect::<Vec<_>>(),
            "record": hx(&rev.record) });
        if let Some(end) = &rev.end_message {
            step["end_message"] = json!(hx(end));
            step["keys"] = self.run.keys_json(end, true);
        }
        self.steps.push(step);
        rev.end_message
    }

    fn finish(mut self, name: &str, description: &str, seed: u64) -> Value {
        let _ = &mut self;
        json!({
            "name": name, "description": description, "seed": seed, "now": NOW, "snapshot_key": hx(SNAPSHOT_KEY),
            "link": self.run.link, "record": hx(&self.run.record), "record_hash": hx(self.run.model.record_hash),
            "guest_initial_pk": hx(self.run.guest_initial_pk),
            "create_invite_random": self.run.create_random.iter().map(hx).collect::<Vec<_>>(),
            "steps": self.steps,
        })
    }
}

fn text(r: Result<GuestReceived, Error>) -> String {
    match r {
        Ok(GuestReceived::Text(t)) => t,
        other => panic!("expected text, got {other:?}"),
    }
}

fn conversation() -> Value {
    let mut cases = vec![];

    // 1. The host writes first; the guest reads, claims, gets confirmed, they chat, the host revokes.
    let seed = 100;
    let mut s = Script::new(seed);
    let p1 = s.host_encrypt("Hello! Your order #1234 is ready.");
    let p2 = s.host_encrypt("Reply here when you can.");
    assert_eq!(text(s.guest_decrypt(&p1)), "Hello! Your order #1234 is ready.");
    assert_eq!(text(s.guest_decrypt(&p2)), "Reply here when you can.");
    let c = s.claim();
    s.host_decrypt(&c).expect("claim accepted");
    let conf = s.confirmation();
    assert_eq!(s.guest_decrypt(&conf), Ok(GuestReceived::Confirmed));
    for (g, h) in
        [("Thanks, on my way.", "Great, see you."), ("Can I pay by card?", "Yes."), ("👍 ünïcödé", "Done.")]
    {
        let m = s.guest_encrypt(g);
        s.host_decrypt(&m).expect("guest message");
        let m = s.host_encrypt(h);
        assert_eq!(text(s.guest_decrypt(&m)), h);
    }
    let end = s.host_revoke().expect("end message");
    assert_eq!(s.guest_decrypt(&end), Ok(GuestReceived::Ended));
    cases.push(s.finish(
        "host-writes-first",
        "pre-claim messages, claim, confirmation, three round trips, revocation",
        seed,
    ));

    // 2. Out of order everywhere: pre-claim messages, claims, and host messages across a DH step.
    let seed = 200;
    let mut s = Script::new(seed);
    let p1 = s.host_encrypt("one");
    let p2 = s.host_encrypt("two");
    let p3 = s.host_encrypt("three");
    assert_eq!(text(s.guest_decrypt(&p3)), "three");
    let c = s.claim();
    let c2 = s.guest_encrypt("sent before confirmation");
    s.host_decrypt(&c2).expect("a later claim message is accepted first");
    assert_eq!(s.host_decrypt(&c), Ok(()), "the join arrives late");
    let conf = s.confirmation();
    let h1 = s.host_encrypt("after claim 1");
    let h2 = s.host_encrypt("after claim 2");
    assert_eq!(text(s.guest_decrypt(&h2)), "after claim 2");
    assert_eq!(text(s.guest_decrypt(&p1)), "one");
    assert_eq!(s.guest_decrypt(&conf), Ok(GuestReceived::Confirmed));
    assert_eq!(text(s.guest_decrypt(&h1)), "after claim 1");
    assert_eq!(text(s.guest_decrypt(&p2)), "two");
    assert_eq!(s.guest_decrypt(&p2), Err(Error::Duplicate));
    let g1 = s.guest_encrypt("g1");
    let g2 = s.guest_encrypt("g2");
    s.host_decrypt(&g2).expect("g2");
    s.host_decrypt(&g1).expect("g1");
    assert_eq!(s.host_decrypt(&g1), Err(Error::Duplicate));
    cases.push(s.finish(
        "out-of-order",
        "reordered pre-claim, claim and post-claim messages, with duplicates",
        seed,
    ));

    // 3. A competing claim from another link holder, then a stale one.
    let seed = 300;
    let mut s = Script::new(seed);
    let mut eve = InviteLink::parse(&s.run.link).expect("link").open(&s.run.record, NOW).expect("open");
    let _ =
        eve.decrypt(&s.host_encrypt("pre-claim, readable by any link holder")).expect("eve reads pre-claim");
    let c = s.claim();
    s.host_decrypt(&c).expect("claim");
    let (_, eve_claim) = eve.claim(&mut Recorder::new(301), NOW).expect("eve claims");
    assert_eq!(s.host_decrypt(&eve_claim), Err(Error::CompetingClaim));
    let conf = s.confirmation();
    s.guest_decrypt(&conf).expect("confirmed");
    let m = s.guest_encrypt("moved on");
    s.host_decrypt(&m).expect("closes the claim window");
    assert_eq!(s.host_decrypt(&eve_claim), Err(Error::StaleClaim));
    cases.push(s.finish(
        "competing-claim",
        "a second link holder claims: competing, then stale after the window",
        seed,
    ));

    suite("conversation", cases)
}

// ---------------------------------------------------------------- envelope

/// Loads a party from its snapshot, feeds it the envelope, asserts the error and that the state
/// did not change.
pub fn replay_error(party: &str, state: &[u8], now: u64, envelope: &[u8]) -> Result<(), Error> {
    let key = skey();
    let mut rng = Recorder::new(0);
    let (before, after, r) = match party {
        "host" => {
            let mut s = HostSession::from_snapshot(state, &key, 0).expect("host state");
            let b = s.state_digest_for_testing_only();
            let r = s.decrypt(&mut rng, now, envelope).map(|_| ());
            (b, s.state_digest_for_testing_only(), r)
        }
        "opened" => {
            let mut s = OpenedInvite::from_snapshot(state, &key, 0).expect("opened state");
            let b = s.state_digest_for_testing_only();
            let r = s.decrypt(envelope).map(|_| ());
            (b, s.state_digest_for_testing_only(), r)
        }
        "guest" => {
            let mut s = GuestSession::from_snapshot(state, &key, 0).expect("guest state");
            let b = s.state_digest_for_testing_only();
            let r = s.decrypt(envelope).map(|_| ());
            (b, s.state_digest_for_testing_only(), r)
        }
        other => panic!("unknown party {other}"),
    };
    if r.is_err() {
        assert_eq!(before, after, "a failed decrypt changed the {party} state");
    }
    r
}

fn patch(e: &[u8], at: usize, bytes: &[u8]) -> Vec<u8> {
    let mut v = e.to_vec();
    v[at..at + bytes.len()].copy_from_slice(bytes);
    v
}

fn flip(e: &[u8], at: usize) -> Vec<u8> {
    let mut v = e.to_vec();
    v[at] ^= 0x01;
    v
}

const P: [u8; 32] = {
    let mut p = [0xffu8; 32];
    p[0] = 0xed;
    p[31] = 0x7f;
    p
};

fn envelope() -> Value {
    let mut run = Run::new(400);
    let pre = run.host.encrypt(&mut run.rng, NOW, "pre-claim").expect("pre");
    let host_unclaimed = run.host_snapshot();
    let mut opened = InviteLink::parse(&run.link).expect("link").open(&run.record, NOW).expect("open");
    let opened_state = hx(opened.snapshot(&mut run.snap_rng, &skey()));
    let eve = InviteLink::parse(&run.link).expect("link").open(&run.record, NOW).expect("open");
    let (mut guest, c) = opened.claim(&mut run.rng, NOW).expect("claim");
    let Ok(HostReceived::Claimed(acc)) = run.host.decrypt(&mut run.rng, NOW, &c) else { panic!("claim") };
    let host_window = run.host_snapshot();
    let (_, eve_claim) = eve.claim(&mut Recorder::new(401), NOW).expect("eve claim");
    guest.decrypt(&acc.confirmation).expect("confirm");
    let m1 = guest.encrypt(&mut run.rng, "m1").expect("m1");
    run.host.decrypt(&mut run.rng, NOW, &m1).expect("m1 in");
    let h1 = run.host.encrypt(&mut run.rng, NOW, "h1").expect("h1");
    guest.decrypt(&h1).expect("h1 in");
    let host_after = run.host_snapshot();
    let guest_state = hx(guest.snapshot(&mut run.snap_rng, &skey()));
    // A message of an unrelated session, moved into this mailbox.
    let mut other = Run::new(402);
    let mut other_opened =
        InviteLink::parse(&other.link).expect("link").open(&other.record, NOW).expect("open");
    let _ = &mut other_opened;
    let (mut og, oc) = other_opened.claim(&mut other.rng, NOW).expect("claim");
    let Ok(HostReceived::Claimed(oacc)) = other.host.decrypt(&mut other.rng, NOW, &oc) else {
        panic!("claim")
    };
    og.decrypt(&oacc.confirmation).expect("confirm");
    let foreign = patch(&og.encrypt(&mut other.rng, "foreign").expect("foreign"), 2, &run.mailbox_id);

    let record_h0 = &run.record[18 + 1 + 5 * 32..18 + 1 + 6 * 32];
    let mut too_large = c.clone();
    too_large.resize(guestlink::MAX_ENVELOPE_LEN + 1, 0);
    // Offsets in a claim: 18 header, 32 guest mailbox key, then ratchet 32, pn 4, n 4, nonce 12.
    let (cr, cpn, cn, cnonce) = (50, 82, 86, 90);
    type Case<'a> = (&'a str, &'a str, &'a str, u64, Vec<u8>, Error);
    let cases: Vec<Case<'_>> = vec![
        ("claim-truncated-header", "host", &host_unclaimed, NOW, c[..50].to_vec(), Error::EnvelopeMalformed),
        (
            "claim-truncated-tag",
            "host",
            &host_unclaimed,
            NOW,
            c[..c.len() - 1].to_vec(),
            Error::EnvelopeMalformed,
        ),
        (
            "claim-trailing-byte",
            "host",
            &host_unclaimed,
            NOW,
            [c.as_slice(), &[0]].concat(),
            Error::DecryptFailed,
        ),
        ("too-large", "host", &host_unclaimed, NOW, too_large, Error::EnvelopeTooLarge),
        ("bad-version", "host", &host_unclaimed, NOW, patch(&c, 0, &[3]), Error::VersionUnsupported),
        // Relabelled as version 1, a 16-byte salt takes 4 of the 80 sealed bytes: too short.
        ("claim-as-version-1", "host", &host_unclaimed, NOW, patch(&c, 0, &[1]), Error::EnvelopeMalformed),
        (
            "record-as-version-2",
            "host",
            &host_unclaimed,
            NOW,
            patch(&run.record, 0, &[2]),
            Error::VersionUnsupported,
        ),
        ("unknown-type", "host", &host_unclaimed, NOW, patch(&c, 1, &[0x7f]), Error::UnexpectedMessageType),
        ("record-as-message", "host", &host_unclaimed, NOW, run.record.clone(), Error::UnexpectedMessageType),
        ("wrong-mailbox", "host", &host_unclaimed, NOW, flip(&c, 2), Error::WrongMailbox),
        ("flipped-ciphertext", "host", &host_unclaimed, NOW, flip(&c, c.len() - 20), Error::DecryptFailed),
        ("flipped-nonce", "host", &host_unclaimed, NOW, flip(&c, cnonce), Error::DecryptFailed),
        (
            "claim-with-initial-key",
            "host",
            &host_unclaimed,
            NOW,
            patch(&c, cr, &run.guest_initial_pk),
            Error::InvalidKey,
        ),
        (
            "claim-low-order-key",
            "host",
            &host_unclaimed,
            NOW,
            patch(&c, cr, &[0; 32]),
            Error::WeakSharedSecret,
        ),
        ("claim-non-canonical-key", "host", &host_unclaimed, NOW, patch(&c, cr, &P), Error::InvalidKey),
        (
            "claim-gap-too-large",
            "host",
            &host_unclaimed,
            NOW,
            patch(&c, cn, &1001u32.to_be_bytes()),
            Error::GapTooLarge,
        ),
        (
            "claim-bad-previous-length",
            "host",
            &host_unclaimed,
            NOW,
            patch(&c, cpn, &1u32.to_be_bytes()),
            Error::InvalidCounter,
        ),
        ("message-before-claim", "host", &host_unclaimed, NOW, m1.clone(), Error::NotClaimed),
        ("pre-claim-to-host", "host", &host_unclaimed, NOW, pre.clone(), Error::UnexpectedMessageType),
        ("claim-expired", "host", &host_unclaimed, NOW + TTL, c.clone(), Error::InviteExpired),
        ("duplicate-claim", "host", &host_window, NOW, c.clone(), Error::Duplicate),
        ("competing-claim", "host", &host_window, NOW, eve_claim.clone(), Error::CompetingClaim),
        (
            "forged-competing-claim",
            "host",
            &host_window,
            NOW,
            flip(&eve_claim, eve_claim.len() - 1),
            Error::DecryptFailed,
        ),
        ("reflected-confirmation", "host", &host_window, NOW, acc.confirmation.clone(), Error::DecryptFailed),
        ("stale-claim", "host", &host_after, NOW, eve_claim.clone(), Error::StaleClaim),
        ("duplicate-message", "host", &host_after, NOW, m1.clone(), Error::Duplicate),
        ("reflected-host-message", "host", &host_after, NOW, h1.clone(), Error::DecryptFailed),
        ("message-from-other-session", "host", &host_after, NOW, foreign.clone(), Error::DecryptFailed),
        (
            "pre-claim-bad-signature",
            "opened",
            &opened_state,
            NOW,
            flip(&pre, pre.len() - 1),
            Error::BadSignature,
        ),
        (
            "pre-claim-flipped-ciphertext",
            "opened",
            &opened_state,
            NOW,
            flip(&pre, pre.len() - 80),
            Error::BadSignature,
        ),
        ("pre-claim-wrong-mailbox", "opened", &opened_state, NOW, flip(&pre, 3), Error::WrongMailbox),
        ("message-to-unclaimed-guest", "opened", &opened_state, NOW, h1.clone(), Error::NotClaimed),
        ("claim-to-guest", "opened", &opened_state, NOW, c.clone(), Error::UnexpectedMessageType),
        ("duplicate-host-message", "guest", &guest_state, NOW, h1.clone(), Error::Duplicate),
        ("duplicate-confirmation", "guest", &guest_state, NOW, acc.confirmation.clone(), Error::Duplicate),
        ("reflected-guest-message", "guest", &guest_state, NOW, m1.clone(), Error::DecryptFailed),
        (
            "pre-claim-chain-forgery",
            "guest",
            &guest_state,
            NOW,
            patch(&h1, 18, record_h0),
            Error::UnexpectedMessageType,
        ),
        (
            "host-gap-too-large",
            "guest",
            &guest_state,
            NOW,
            patch(&h1, 18 + 36, &1002u32.to_be_bytes()),
            Error::GapTooLarge,
        ),
    ]
    .into_iter()
    .map(|(n, p, s, t, e, w)| (n, p, s.as_str(), t, e, w))
    .collect();
    let mut out = vec![];
    for (name, party, state, now, env, want) in cases {
        let r = replay_error(party, &hex::decode(state).expect("hex"), now, &env);
        assert_err(&r, want, name);
        out.push(merge(
            json!({ "name": name, "party": party, "state": state, "snapshot_key": hx(SNAPSHOT_KEY), "now": now, "envelope": hx(&env) }),
            outcome(&r),
        ));
    }
    suite("envelope", out)
}

// ---------------------------------------------------------------- snapshot

/// Decrypts a snapshot body per SPEC §10.1, with the model.
pub fn model_open_snapshot(bytes: &[u8], key: &[u8; 32]) -> Option<Vec<u8>> {
    let salt = bytes.get(26..42)?;
    let k = model::hmac(key, &[model::label::SNAPSHOT_KEY, salt]);
    model::aead_open(&k, &salt[..12], &bytes[..42], &bytes[42..])
}

/// Seals a snapshot body per SPEC §10.1, with the model (for hostile-body vectors).
pub fn model_seal_snapshot(header: &[u8], body: &[u8], key: &[u8; 32]) -> Vec<u8> {
    use aes_gcm::aead::{AeadInOut, Nonce};
    use aes_gcm::{Aes256Gcm, KeyInit};
    let salt = &header[26..42];
    let k = model::hmac(key, &[model::label::SNAPSHOT_KEY, salt]);
    let cipher = Aes256Gcm::new(&k.into());
    let mut buf = body.to_vec();
    let nonce = Nonce::<Aes256Gcm>::try_from(&salt[..12]).expect("12");
    let tag = cipher.encrypt_inout_detached(&nonce, header, buf.as_mut_slice().into()).expect("seal");
    [header, &buf, &tag].concat()
}

/// The length of the LEB128 `uint` at the start of `b` (SPEC §10.2).
fn uint_len(b: &[u8]) -> usize {
    b.iter().position(|x| x & 0x80 == 0).expect("a uint") + 1
}

/// Loads a snapshot of `kind`; returns (counter, object id) on success.
pub fn load_snapshot(
    kind: &str,
    bytes: &[u8],
    key: &SnapshotKey,
    min: u64,
) -> Result<(u64, [u8; 16]), Error> {
    let counter = match kind {
        "host_identity" => HostIdentity::from_snapshot(bytes, key, min)?.snapshot_counter(),
        "host_session" => HostSession::from_snapshot(bytes, key, min)?.snapshot_counter(),
        "opened_invite" => OpenedInvite::from_snapshot(bytes, key, min)?.snapshot_counter(),
        "guest_session" => GuestSession::from_snapshot(bytes, key, min)?.snapshot_counter(),
        other => panic!("unknown kind {other}"),
    };
    Ok((counter, guestlink::snapshot_info(bytes)?.object_id))
}

fn snapshot() -> Value {
    let key = skey();
    let mut run = Run::new(500);
    let mut id_rng = Recorder::new(501);
    let mut id = HostIdentity::generate(&mut id_rng);
    let identity = id.snapshot(&mut id_rng, &key);
    let host = hex::decode(run.host_snapshot()).expect("hex");
    let mut opened = InviteLink::parse(&run.link).expect("link").open(&run.record, NOW).expect("open");
    let opened_snap = opened.snapshot(&mut run.snap_rng, &key);
    let (mut guest, c) = opened.claim(&mut run.rng, NOW).expect("claim");
    let Ok(HostReceived::Claimed(acc)) = run.host.decrypt(&mut run.rng, NOW, &c) else { panic!("claim") };
    let host_window = hex::decode(run.host_snapshot()).expect("hex");
    guest.decrypt(&acc.confirmation).expect("confirm");
    let _ = guest.snapshot(&mut run.snap_rng, &key);
    let guest_snap = guest.snapshot(&mut run.snap_rng, &key); // counter 3: the opened invite's save counts on
    let moved_on = guest.encrypt(&mut run.rng, "moved on").expect("encrypt");
    assert!(matches!(run.host.decrypt(&mut run.rng, NOW, &moved_on), Ok(HostReceived::Text(_))));
    let host_after = hex::decode(run.host_snapshot()).expect("hex");
    let body =
        model_open_snapshot(&guest_snap, &SNAPSHOT_KEY).expect("the model opens the library's snapshot");
    // Guest body: 97 bytes of invite, 32 guest mailbox seed, 32 claim key, 1 flags, then the ratchet
    // (SPEC §10.2): RK, DHs_sk, has_send, [CKs, Ns uint], PN uint, chains.
    let ratchet = 162;
    let has_send = body[ratchet + 64];
    let mut at = ratchet + 64 + 1;
    if has_send == 1 {
        at += 32 + uint_len(&body[at + 32..]);
    }
    let chains_at = at + uint_len(&body[at..]);
    let hostile = |b: Vec<u8>| model_seal_snapshot(&guest_snap[..42], &b, &SNAPSHOT_KEY);
    // Host body in the claim window: identity, record hash, expires_at uint, flags (claimed,
    // verifier, host_seed), host_seed, guest mailbox key, claim_chain, then the ratchet.
    let window_body = model_open_snapshot(&host_window, &SNAPSHOT_KEY).expect("the model opens it");
    let host_flags_at = 64 + uint_len(&window_body[64..]);
    assert_eq!(window_body[host_flags_at], 0b0_1110, "claimed, verifier, host_seed");
    let claim_chain_at = host_flags_at + 1 + 32 + 32;
    assert_eq!(window_body[claim_chain_at], 1, "the claim key is the second chain's");
    let hostile_host = |b: Vec<u8>| model_seal_snapshot(&host_window[..42], &b, &SNAPSHOT_KEY);
    let host_both_seeds = hostile_host(patch(&window_body, host_flags_at, &[0b1_1110]));
    let host_seed_no_verifier = hostile_host(patch(&window_body, host_flags_at, &[0b0_1010]));
    let host_claim_chain = hostile_host(patch(&window_body, claim_chain_at, &[2]));
    // The same window host in the layout of a session loaded from version 1 (SPEC §10.2
    // "otherwise"): the invite and host mailbox seeds instead of host_seed, H0_sk stored after
    // the claim. Legal as it is; revoked with the verifier still held, refused.
    let seed: [u8; 32] = window_body[host_flags_at + 1..host_flags_at + 33].try_into().expect("32");
    let derived = model::derive_host_seed(&seed);
    let ratchet_at = claim_chain_at + 1;
    let two_seeds = |flags: u8| {
        let head = &window_body[..host_flags_at];
        let claim = &window_body[host_flags_at + 33..ratchet_at];
        let seeds = [derived.invite_seed, derived.host_mailbox_seed].concat();
        let tail = &window_body[ratchet_at..];
        hostile_host([head, &[flags], &seeds, claim, &derived.h0_sk, tail].concat())
    };
    let host_two_seeds = two_seeds(0b0110);
    let host_revoked_verifier = two_seeds(0b0111);
    // Unclaimed host (flags, host_seed, then the ratchet): no sending chain. Loaded, its next
    // encrypt would replace H0, and the save after could not be loaded.
    let unclaimed_body = model_open_snapshot(&host, &SNAPSHOT_KEY).expect("the model opens it");
    let u_ratchet = host_flags_at + 1 + 32;
    assert_eq!(unclaimed_body[host_flags_at], 0b0_1000, "unclaimed, host_seed");
    let u_send = u_ratchet + 64;
    assert_eq!(unclaimed_body[u_send], 1, "a sending chain");
    let u_after = u_send + 1 + 32 + uint_len(&unclaimed_body[u_send + 33..]);
    let no_sending = [&unclaimed_body[..u_send], &[0u8][..], &unclaimed_body[u_after..]].concat();
    let host_no_sending = model_seal_snapshot(&host[..42], &no_sending, &SNAPSHOT_KEY);
    // Opened invite (97 bytes of invite, invite_secret, expires_at, ratchet): a sending chain.
    let opened_body = model_open_snapshot(&opened_snap, &SNAPSHOT_KEY).expect("the model opens it");
    let o_send = 129 + uint_len(&opened_body[129..]) + 64;
    assert_eq!(opened_body[o_send], 0, "no sending chain");
    let with_sending =
        [&opened_body[..o_send], &[1u8][..], &[0x5a; 32], &[0], &opened_body[o_send + 1..]].concat();
    let opened_sending = model_seal_snapshot(&opened_snap[..42], &with_sending, &SNAPSHOT_KEY);
    // Guest flags (161): ended without confirmed.
    let ended_unconfirmed = hostile(patch(&body, 161, &[0b10]));
    // Header fields that contradict the body or the counting, sealed as such.
    let counter_max = model_seal_snapshot(&patch(&guest_snap[..42], 18, &[0xff; 8]), &body, &SNAPSHOT_KEY);
    let identity_body = model_open_snapshot(&identity, &SNAPSHOT_KEY).expect("the model opens it");
    let identity_moved = model_seal_snapshot(&flip(&identity[..42], 2), &identity_body, &SNAPSHOT_KEY);
    let six_chains = hostile(patch(&body, chains_at, &[6]));
    let bad_flag = hostile(patch(&body, 161, &[4]));
    let trailing = hostile([body.as_slice(), &[0]].concat());
    let zero_chains = hostile(patch(&body, chains_at, &[0]));
    let mut cases = vec![];
    let mut push = |name: &str, kind: &str, bytes: &[u8], min: u64, want: Option<Error>| {
        let r = load_snapshot(kind, bytes, &key, min);
        match want {
            Some(e) => assert_err(&r, e, name),
            None => assert!(r.is_ok(), "{name}: {:?}", r.err()),
        }
        let mut case = merge(
            json!({ "name": name, "kind": kind, "snapshot": hx(bytes), "snapshot_key": hx(SNAPSHOT_KEY), "min_counter": min }),
            outcome(&r),
        );
        if let Ok((counter, object_id)) = r {
            case["counter"] = json!(counter);
            case["object_id"] = json!(hx(object_id));
            // The body as the model reads it, field by field (SPEC §10.2), and back to its bytes.
            let body = model_open_snapshot(bytes, &SNAPSHOT_KEY).expect("the model opens it");
            let decoded = model_snapshot::decode_body(bytes[0], bytes[1], &body)
                .unwrap_or_else(|e| panic!("{name}: the model decodes the body: {e}"));
            assert_eq!(
                model_snapshot::encode_body(bytes[0], bytes[1], &decoded).as_ref(),
                Ok(&body),
                "{name}"
            );
            case["body"] = json!(hx(&body));
            case["decoded"] = decoded;
        }
        cases.push(case);
    };
    push("host-identity", "host_identity", &identity, 0, None);
    push("host-session", "host_session", &host, 0, None);
    push("host-session-claim-window", "host_session", &host_window, 0, None);
    push("host-session-after-window", "host_session", &host_after, 0, None);
    push("host-session-two-seeds-claim-window", "host_session", &host_two_seeds, 0, None);
    push("opened-invite", "opened_invite", &opened_snap, 1, None);
    push("guest-session", "guest_session", &guest_snap, 3, None);
    push("rolled-back", "guest_session", &guest_snap, 4, Some(Error::SnapshotRolledBack));
    let wrong_key = SnapshotKey::from_bytes([0x5b; 32]);
    let r = load_snapshot("guest_session", &guest_snap, &wrong_key, 0);
    assert_err(&r, Error::SnapshotDecryptFailed, "wrong-key");
    cases.push(merge(json!({ "name": "wrong-key", "kind": "guest_session", "snapshot": hx(&guest_snap), "snapshot_key": hx([0x5bu8; 32]), "min_counter": 0 }), outcome(&r)));
    let mut push = |name: &str, kind: &str, bytes: &[u8], min: u64, want: Error| {
        let r = load_snapshot(kind, bytes, &key, min);
        assert_err(&r, want, name);
        cases.push(merge(json!({ "name": name, "kind": kind, "snapshot": hx(bytes), "snapshot_key": hx(SNAPSHOT_KEY), "min_counter": min }), outcome(&r)));
    };
    push("tampered-body", "guest_session", &flip(&guest_snap, 60), 0, Error::SnapshotDecryptFailed);
    push("tampered-counter", "guest_session", &flip(&guest_snap, 25), 0, Error::SnapshotDecryptFailed);
    push("tampered-object-id", "guest_session", &flip(&guest_snap, 5), 0, Error::SnapshotDecryptFailed);
    push("wrong-kind", "guest_session", &host, 0, Error::SnapshotWrongObject);
    push(
        "version-1-relabelled",
        "guest_session",
        &patch(&guest_snap, 0, &[1]),
        0,
        Error::SnapshotDecryptFailed,
    );
    push("version-3", "guest_session", &patch(&guest_snap, 0, &[3]), 0, Error::SnapshotVersionUnsupported);
    push("unknown-kind", "guest_session", &patch(&guest_snap, 1, &[9]), 0, Error::SnapshotMalformed);
    push("truncated", "guest_session", &guest_snap[..30], 0, Error::SnapshotMalformed);
    push(
        "too-large",
        "guest_session",
        &[guest_snap.as_slice(), &vec![0u8; 65_536]].concat(),
        0,
        Error::SnapshotMalformed,
    );
    push("hostile-six-chains", "guest_session", &six_chains, 0, Error::SnapshotMalformed);
    push("hostile-zero-chains", "guest_session", &zero_chains, 0, Error::SnapshotMalformed);
    push("hostile-flags", "guest_session", &bad_flag, 0, Error::SnapshotMalformed);
    push("hostile-trailing-byte", "guest_session", &trailing, 0, Error::SnapshotMalformed);
    push("hostile-host-two-seeds", "host_session", &host_both_seeds, 0, Error::SnapshotMalformed);
    push(
        "hostile-host-seed-without-verifier",
        "host_session",
        &host_seed_no_verifier,
        0,
        Error::SnapshotMalformed,
    );
    push("hostile-host-claim-chain", "host_session", &host_claim_chain, 0, Error::SnapshotMalformed);
    push(
        "hostile-host-revoked-with-verifier",
        "host_session",
        &host_revoked_verifier,
        0,
        Error::SnapshotMalformed,
    );
    push(
        "hostile-host-unclaimed-no-sending-chain",
        "host_session",
        &host_no_sending,
        0,
        Error::SnapshotMalformed,
    );
    push("hostile-opened-sending-chain", "opened_invite", &opened_sending, 0, Error::SnapshotMalformed);
    push("hostile-guest-ended-unconfirmed", "guest_session", &ended_unconfirmed, 0, Error::SnapshotMalformed);
    push("hostile-counter-max", "guest_session", &counter_max, 0, Error::SnapshotMalformed);
    push("hostile-identity-object-id", "host_identity", &identity_moved, 0, Error::SnapshotMalformed);
    let _ = id.snapshot_counter();
    suite("snapshot", cases)
}
