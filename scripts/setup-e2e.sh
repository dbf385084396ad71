#!/usr/bin/env bash
# Installs what the end-to-end test (scripts/test-60-e2e.sh) needs, only when missing:
# Debian's Chromium and chromedriver (apt), and playwright-core pinned by scripts/e2e/package-lock.json
# (npm ci; it drives the system Chromium and never downloads a browser); the tools that build the
# WASM package the page loads (scripts/ensure-wasm-tools.sh, shared with the demo).
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
  echo "setup-e2e: installing chromium and chromium-driver (apt)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
fi
chromium --version
command -v node >/dev/null || { echo "setup-e2e: node (>= 20) is required" >&2; exit 1; }
want="$(node -p 'require("./scripts/e2e/package-lock.json").packages["node_modules/playwright-core"].version')"
have="$(node -p 'try { require("./scripts/e2e/node_modules/playwright-core/package.json").version } catch { "" }')"
if [ "$have" != "$want" ]; then
  echo "setup-e2e: npm ci (playwright-core $want)"
  (cd scripts/e2e && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup-e2e: playwright-core $want"
bash scripts/ensure-wasm-tools.sh
