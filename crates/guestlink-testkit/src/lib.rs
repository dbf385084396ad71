//! Test vectors for guestlink: a generator (seeded, deterministic) and a checker.
//!
//! `cargo run -p guestlink-testkit --bin generate` rewrites `test-vectors/*.json`;
//! `--check` regenerates in memory and fails on any difference.
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
// The generator is test tooling: it panics loudly on any surprise instead of producing vectors.

pub mod check;
pub mod generate;
pub mod model;
pub mod model_snapshot;
pub mod rng;

/// The vector files, in the order they are written. A new file must be listed here; the checker
/// asserts that the directory holds exactly these.
pub const SUITES: [&str; 6] = ["kdf", "link", "record", "envelope", "conversation", "snapshot"];

/// Frozen vector files of earlier versions, under `test-vectors/<dir>/`: never regenerated (this
/// library no longer writes them), always replayed. `v1/` holds the envelope and conversation
/// suites of message envelope version 1 (SPEC §17), as the generator wrote them before version 2.
pub const FROZEN: [(&str, &str); 3] = [("v1", "envelope"), ("v1", "conversation"), ("v1", "snapshot")];

/// Lowercase hex.
pub fn hx(b: impl AsRef<[u8]>) -> String {
    hex::encode(b)
}
