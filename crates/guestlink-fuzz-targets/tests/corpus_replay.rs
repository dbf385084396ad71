//! Replays every file of `fuzz/corpus/<target>/` through the same entry functions the cargo-fuzz
//! binaries call, on stable, in every `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use std::collections::BTreeSet;
use std::fs;
use std::path::PathBuf;

use guestlink_fuzz_targets::TARGETS;

fn fuzz_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn names_in(dir: PathBuf, strip: &str) -> BTreeSet<String> {
    fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter_map(|n| n.strip_suffix(strip).map(str::to_owned))
        .collect()
}

#[test]
fn every_target_has_a_binary_and_a_corpus_and_nothing_else_exists() {
    let targets: BTreeSet<String> = TARGETS.iter().map(|(n, _)| (*n).to_owned()).collect();
    assert_eq!(targets.len(), 6);
    assert_eq!(names_in(fuzz_dir().join("fuzz_targets"), ".rs"), targets, "fuzz/fuzz_targets/*.rs");
    assert_eq!(names_in(fuzz_dir().join("corpus"), ""), targets, "fuzz/corpus/*");
}

fn replay(name: &str) {
    let (_, target) = TARGETS.iter().find(|(n, _)| *n == name).unwrap();
    let dir = fuzz_dir().join("corpus").join(name);
    let mut files: Vec<_> = fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    assert!(files.len() >= 5, "{}: only {} corpus files", dir.display(), files.len());
    for file in &files {
        let bytes = fs::read(file).unwrap();
        // A panic names the file: re-run it with `cargo +nightly fuzz run <target> <file>`.
        eprintln!("replaying {}", file.display());
        target(&bytes);
    }
}

#[test]
fn corpus_link() {
    replay("link");
}

#[test]
fn corpus_envelope() {
    replay("envelope");
}

#[test]
fn corpus_guest_open() {
    replay("guest_open");
}

#[test]
fn corpus_session_decrypt() {
    replay("session_decrypt");
}

#[test]
fn corpus_snapshot() {
    replay("snapshot");
}

#[test]
fn corpus_interaction() {
    replay("interaction");
}
