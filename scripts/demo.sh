#!/usr/bin/env bash
# The guestlink demo in one command: builds what is needed (the relay, the host command line and
# the WASM package), starts the relay on 127.0.0.1, creates an invite and opens a host chat in this
# terminal. Open the printed link in a browser on this machine to be the guest.
#
#   GUESTLINK_PORT      relay port (default 8787)
#   GUESTLINK_DEMO_DIR  where the relay database and the host's state go (default target/demo)
set -euo pipefail
cd "$(dirname "$0")/.."
port="${GUESTLINK_PORT:-8787}"
state="${GUESTLINK_DEMO_DIR:-$PWD/target/demo}"
say() { printf '\n== %s\n' "$*"; }

command -v cargo >/dev/null || { echo "demo: Rust is required: https://rustup.rs" >&2; exit 1; }
command -v npm >/dev/null || { echo "demo: Node.js (>= 20) with npm is required" >&2; exit 1; }

say "1/3 tools for the WebAssembly build (installed only when missing)"
bash scripts/ensure-wasm-tools.sh

say "2/3 build: relay, host command line, WASM package"
cargo build -p guestlink-relay --bins --locked
bash scripts/build-wasm-if-stale.sh

say "3/3 start the relay and a host chat"
mkdir -p "$state"
if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
  echo "demo: port $port is in use; run again with GUESTLINK_PORT=<another port>" >&2
  exit 1
fi
target/debug/guestlink-relay --listen "127.0.0.1:$port" --db "$state/relay.sqlite" \
  --wasm-dir bindings/wasm >"$state/relay.log" 2>&1 &
relay_pid=$!
trap 'kill "$relay_pid" 2>/dev/null || true' EXIT INT TERM
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  kill -0 "$relay_pid" 2>/dev/null || { cat "$state/relay.log" >&2; exit 1; }
  sleep 0.1
done
echo "relay: http://127.0.0.1:$port (log: $state/relay.log, database: $state/relay.sqlite)"
export GUESTLINK_HOME="$state/home"
cat <<MSG

What to do next:
  1. Open the link printed below in a browser on this machine (you are the guest).
     The page shows the host's fingerprint and first message, and waits for you to click "Open chat".
  2. Click "Open chat", write a reply. It appears here; type a line here and press Enter to answer.
  3. Compare the safety codes: /code here, "Safety code" on the page.
  Commands here: /code, /revoke (ends the chat), /quit. Ctrl-C stops the relay too.
  Try: open the link in a private window after claiming it (it says "already used"),
  or reload the page (the chat survives).
MSG
target/debug/guestlink invite --relay "http://127.0.0.1:$port" \
  --message "Hello! This is the host of the guestlink demo. Click \"Open chat\" and say hi." --chat
