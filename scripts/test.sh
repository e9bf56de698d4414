#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test:
#   1. unit tests (GoogleTest) and CLI end-to-end tests under AddressSanitizer +
#      UndefinedBehaviorSanitizer
#   2. each libFuzzer target for a bounded time (LDB_FUZZ_SECONDS, default 30)
#   3. every test (all labels, slow ones too) in the normal RelWithDebInfo build
# Exits non-zero on the first failing stage.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc)"
fuzz_seconds="${LDB_FUZZ_SECONDS:-30}"

"$root/scripts/install-deps.sh" --with-fuzz

echo "== build and test under ASan+UBSan"
"$root/scripts/build.sh" "$root/build-asan" -DLDB_BUILD_TESTS=ON -DLDB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j"$jobs" -LE slow --output-on-failure

echo "== fuzz (${fuzz_seconds}s per target)"
CXX=clang++-19 cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLDB_BUILD_FUZZERS=ON -DLDB_BUILD_TESTS=OFF >/dev/null
targets=$(cd "$root/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
# shellcheck disable=SC2086
ninja -C "$root/build-fuzz" -j"$jobs" $targets
for t in $targets; do
  corpus_seed="$root/fuzz/corpus/${t#fuzz_}"
  work="$root/build-fuzz/corpus-${t#fuzz_}"
  mkdir -p "$work"
  echo "-- $t"
  "$root/build-fuzz/fuzz/$t" -max_total_time="$fuzz_seconds" -print_final_stats=0 "$work" "$corpus_seed" 2>&1 | tail -3
done

# Last, so that ctest's summary closes the output.
echo "== build and test (RelWithDebInfo)"
"$root/scripts/build.sh" "$root/build" -DLDB_BUILD_TESTS=ON
ctest --test-dir "$root/build" -j"$jobs" --output-on-failure
