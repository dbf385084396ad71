//! The bodies of guestlink's fuzz targets.
//!
//! Each target is an ordinary function `fn(&[u8])` that panics when an invariant breaks. The
//! cargo-fuzz binaries in `fuzz/fuzz_targets/` call them under libFuzzer (nightly), and the
//! stable test `tests/corpus_replay.rs` replays every file of `fuzz/corpus/<target>/` through the
//! very same functions, so every `cargo test` exercises the corpora.
//!
//! | target | attack surface |
//! |---|---|
//! | [`link`] | link and fragment parsing |
//! | [`envelope`] | envelope header peeking, record parsing, record/pre-claim/relay-auth verification |
//! | [`guest_open`] | `InviteLink::open` with arbitrary records, then arbitrary envelopes on the opened invite |
//! | [`session_decrypt`] | arbitrary bytes on a live host, opened-invite or guest session |
//! | [`snapshot`] | snapshot loading: raw bytes, and arbitrary bodies sealed under the right key |
//! | [`interaction`] | a two-party script of sends, drops, duplicates, reorders, flips, saves and restores |
// Fuzz harnesses report a broken invariant by panicking; that is their whole purpose.
#![allow(clippy::panic, clippy::expect_used)]
#![forbid(unsafe_code)]

pub mod fixture;
mod interaction;
pub mod snapshot_codec;
mod targets;

pub use interaction::{Op, encode_script, interaction};
pub use targets::{envelope, guest_open, link, session_decrypt, snapshot};

/// A target's entry function.
pub type Target = fn(&[u8]);

/// Every target, by the name of its cargo-fuzz binary and corpus directory.
pub const TARGETS: &[(&str, Target)] = &[
    ("link", link),
    ("envelope", envelope),
    ("guest_open", guest_open),
    ("session_decrypt", session_decrypt),
    ("snapshot", snapshot),
    ("interaction", interaction),
];

/// A cursor over fuzz input that yields zeros once the input is exhausted, so every input is a
/// valid script.
pub struct Input<'a> {
    rest: &'a [u8],
}

impl<'a> Input<'a> {
    /// Wraps fuzz input.
    pub fn new(data: &'a [u8]) -> Self {
        Input { rest: data }
    }

    /// True when every byte was read.
    pub fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    /// The next byte, or 0.
    pub fn byte(&mut self) -> u8 {
        match self.rest.split_first() {
            Some((b, rest)) => {
                self.rest = rest;
                *b
            }
            None => 0,
        }
    }

    /// The next big-endian u16, or 0.
    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.byte(), self.byte()])
    }

    /// A chunk prefixed by a big-endian u16 length (shorter if the input ends).
    pub fn chunk(&mut self) -> &'a [u8] {
        let len = usize::from(self.u16());
        let (head, tail) = self.rest.split_at(len.min(self.rest.len()));
        self.rest = tail;
        head
    }

    /// Everything left.
    pub fn rest(&mut self) -> &'a [u8] {
        core::mem::take(&mut self.rest)
    }
}

/// Appends `bytes` as a chunk readable by [`Input::chunk`] (generator helper).
pub fn push_chunk(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or(bytes));
}
