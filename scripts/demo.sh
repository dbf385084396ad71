#!/usr/bin/env bash
# The demo: host and guest in one process, printing the link, the safety code and every message.
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo run --quiet --locked -p guestlink --example demo
