//! Auditors' checks of guestlink that need no code of their own: see `tests/`.
//!
//! - `tests/wycheproof.rs`: Project Wycheproof's X25519, Ed25519, AES-GCM and HKDF-SHA256
//!   vectors (`test-vectors/third_party/wycheproof/`) through `guestlink::hazmat_for_testing_only`,
//!   i.e. through the exact functions the protocol uses to accept keys, signatures and
//!   ciphertexts, with the protocol's stricter policy pinned case by case.
#![forbid(unsafe_code)]
