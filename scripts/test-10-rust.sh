#!/usr/bin/env bash
# Rust: format, lints, unit/integration/doc tests, and the test vectors pinned by the generator.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
RUSTDOCFLAGS="-D warnings" cargo doc --locked --no-deps -p guestlink
cargo run --locked -q -p guestlink-testkit --bin generate -- --check
