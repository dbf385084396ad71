#!/usr/bin/env bash
# Rust: format, lints, unit/integration/doc tests, and the test vectors pinned by the generator.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p guestlink
cargo run --locked -q -p guestlink-testkit --bin generate -- --check
