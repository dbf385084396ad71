#!/usr/bin/env bash
# Benchmarks smoke: every criterion bench body (guestlink, the floor, vodozemac) runs once in
# the test profile, never timed; plus the benches crate's own tests (sizes, pinned output).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo test -p guestlink-benches --locked --benches --tests
