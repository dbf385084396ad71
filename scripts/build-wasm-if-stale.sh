#!/usr/bin/env bash
# Builds the WASM package (bindings/wasm/scripts/build.sh) unless its output is newer than every
# source it is built from. Used by the demo and the end-to-end test.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
wasm="bindings/wasm/pkg/guestlink_wasm_bg.wasm"
if [ -f "$wasm" ] && [ -z "$(find crates/guestlink/src bindings/wasm/src bindings/wasm/Cargo.toml Cargo.lock -newer "$wasm" -print -quit)" ]; then
  echo "wasm package up to date: $wasm"
  exit 0
fi
bash bindings/wasm/scripts/build.sh
