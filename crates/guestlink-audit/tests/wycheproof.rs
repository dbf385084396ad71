//! Project Wycheproof vectors through guestlink's own acceptance functions.
//!
//! Wycheproof labels each case `valid`, `invalid` or `acceptable` ("a library may accept or
//! refuse it"). guestlink's policy (SPEC.md §3.3) is stricter than the
//! primitives: every `valid` case must pass and every `invalid` one fail, and for the
//! `acceptable` ones the test pins exactly which the protocol refuses and with which error.
//! Bucket counts are asserted, so a changed file or policy cannot pass silently.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeMap;
use std::path::PathBuf;

use guestlink::Error;
use guestlink::hazmat_for_testing_only as hazmat;
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../test-vectors/third_party/wycheproof")
        .join(format!("{name}_test.json"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn bytes(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

fn cases(file: &Value) -> impl Iterator<Item = (&Value, &Value)> {
    file["testGroups"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|g| g["tests"].as_array().unwrap().iter().map(move |t| (g, t)))
}

fn flags(t: &Value) -> Vec<&str> {
    t["flags"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect()
}

#[test]
fn the_vector_files_are_the_four_we_run_and_nothing_else() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors/third_party/wycheproof");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["aes_gcm_test.json", "ed25519_test.json", "hkdf_sha256_test.json", "x25519_test.json"]
    );
}

/// X25519: canonical public keys only (u < 2^255 - 19, so the top bit is clear), and no
/// all-zero shared secret (which every small-order point gives).
#[test]
fn x25519() {
    let file = load("x25519");
    let mut buckets: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (_, t) in cases(&file) {
        let private: [u8; 32] = bytes(&t["private"]).try_into().unwrap();
        let public: [u8; 32] = bytes(&t["public"]).try_into().unwrap();
        let shared = bytes(&t["shared"]);
        let result = t["result"].as_str().unwrap();
        let got = hazmat::x25519(&private, &public);
        let outcome = match got {
            Ok(s) => {
                assert_eq!(s.to_vec(), shared, "tcId {}: wrong shared secret", t["tcId"]);
                "accepted"
            }
            Err(Error::InvalidKey) => {
                assert!(!hazmat::x25519_canonical(&public), "tcId {}", t["tcId"]);
                "non-canonical"
            }
            Err(Error::WeakSharedSecret) => {
                assert!(shared.iter().all(|b| *b == 0), "tcId {}: refused a contributory result", t["tcId"]);
                "all-zero"
            }
            Err(e) => panic!("tcId {}: unexpected {e:?}", t["tcId"]),
        };
        let f = flags(t);
        match result {
            "valid" => assert_eq!(outcome, "accepted", "tcId {}: a valid case was refused", t["tcId"]),
            "acceptable" => {
                // The policy, case by case: what is refused is exactly the low-order and the
                // non-canonical keys; twist points of large order are accepted.
                if f.contains(&"ZeroSharedSecret") || f.contains(&"LowOrderPublic") {
                    assert_ne!(outcome, "accepted", "tcId {}: a low-order key was accepted", t["tcId"]);
                }
                if f.contains(&"NonCanonicalPublic") {
                    assert_eq!(outcome, "non-canonical", "tcId {}", t["tcId"]);
                }
                if outcome == "accepted" {
                    assert!(f.contains(&"Twist"), "tcId {}: accepted {f:?}", t["tcId"]);
                }
            }
            other => panic!("tcId {}: result {other}", t["tcId"]),
        }
        *buckets.entry((result, outcome)).or_default() += 1;
    }
    let expected: BTreeMap<(&str, &str), usize> = [
        (("valid", "accepted"), 264),
        (("acceptable", "accepted"), 210),
        (("acceptable", "all-zero"), 15),
        (("acceptable", "non-canonical"), 29),
    ]
    .into();
    assert_eq!(buckets, expected);
}

/// Ed25519: the key must decompress, be canonical and not of small order; the signature is
/// verified strictly (canonical R and S < L, no small-order R): `verify_strict`.
#[test]
fn ed25519() {
    let file = load("ed25519");
    let mut buckets: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (g, t) in cases(&file) {
        let public: [u8; 32] = bytes(&g["publicKey"]["pk"]).try_into().unwrap();
        let message = bytes(&t["msg"]);
        let sig = bytes(&t["sig"]);
        let result = t["result"].as_str().unwrap();
        // Signatures sit in fixed 64-byte fields of exact-length records: any other length is
        // refused by the record parser before verification.
        let outcome = match <[u8; 64]>::try_from(sig.as_slice()) {
            Err(_) => "wrong length",
            Ok(sig) => match hazmat::ed25519_verify(&public, &message, &sig) {
                Ok(()) => "accepted",
                Err(Error::BadSignature) => "bad signature",
                Err(Error::InvalidKey) => "bad key",
                Err(e) => panic!("tcId {}: unexpected {e:?}", t["tcId"]),
            },
        };
        match result {
            "valid" => assert_eq!(outcome, "accepted", "tcId {}: {:?}", t["tcId"], t["comment"]),
            "invalid" => assert_ne!(outcome, "accepted", "tcId {}: {:?}", t["tcId"], t["comment"]),
            other => panic!("tcId {}: result {other}", t["tcId"]),
        }
        if flags(t).contains(&"SignatureMalleability") {
            assert_eq!(outcome, "bad signature", "tcId {}", t["tcId"]);
        }
        *buckets.entry((result, outcome)).or_default() += 1;
    }
    let expected: BTreeMap<(&str, &str), usize> =
        [(("valid", "accepted"), 88), (("invalid", "bad signature"), 51), (("invalid", "wrong length"), 12)]
            .into();
    assert_eq!(buckets, expected);
}

/// What lenient Ed25519 verifiers accept and guestlink refuses (SPEC §3.2): small-order keys
/// with the signature that verifies for every message, a non-canonical key encoding, and a
/// malleated S.
#[test]
fn ed25519_cases_lenient_verifiers_accept() {
    use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let universal = [identity, [0u8; 32]].concat(); // R = identity, S = 0
    let universal: [u8; 64] = universal.try_into().unwrap();
    let lenient = VerifyingKey::from_bytes(&identity).unwrap();
    assert!(lenient.verify(b"any message", &Signature::from_bytes(&universal)).is_ok(), "lenient accepts");
    assert_eq!(hazmat::ed25519_public(&identity), Err(Error::InvalidKey));
    assert_eq!(hazmat::ed25519_verify(&identity, b"any message", &universal), Err(Error::InvalidKey));
    // Every small-order point, as encoded in the canonical list of eight.
    for hex_point in [
        "0100000000000000000000000000000000000000000000000000000000000000",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0000000000000000000000000000000000000000000000000000000000000080",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    ] {
        let point: [u8; 32] = hex::decode(hex_point).unwrap().try_into().unwrap();
        assert_eq!(hazmat::ed25519_public(&point), Err(Error::InvalidKey), "{hex_point}");
    }
    // y = p + 1: a non-canonical encoding of the identity.
    let mut noncanonical = [0xffu8; 32];
    noncanonical[0] = 0xee;
    noncanonical[31] = 0x7f;
    assert_eq!(hazmat::ed25519_public(&noncanonical), Err(Error::InvalidKey));
    // S + L: the same signature, malleated.
    let key = SigningKey::from_bytes(&[7u8; 32]);
    let public = key.verifying_key().to_bytes();
    let sig = key.sign(b"record").to_bytes();
    assert_eq!(hazmat::ed25519_verify(&public, b"record", &sig), Ok(()));
    let l: [u8; 32] = hex::decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010")
        .unwrap()
        .try_into()
        .unwrap();
    let mut malleated = sig;
    let mut carry = 0u16;
    for i in 0..32 {
        let v = u16::from(malleated[32 + i]) + u16::from(l[i]) + carry;
        malleated[32 + i] = v as u8;
        carry = v >> 8;
    }
    assert_eq!(hazmat::ed25519_verify(&public, b"record", &malleated), Err(Error::BadSignature));
}

/// AES-GCM: the protocol uses AES-256 with a 96-bit nonce and a 128-bit tag only; those groups
/// run through the library's sealing and opening, the others have no way into the library.
#[test]
fn aes_gcm() {
    let file = load("aes_gcm");
    let mut buckets: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (g, t) in cases(&file) {
        let result = t["result"].as_str().unwrap();
        let applicable = g["keySize"] == 256 && g["ivSize"] == 96 && g["tagSize"] == 128;
        if !applicable {
            *buckets.entry((result, "not applicable")).or_default() += 1;
            continue;
        }
        let key: [u8; 32] = bytes(&t["key"]).try_into().unwrap();
        let nonce: [u8; 12] = bytes(&t["iv"]).try_into().unwrap();
        let (aad, msg) = (bytes(&t["aad"]), bytes(&t["msg"]));
        let sealed = [bytes(&t["ct"]), bytes(&t["tag"])].concat();
        let opened = hazmat::aes256gcm_open(&key, &nonce, &aad, &sealed);
        let outcome = match result {
            "valid" => {
                assert_eq!(opened, Ok(msg.clone()), "tcId {}", t["tcId"]);
                assert_eq!(hazmat::aes256gcm_seal(&key, &nonce, &aad, &msg), sealed, "tcId {}", t["tcId"]);
                "accepted"
            }
            "invalid" => {
                assert_eq!(opened, Err(Error::DecryptFailed), "tcId {}", t["tcId"]);
                "refused"
            }
            other => panic!("tcId {}: result {other}", t["tcId"]),
        };
        *buckets.entry((result, outcome)).or_default() += 1;
    }
    let expected: BTreeMap<(&str, &str), usize> = [
        (("valid", "accepted"), 39),
        (("invalid", "refused"), 27),
        (("valid", "not applicable"), 190),
        (("invalid", "not applicable"), 60),
    ]
    .into();
    assert_eq!(buckets, expected);
}

/// HKDF-SHA256 as the root chain uses it; output lengths past 255 * 32 are refused.
#[test]
fn hkdf_sha256() {
    let file = load("hkdf_sha256");
    let mut buckets: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for (_, t) in cases(&file) {
        let size = usize::try_from(t["size"].as_u64().unwrap()).unwrap();
        let mut okm = vec![0u8; size];
        let got = hazmat::hkdf_sha256(&bytes(&t["salt"]), &bytes(&t["ikm"]), &bytes(&t["info"]), &mut okm);
        let result = t["result"].as_str().unwrap();
        let outcome = match (result, got) {
            ("valid", Ok(())) => {
                assert_eq!(okm, bytes(&t["okm"]), "tcId {}", t["tcId"]);
                "accepted"
            }
            ("invalid", Err(Error::InvalidArgument)) => {
                assert!(size > 8160);
                "refused"
            }
            (r, g) => panic!("tcId {}: {r} gave {g:?}", t["tcId"]),
        };
        *buckets.entry((result, outcome)).or_default() += 1;
    }
    let expected: BTreeMap<(&str, &str), usize> =
        [(("valid", "accepted"), 83), (("invalid", "refused"), 3)].into();
    assert_eq!(buckets, expected);
}
