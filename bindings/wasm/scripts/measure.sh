#!/usr/bin/env bash
# Prints the .wasm size (raw, gzip -9, brotli) and the per-message cost in Node next to the native
# figure. A report for README.md, not a test. Run scripts/build.sh first.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
wasm="$here/pkg/guestlink_wasm_bg.wasm"
[ -f "$wasm" ] || { echo "measure: run scripts/build.sh first" >&2; exit 1; }
node -e '
const fs = require("fs"), z = require("zlib");
const b = fs.readFileSync(process.argv[1]);
const gz = z.gzipSync(b, { level: 9 }).length;
const br = z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const kib = (n) => (n / 1024).toFixed(1) + " KiB";
console.log(`wasm size: raw ${b.length} B (${kib(b.length)}), gzip -9 ${gz} B (${kib(gz)}), brotli ${br} B (${kib(br)})`);
const js = fs.readFileSync(process.argv[2]);
console.log(`js glue:   raw ${js.length} B, gzip -9 ${z.gzipSync(js, { level: 9 }).length} B`);
' "$wasm" "$here/pkg/guestlink_wasm.js"
echo "per message, 100-byte text ($(node --version), $(uname -m)):"
node "$here/bench/measure.mjs"
cd "$here/../.."
cargo run --quiet --release --locked -p guestlink-wasm --example native_cost
