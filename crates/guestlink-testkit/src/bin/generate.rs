//! `generate` rewrites test-vectors/*.json; `generate --check` fails on any difference.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

fn main() {
    let check = std::env::args().any(|a| a == "--check");
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../test-vectors");
    std::fs::create_dir_all(&dir).expect("test-vectors dir");
    let mut stale = vec![];
    for (name, doc) in guestlink_testkit::generate::all() {
        let path = dir.join(format!("{name}.json"));
        let text = guestlink_testkit::generate::render(&doc);
        if check {
            if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                stale.push(path.display().to_string());
            }
        } else {
            std::fs::write(&path, text).expect("write");
            println!("wrote {}", path.display());
        }
    }
    if !stale.is_empty() {
        eprintln!("stale vectors (run `cargo run -p guestlink-testkit --bin generate`): {stale:?}");
        std::process::exit(1);
    }
}
