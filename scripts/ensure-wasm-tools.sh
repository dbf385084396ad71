#!/usr/bin/env bash
# Installs the tools the WASM package build needs, each only when missing: the wasm32 target,
# wasm-bindgen-cli at exactly the version Cargo.lock pins, and the npm binaryen (wasm-opt) of
# bindings/wasm/package-lock.json (with its dev dependencies: binaryen, playwright-core, which never
# downloads a browser). Used by the demo, the end-to-end test's setup and scripts/setup-wasm.sh,
# which adds the browser the demo does not need.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
command -v node >/dev/null 2>&1 || { echo "ensure-wasm-tools: node >= 20 is required" >&2; exit 1; }
node -e 'process.exit(+process.versions.node.split(".")[0] >= 20 ? 0 : 1)' \
  || { echo "ensure-wasm-tools: node >= 20 is required (found $(node --version))" >&2; exit 1; }
installed=$(rustup target list --installed)
if ! grep -qx wasm32-unknown-unknown <<<"$installed"; then
  rustup target add wasm32-unknown-unknown
fi
want="$(bash bindings/wasm/scripts/wasm-bindgen-version.sh)"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  echo "installing wasm-bindgen-cli $want (3 to 7 minutes, once)"
  # --locked fails (its lock pins a yanked crate); --debug halves the build, same output.
  cargo install wasm-bindgen-cli --version "$want" --debug
fi
# npm ci only when node_modules does not match the lock file. No install scripts run: neither dev
# dependency needs one.
if ! cmp -s bindings/wasm/package-lock.json bindings/wasm/node_modules/.guestlink-lock 2>/dev/null; then
  (cd bindings/wasm && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error \
    && cp package-lock.json node_modules/.guestlink-lock)
fi
echo "wasm tools: wasm-bindgen $want, $(bindings/wasm/node_modules/.bin/wasm-opt --version)"
