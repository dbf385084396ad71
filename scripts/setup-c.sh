#!/usr/bin/env bash
# C binding (scripts/test-40-c.sh): gcc (with its ASan/UBSan runtimes), g++ (the header must
# parse as C++), valgrind, pkg-config.
# Installs only what is missing; idempotent.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
command -v g++ >/dev/null || missing+=(g++)
command -v valgrind >/dev/null || missing+=(valgrind)
command -v pkg-config >/dev/null || missing+=(pkg-config)
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "setup-c: installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
echo "setup-c: gcc $(gcc -dumpfullversion); $(valgrind --version); pkg-config $(pkg-config --version)"
