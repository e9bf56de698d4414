#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test:
#   1. each libFuzzer target for a bounded time (LDB_FUZZ_SECONDS, default 10)
#   2. a Release build without tests, as users get it: the Python module
#      installed with pip into a venv of Debian's python3 and its tests
#      (scripts/test-python.sh), and the Debian package built and checked
#      unpacked (scripts/test-package.sh)
#   3. every test — unit tests (GoogleTest) and CLI end-to-end tests that run
#      the real binary — built with AddressSanitizer and UndefinedBehaviorSanitizer,
#      so that any memory error or UB fails a test; the kill -9 suite runs in its
#      short form (70 kills; the 280-kill run is `ctest -L long`)
# Exits non-zero on the first failing stage; ctest's summary closes the output.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc)"
fuzz_seconds="${LDB_FUZZ_SECONDS:-10}"

"$root/scripts/install-deps.sh" --with-fuzz

echo "== fuzz (${fuzz_seconds}s per target; ${SECONDS} s so far)"
# -O1 (libFuzzer's documentation builds targets so) with line tables only
# (enough for a crash report): RelWithDebInfo's -O2 and full debug info
# made this build slower and the fuzzing no better.
CXX=clang++-19 cmake -S "$root" -B "$root/build-fuzz" -G Ninja -DCMAKE_BUILD_TYPE=None \
  -DCMAKE_CXX_FLAGS="-O1 -gline-tables-only" \
  -DLDB_BUILD_FUZZERS=ON -DLDB_BUILD_TESTS=OFF >/dev/null
targets=$(cd "$root/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//')
# shellcheck disable=SC2086
ninja -C "$root/build-fuzz" -j"$jobs" $targets
for t in $targets; do
  corpus_seed="$root/fuzz/corpus/${t#fuzz_}"
  work="$root/build-fuzz/corpus-${t#fuzz_}"
  mkdir -p "$work"
  echo "-- $t"
  # A fixed seed makes the run repeatable: what passes here passes in CI.
  "$root/build-fuzz/fuzz/$t" -seed=1 -max_total_time="$fuzz_seconds" -print_final_stats=0 "$work" "$corpus_seed" 2>&1 | tail -2
done

echo "== release build, the Python module and the Debian package (${SECONDS} s so far)"
"$root/scripts/build.sh" "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF
"$root/scripts/test-python.sh" "$root/build-release"
"$root/scripts/test-package.sh" "$root/build-release"

echo "== build and run every test under ASan+UBSan (${SECONDS} s so far)"
# One ctest test per unit-test binary (not per case): an ASan process start for
# each of ~870 cases cost more than the cases themselves.
# LDB_PCH: one precompiled header for every target (16% less compile CPU).
"$root/scripts/build.sh" "$root/build-asan" -DLDB_BUILD_TESTS=ON -DLDB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug \
  -DLDB_UNIT_TEST_PER_CASE=OFF -DLDB_PCH=ON -DLDB_BUILD_PYTHON=OFF
# The suites labelled `long` (the full kill -9 run: `ctest -L long`) are left
# out; their short form (cli_crash_safety) runs here.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j"$jobs" --output-on-failure -LE long
