#!/usr/bin/env bash
# WebAssembly package: size-tuned build, Node tests (conversation, misuse, panic, shared vectors,
# size budget) and the headless Chromium test. Tools come from scripts/setup-wasm.sh.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/../bindings/wasm"
bash scripts/build.sh
# The panic test's build: the package plus its test-only export (cargo feature `testing`).
bash scripts/build.sh --testing
node --test test/node/
node --test test/browser/
