#!/usr/bin/env bash
# Audit stage: supply chain (cargo-deny), fuzz corpora replay and seed drift, Wycheproof,
# adversarial tests, and a short fuzz smoke when cargo-fuzz and a nightly toolchain exist.
# Advisories are NOT checked here (they need network): see README.md, Security.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0

echo "== cargo deny (root workspace, then fuzz/)"
cargo deny --locked check licenses bans sources
cargo deny --locked --manifest-path fuzz/Cargo.toml check licenses bans sources

# The root workspace's `cargo test` (stage 10) already runs these and the adversarial tests
# (crates/guestlink/tests/adversarial.rs); they are cheap, so the stage also stands alone.
echo "== fuzz corpora replay (stable) and Wycheproof"
cargo test --locked -p guestlink-fuzz-targets -p guestlink-audit

echo "== seed corpora match the generator (a wire-format change must regenerate them)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
cargo run --locked -q -p guestlink-fuzz-targets --bin gen-fuzz-corpus -- "$tmp"
for dir in fuzz/corpus/*/; do
  t="$(basename "$dir")"
  if ! diff <(cd "$dir" && ls seed-* | sort) <(cd "$tmp/$t" && ls seed-* | sort) >/dev/null; then
    echo "fuzz/corpus/$t: seeds differ from the generator; run: cargo run -p guestlink-fuzz-targets --bin gen-fuzz-corpus"
    exit 1
  fi
done

if [ "${GUESTLINK_SKIP_FUZZ_SMOKE:-0}" != 1 ] && cargo +nightly --version >/dev/null 2>&1 \
   && cargo fuzz --version >/dev/null 2>&1; then
  secs="${FUZZ_SMOKE_SECS:-5}"
  echo "== fuzz smoke: ${secs}s per target (dev profile, no sanitizer: the code is forbid(unsafe))"
  (cd fuzz && cargo +nightly fuzz build --dev -s none)
  for t in $(cd fuzz/fuzz_targets && ls *.rs | sed 's/\.rs$//'); do
    mkdir -p "$tmp/work-$t"
    if ! (cd fuzz && cargo +nightly fuzz run --dev -s none "$t" "$tmp/work-$t" "corpus/$t" -- \
          -max_total_time="$secs" -timeout=10) >"$tmp/$t.log" 2>&1; then
      tail -40 "$tmp/$t.log"
      echo "fuzz smoke FAILED: $t (reproduce: cd fuzz && cargo +nightly fuzz run $t <artifact>)"
      exit 1
    fi
    echo "$t: $(grep -E '^Done [0-9]+ runs' "$tmp/$t.log" | tail -1)"
  done
else
  echo "== fuzz smoke skipped (needs cargo-fuzz and a nightly toolchain)"
fi
echo "audit stage: ok"
