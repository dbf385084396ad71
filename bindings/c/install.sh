#!/usr/bin/env bash
# Installs the C library: header, static and shared library, and a pkg-config file.
#   bindings/c/install.sh [--debug] PREFIX
# Builds guestlink-ffi (release unless --debug), then copies
#   PREFIX/include/guestlink.h, PREFIX/lib/libguestlink_ffi.{a,so}, PREFIX/lib/pkgconfig/guestlink{,-static}.pc
set -euo pipefail
cd "$(dirname "$0")/../.."
profile=release
if [ "${1:-}" = "--debug" ]; then profile=debug; shift; fi
prefix="${1:?usage: install.sh [--debug] PREFIX}"
if [ "$profile" = release ]; then cargo build --locked --release -p guestlink-ffi; else cargo build --locked -p guestlink-ffi; fi
target="${CARGO_TARGET_DIR:-target}/$profile"
# The first `version = "..."` line (the workspace version); awk reads the file itself, no pipe.
version=$(awk -F'"' '/^version = "/ { print $2; exit }' Cargo.toml)
# The system libraries a Rust static library needs on Linux (`cargo rustc -- --print native-static-libs`).
libs_private="-lpthread -ldl -lm -lrt -lutil"
mkdir -p "$prefix/include" "$prefix/lib/pkgconfig"
cp bindings/c/include/guestlink.h "$prefix/include/"
cp "$target/libguestlink_ffi.a" "$target/libguestlink_ffi.so" "$prefix/lib/"
prefix_abs=$(cd "$prefix" && pwd)
for pc in guestlink guestlink-static; do
  sed -e "s|@PREFIX@|$prefix_abs|" -e "s|@VERSION@|$version|" -e "s|@LIBS_PRIVATE@|$libs_private|" \
    "bindings/c/$pc.pc.in" > "$prefix/lib/pkgconfig/$pc.pc"
done
echo "installed guestlink $version ($profile) into $prefix_abs"
