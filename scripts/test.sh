#!/usr/bin/env bash
# Runs every test of the project: installs what is missing, then each stage
# scripts/test-<NN>-<stage>.sh in name order. Stops at the first failing stage.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0 CARGO_TERM_COLOR=never
bash scripts/setup.sh || { echo "setup failed"; exit 1; }
passed=0; failed=0
for s in scripts/test-[0-9]*.sh; do
  [ -e "$s" ] || continue
  echo "== stage: $s"
  start=$(date +%s)
  if bash "$s"; then
    passed=$((passed + 1)); echo "== stage ok: $s ($(( $(date +%s) - start ))s)"
  else
    failed=$((failed + 1)); echo "== stage FAILED: $s"
    break
  fi
done
echo "stages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
