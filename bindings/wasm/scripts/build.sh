#!/usr/bin/env bash
# Builds the npm package's WebAssembly: cargo (size profile) -> wasm-bindgen (ESM glue, version
# pinned by Cargo.lock) -> wasm-opt -Oz (npm binaryen; Debian's binaryen 108 breaks the output).
# Output: bindings/wasm/pkg/{guestlink_wasm.js, guestlink_wasm.d.ts, guestlink_wasm_bg.wasm}.
# With --testing: the same with the test-only exports (cargo feature `testing`), in pkg-testing/.
set -euo pipefail
features=() out=pkg
if [ "${1:-}" = "--testing" ]; then features=(--features testing) out=pkg-testing; fi
here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/../.." && pwd)"
want="$(bash "$here/scripts/wasm-bindgen-version.sh")"
have="$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" || true
if [ "$have" != "$want" ]; then
  echo "build: wasm-bindgen $want is required (found '${have:-none}'); run scripts/setup-wasm.sh" >&2
  exit 1
fi
wasm_opt="$here/node_modules/.bin/wasm-opt"
[ -x "$wasm_opt" ] || { echo "build: run 'npm ci' in bindings/wasm (npm binaryen)" >&2; exit 1; }

cd "$root"
cargo build -p guestlink-wasm --target wasm32-unknown-unknown --profile wasm-release --locked "${features[@]}"
target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"
rm -rf "${here:?}/$out"
wasm-bindgen --target web --out-dir "$here/$out" --out-name guestlink_wasm \
  "$target_dir/wasm32-unknown-unknown/wasm-release/guestlink_wasm.wasm"
"$wasm_opt" -Oz --enable-bulk-memory --enable-reference-types --enable-multivalue \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int \
  "$here/$out/guestlink_wasm_bg.wasm" -o "$here/$out/guestlink_wasm_bg.wasm"
ls -l "$here/$out/guestlink_wasm_bg.wasm"
