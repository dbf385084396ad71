//! vodozemac 0.11 Olm sessions (the peer we compare with), driven like guestlink: encrypt
//! includes encoding the message to bytes, decrypt includes decoding it. vodozemac draws its
//! randomness from the operating system.

use std::hint::black_box;

use vodozemac::olm::{Account, InboundCreationResult, OlmMessage, Session, SessionConfig, SessionPickle};

use crate::{Bench, PING_PONG_SIZE, SIZES, batched, ids, iter, text};

/// An established Olm session pair: each side has received a message, so both send normal
/// (not pre-key) messages.
pub struct OlmPair {
    /// Alice, who created the outbound session.
    pub alice: Session,
    /// Bob, who created the inbound session from Alice's pre-key message.
    pub bob: Session,
}

/// An encoded Olm message.
pub type Wire = (usize, Vec<u8>);

/// Encrypts and encodes.
pub fn encrypt(session: &mut Session, plaintext: &str) -> Wire {
    session.encrypt(plaintext).expect("olm encrypt").to_parts()
}

/// Decodes and decrypts.
pub fn decrypt(session: &mut Session, (kind, bytes): &Wire) -> Vec<u8> {
    let message = OlmMessage::from_parts(*kind, bytes).expect("olm decode");
    session.decrypt(&message).expect("olm decrypt")
}

impl OlmPair {
    /// Two fresh accounts and an established session.
    pub fn new() -> Self {
        let alice_account = Account::new();
        let mut bob_account = Account::new();
        bob_account.generate_one_time_keys(1);
        let otk = *bob_account.one_time_keys().values().next().expect("one-time key");
        let mut alice = alice_account
            .create_outbound_session(SessionConfig::version_1(), bob_account.curve25519_key(), otk)
            .expect("outbound session");
        let OlmMessage::PreKey(first) = alice.encrypt("hello").expect("encrypt") else {
            panic!("the first message is a pre-key message");
        };
        let InboundCreationResult { session: mut bob, .. } = bob_account
            .create_inbound_session(SessionConfig::version_1(), alice_account.curve25519_key(), &first)
            .expect("inbound session");
        let reply = encrypt(&mut bob, "hi");
        decrypt(&mut alice, &reply);
        OlmPair { alice, bob }
    }
}

impl Default for OlmPair {
    fn default() -> Self {
        Self::new()
    }
}

/// The vodozemac benchmarks.
pub fn benches() -> Vec<Bench> {
    let g = ids::OLM;
    let mut out = Vec::new();
    for size in SIZES {
        let msg = text(size);
        let (mut p, m) = (OlmPair::new(), msg.clone());
        out.push(iter(format!("{g}/encrypt/{size}"), move || encrypt(&mut p.alice, black_box(&m))));
        let (OlmPair { mut alice, mut bob }, m) = (OlmPair::new(), msg.clone());
        out.push(batched(
            format!("{g}/decrypt/{size}"),
            move || encrypt(&mut alice, &m),
            move |wire| decrypt(&mut bob, &wire),
        ));
        let mut p = OlmPair::new();
        out.push(iter(format!("{g}/steady/{size}"), move || {
            let wire = encrypt(&mut p.alice, black_box(&msg));
            decrypt(&mut p.bob, &wire)
        }));
    }
    let msg = text(PING_PONG_SIZE);
    let mut p = OlmPair::new();
    let mut alice_turn = true;
    out.push(iter(format!("{g}/ping_pong"), move || {
        let got = if alice_turn {
            let wire = encrypt(&mut p.alice, &msg);
            decrypt(&mut p.bob, &wire)
        } else {
            let wire = encrypt(&mut p.bob, &msg);
            decrypt(&mut p.alice, &wire)
        };
        alice_turn = !alice_turn;
        got
    }));
    let mut p = OlmPair::new();
    for _ in 0..3 {
        decrypt(&mut p.bob, &encrypt(&mut p.alice, "x"));
        decrypt(&mut p.alice, &encrypt(&mut p.bob, "y"));
    }
    let key = [9u8; 32];
    let pickle = p.alice.pickle().encrypt(&key);
    out.push(iter(format!("{g}/snapshot_save"), move || p.alice.pickle().encrypt(black_box(&key))));
    out.push(iter(format!("{g}/snapshot_load"), move || {
        Session::from_pickle(SessionPickle::from_encrypted(black_box(&pickle), &key).expect("unpickle"))
    }));
    out
}
