#!/usr/bin/env bash
# Runs every fuzz target one after the other (never in parallel: CPU is scarce) for SECONDS each.
#   fuzz/run-all.sh [SECONDS] [WORKDIR]
# New inputs go to WORKDIR/<target> (default target/fuzz-work, not committed); the committed
# seeds in fuzz/corpus/<target> are read only. Logs: WORKDIR/<target>.log. Crashes:
# fuzz/artifacts/<target>/. Prints libFuzzer's final stats line per target.
set -uo pipefail
cd "$(dirname "$0")"
secs="${1:-300}"
work="${2:-target/fuzz-work}"
# address (cargo-fuzz's default) or none: the crate is forbid(unsafe_code), so ASan only guards
# the dependencies' unsafe code and costs 2-3x throughput.
san="${FUZZ_SANITIZER:-address}"
mkdir -p "$work"
status=0
for t in link envelope guest_open session_decrypt snapshot interaction; do
  mkdir -p "$work/$t"
  echo "== $t: ${secs}s, sanitizer $san"
  cargo +nightly fuzz run -s "$san" "$t" "$work/$t" "corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -timeout=10 -rss_limit_mb=2048 >"$work/$t.log" 2>&1
  rc=$?
  grep -E '^#[0-9]+.*DONE|stat::number_of_executed_units|stat::peak_rss_mb' "$work/$t.log" | tail -3
  grep -E 'cov: [0-9]+' "$work/$t.log" | tail -1
  if [ "$rc" -ne 0 ]; then echo "== $t: FAILED (rc=$rc), see $work/$t.log"; status=1; fi
done
exit "$status"
