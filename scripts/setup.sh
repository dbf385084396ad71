#!/usr/bin/env bash
# Installs what the tests need on a fresh machine; idempotent, safe to run again.
# Every stage's own installer is scripts/setup-<stage>.sh; they run in name order.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
command -v cargo >/dev/null || { echo "setup: cargo (rustup) is required" >&2; exit 1; }
rustup component add rustfmt clippy >/dev/null 2>&1 || true
for s in scripts/setup-*.sh; do
  [ -e "$s" ] || continue
  echo "== setup: $s"
  bash "$s"
done
