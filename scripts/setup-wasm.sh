#!/usr/bin/env bash
# Installs what the WebAssembly stage needs, each only when missing: Debian's Chromium (for the
# browser test), then the build tools of scripts/ensure-wasm-tools.sh (the wasm32 target,
# wasm-bindgen-cli pinned to exactly the wasm-bindgen version in Cargo.lock, the npm dev
# dependencies of the committed package-lock.json). Idempotent.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver
fi
bash scripts/ensure-wasm-tools.sh
