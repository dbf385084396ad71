#!/usr/bin/env bash
# Installs what the WebAssembly stage needs, each only when missing: the wasm32 target,
# wasm-bindgen-cli pinned to exactly the wasm-bindgen version in Cargo.lock, Debian's Chromium
# (for the browser test) and the npm dev dependencies (binaryen's wasm-opt, playwright-core) from
# the committed package-lock.json. Idempotent.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."

installed=$(rustup target list --installed)
if ! grep -qx wasm32-unknown-unknown <<<"$installed"; then
  rustup target add wasm32-unknown-unknown
fi

want="$(bash bindings/wasm/scripts/wasm-bindgen-version.sh)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)"
if [ "$have" != "$want" ]; then
  echo "setup-wasm: installing wasm-bindgen-cli $want (found '${have:-none}')"
  # No --locked: its lock pins a yanked crate and fails. --debug halves the build; the output
  # of a debug wasm-bindgen is byte-identical.
  cargo install wasm-bindgen-cli --version "$want" --debug
fi

if ! command -v chromium >/dev/null 2>&1; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y chromium chromium-driver
fi

command -v node >/dev/null 2>&1 || { echo "setup-wasm: node >= 20 is required" >&2; exit 1; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || { echo "setup-wasm: node >= 20 is required (found $(node --version))" >&2; exit 1; }

cd bindings/wasm
# npm ci only when node_modules does not match the lock file. No install scripts run: none of the
# two dev dependencies needs one (and playwright-core never downloads a browser).
if ! cmp -s package-lock.json node_modules/.guestlink-lock 2>/dev/null; then
  npm ci --ignore-scripts --no-audit --no-fund
  cp package-lock.json node_modules/.guestlink-lock
fi
