#!/usr/bin/env bash
# WebAssembly package: size-tuned build, Node tests (conversation, misuse, panic, shared vectors,
# size budget) and the headless Chromium test. Tools come from scripts/setup-wasm.sh.
set -euo pipefail
cd "$(dirname "$0")/../bindings/wasm"
bash scripts/build.sh
node --test test/node/
node --test test/browser/
