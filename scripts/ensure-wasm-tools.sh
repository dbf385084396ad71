#!/usr/bin/env bash
# Installs the tools the WASM package build needs, each only when missing: the wasm32 target,
# wasm-bindgen-cli at exactly the version Cargo.lock pins, and the npm binaryen (wasm-opt) of
# bindings/wasm/package-lock.json. Used by the demo and the end-to-end test's setup.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  rustup target add wasm32-unknown-unknown
fi
want="$(bash bindings/wasm/scripts/wasm-bindgen-version.sh)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (3 to 7 minutes, once)"
  # --locked fails (its lock pins a yanked crate); --debug halves the build, same output.
  cargo install wasm-bindgen-cli --version "$want" --debug
fi
if [ ! -x bindings/wasm/node_modules/.bin/wasm-opt ]; then
  (cd bindings/wasm && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "wasm tools: wasm-bindgen $want, $(bindings/wasm/node_modules/.bin/wasm-opt --version)"
