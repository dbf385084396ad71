#!/usr/bin/env bash
# Benchmarks smoke: every criterion bench body (guestlink, the floor, vodozemac) runs once in
# the test profile, never timed; plus the benches crate's own tests (sizes, pinned output).
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
cargo test -p guestlink-benches --locked --benches --tests
