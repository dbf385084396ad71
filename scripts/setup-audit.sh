#!/usr/bin/env bash
# Audit stage tools, pinned, installed only when missing: cargo-deny (licences, bans, sources)
# and cargo-fuzz (the fuzz smoke; it also needs a nightly toolchain, which is not installed here:
# the smoke is skipped without one).
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
CARGO_DENY_VERSION=0.20.2
CARGO_FUZZ_VERSION=0.13.1
export CARGO_INCREMENTAL=0
if [ "$(cargo deny --version 2>/dev/null)" != "cargo-deny $CARGO_DENY_VERSION" ]; then
  echo "setup-audit: installing cargo-deny $CARGO_DENY_VERSION (several minutes)"
  cargo install cargo-deny --version "$CARGO_DENY_VERSION" --locked
fi
if [ "$(cargo fuzz --version 2>/dev/null || true)" != "cargo-fuzz $CARGO_FUZZ_VERSION" ]; then
  if cargo +nightly --version >/dev/null 2>&1; then
    echo "setup-audit: installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  else
    echo "setup-audit: no nightly toolchain, cargo-fuzz not installed (the fuzz smoke will be skipped)"
  fi
fi
cargo deny --version
