#!/usr/bin/env bash
# C binding: header drift, C11 tests (conversation, misuse, shared test vectors) linked statically
# and dynamically, the same tests under Valgrind and under ASan+UBSan, a planted leak that both
# tools must catch, and the README example built through pkg-config.
set -Eeuo pipefail
# Name the failing command: a stage that stops under set -e says nothing otherwise.
trap 'echo "$0: line $LINENO: exit $? from: $BASH_COMMAND" >&2' ERR
cd "$(dirname "$0")/.."
export CARGO_INCREMENTAL=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "-- header is up to date"
cargo run -q --locked -p guestlink-ffi-tools --bin gen-header >/dev/null
git ls-files --error-unmatch bindings/c/include/guestlink.h >/dev/null
git diff --exit-code -- bindings/c/include/guestlink.h

echo "-- the header compiles as C99, C11, C2x and C++"
for std in c99 c11 c2x; do gcc -std=$std -pedantic -Wall -Wextra -Werror -fsyntax-only bindings/c/include/guestlink.h; done
g++ -std=c++17 -Wall -Wextra -Werror -fsyntax-only -x c++ bindings/c/include/guestlink.h

echo "-- every exported function is exercised by the misuse test"
funcs=$(grep -oE '\bguestlink_[a-z0-9_]+\(' bindings/c/include/guestlink.h | tr -d '(' | sort -u)
unused=$(for f in $funcs; do grep -qw "$f" bindings/c/tests/misuse.c || echo "$f"; done)
# Functions without pointer arguments cannot be misused with NULL (the conversation test covers
# them); the test-only exports are exercised by panic.c and the digest checks.
unused=$(echo "$unused" | grep -vxE 'guestlink_(version|protocol_version|message_version|snapshot_version)|guestlink_.*_for_testing_only' || true)
if [ -n "$unused" ]; then echo "not in misuse.c: $unused"; exit 1; fi

echo "-- README example is examples/chat.c"
awk '/<!-- example:begin -->/{f=1;next} /<!-- example:end -->/{f=0} f' bindings/c/README.md \
  | sed '1d;$d' > "$tmp/readme-example.c"
diff -u bindings/c/examples/chat.c "$tmp/readme-example.c"

echo "-- Rust-side tests and lints with the test-only exports (panic boundary, poisoning)"
cargo test -q --locked -p guestlink-ffi --features testing
cargo clippy -q --locked -p guestlink-ffi --all-targets --features testing -- -D warnings

echo "-- build (debug, with the test-only exports)"
cargo build -q --locked -p guestlink-ffi --features testing
lib="$(cd "${CARGO_TARGET_DIR:-target}/debug" && pwd)"
echo "-- test vectors -> line format (kdf.json needs internals the C ABI does not expose)"
cargo run -q --locked -p guestlink-ffi-tools --bin vectors-to-lines -- test-vectors > "$tmp/vectors.txt"
for suite in conversation envelope link record snapshot; do
  grep -q "^SUITE $suite " "$tmp/vectors.txt" || { echo "suite $suite missing from test-vectors/"; exit 1; }
done
# The frozen files of message envelope and snapshot version 1 (SPEC §17), replayed after the current ones.
cargo run -q --locked -p guestlink-ffi-tools --bin vectors-to-lines -- test-vectors/v1 >> "$tmp/vectors.txt"
for suite in conversation envelope snapshot; do
  [ "$(grep -c "^SUITE $suite " "$tmp/vectors.txt")" = 2 ] || { echo "suite v1/$suite missing"; exit 1; }
done
vectors_arg=("$tmp/vectors.txt")
cflags=(-std=c11 -Wall -Wextra -Werror -pedantic -g -Ibindings/c/include)
testflags=(-DGUESTLINK_TESTING)
syslibs=(-lpthread -ldl -lm)
tests=(bindings/c/tests/*.c)
gcc "${cflags[@]}" "${testflags[@]}" -O1 "${tests[@]}" "$lib/libguestlink_ffi.a" "${syslibs[@]}" -o "$tmp/c-tests-static"
gcc "${cflags[@]}" "${testflags[@]}" -O1 "${tests[@]}" -L"$lib" -lguestlink_ffi -Wl,-rpath,"$lib" -o "$tmp/c-tests-shared"
gcc "${cflags[@]}" "${testflags[@]}" -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer \
  "${tests[@]}" "$lib/libguestlink_ffi.a" "${syslibs[@]}" -o "$tmp/c-tests-asan"
# ldd's output goes to a variable first: under pipefail, `ldd | grep -q` fails at random when grep
# exits at its first match and ldd dies of SIGPIPE on its next write (CI stop 10 failed that way).
deps=$(ldd "$tmp/c-tests-shared")
grep -q libguestlink_ffi.so <<<"$deps" || { echo "c-tests-shared does not link libguestlink_ffi.so"; exit 1; }

echo "-- C tests (shared library)"
"$tmp/c-tests-shared" "${vectors_arg[@]}"
echo "-- C tests under ASan + UBSan (static library)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  "$tmp/c-tests-asan" "${vectors_arg[@]}"
echo "-- C tests under Valgrind (static library)"
valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible \
  --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=1 "$tmp/c-tests-static" "${vectors_arg[@]}"

echo "-- the tools have teeth: a leaked handle must fail both runs"
cat > "$tmp/leak.c" <<'C'
#include "guestlink.h"
int main(void) {
  guestlink_host_identity *id = 0;
  for (int i = 0; i < 8; i++) /* each handle overwrites the last: at least 7 are unreachable */
    if (guestlink_host_identity_new(&id) != GUESTLINK_RESULT_OK) return 2;
  return 0;
}
C
gcc "${cflags[@]}" "$tmp/leak.c" "$lib/libguestlink_ffi.a" "${syslibs[@]}" -o "$tmp/leak"
gcc "${cflags[@]}" -fsanitize=address,undefined "$tmp/leak.c" "$lib/libguestlink_ffi.a" "${syslibs[@]}" -o "$tmp/leak-asan"
rc=0; valgrind -q --leak-check=full --error-exitcode=99 "$tmp/leak" 2>/dev/null || rc=$?
if [ "$rc" != 99 ]; then echo "valgrind missed a leak (exit $rc)"; exit 1; fi
rc=0; ASAN_OPTIONS=detect_leaks=1:exitcode=98 "$tmp/leak-asan" 2>/dev/null || rc=$?
if [ "$rc" != 98 ]; then echo "ASan missed a leak (exit $rc)"; exit 1; fi

echo "-- install + pkg-config + README example (static and shared)"
bash bindings/c/install.sh --debug "$tmp/prefix" >/dev/null 2>&1
export PKG_CONFIG_PATH="$tmp/prefix/lib/pkgconfig"
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror bindings/c/examples/chat.c $(pkg-config --cflags --libs guestlink) \
  -Wl,-rpath,"$tmp/prefix/lib" -o "$tmp/chat-shared"
# shellcheck disable=SC2046
gcc -std=c11 -Wall -Wextra -Werror bindings/c/examples/chat.c $(pkg-config --cflags --libs guestlink-static) \
  -o "$tmp/chat-static"
deps=$(ldd "$tmp/chat-static")
if grep -q guestlink <<<"$deps"; then echo "chat-static links the shared library"; exit 1; fi
"$tmp/chat-shared" >/dev/null
"$tmp/chat-static"
echo "C binding: all checks passed"
