#!/usr/bin/env bash
# End to end: the relay binary on a free 127.0.0.1 port, the host command line driven by the test,
# Debian's headless Chromium opening the link (scripts/e2e/e2e.mjs). Builds the relay binaries
# (debug, shared with the Rust stage) and the WASM package when it is missing or stale.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
cargo build -p guestlink-relay --bins --locked
[ -n "${WASM_DIR:-}" ] || bash scripts/build-wasm-if-stale.sh
out="target/e2e"
mkdir -p "$out"
RELAY_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/guestlink-relay" \
HOST_BIN="${CARGO_TARGET_DIR:-$PWD/target}/debug/guestlink" \
WASM_DIR="${WASM_DIR:-$PWD/bindings/wasm}" \
SCREENSHOT="${SCREENSHOT:-$PWD/$out/screenshot.png}" \
  node scripts/e2e/e2e.mjs
