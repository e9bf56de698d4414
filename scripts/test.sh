#!/usr/bin/env bash
# Installs dependencies, builds, and runs every test:
#   1. one clang build with ASan, UBSan and libFuzzer's instrumentation, then
#      each libFuzzer target of it for a bounded time (LDB_FUZZ_SECONDS, default 10)
#   2. a Release build without tests, as users get it: the Python module
#      installed with pip into a venv of Debian's python3 and its tests
#      (scripts/test-python.sh), and the Debian package built and checked
#      unpacked (scripts/test-package.sh)
#   3. every test — unit tests (GoogleTest) and CLI end-to-end tests that run
#      the real binary — from the build of step 1 (AddressSanitizer and UndefinedBehaviorSanitizer),
#      so that any memory error or UB fails a test; the kill -9 suite runs in its
#      short form (70 kills; the 280-kill run is `ctest -L long`); the store's
#      tests and the seed workflow's CLI tests also run on PostgreSQL (a
#      throwaway cluster, tests/support/postgres-cluster.sh)
# Exits non-zero on the first failing stage; ctest's summary closes the output.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
jobs="$(nproc)"
fuzz_seconds="${LDB_FUZZ_SECONDS:-10}"

"$root/scripts/install-deps.sh" --with-fuzz

# One build serves the fuzz targets and every test: clang with ASan, UBSan and
# libFuzzer's coverage instrumentation in every target (LDB_BUILD_FUZZERS;
# -O1 -g1, CMakeLists.txt). clang compiles this code faster than g++, and a
# separate fuzz build cost about ten minutes. One ctest test per unit-test
# binary (not per case): an ASan process start for each of ~870 cases cost
# more than the cases themselves. LDB_PCH: one precompiled header for every
# target. The Release stage below builds with g++, the compiler users have.
echo "== build under ASan+UBSan with clang (${SECONDS} s so far)"
CXX=clang++-19 "$root/scripts/build.sh" "$root/build-asan" -DLDB_BUILD_TESTS=ON -DLDB_BUILD_FUZZERS=ON \
  -DCMAKE_BUILD_TYPE=None -DLDB_UNIT_TEST_PER_CASE=OFF -DLDB_PCH=ON -DLDB_BUILD_PYTHON=OFF

echo "== fuzz (${fuzz_seconds}s per target; ${SECONDS} s so far)"
for t in $(cd "$root/fuzz" && ls fuzz_*.cpp | sed 's/\.cpp$//'); do
  corpus_seed="$root/fuzz/corpus/${t#fuzz_}"
  work="$root/build-asan/corpus-${t#fuzz_}"
  mkdir -p "$work"
  echo "-- $t"
  # A fixed seed makes the run repeatable: what passes here passes in CI.
  "$root/build-asan/fuzz/$t" -seed=1 -max_total_time="$fuzz_seconds" -print_final_stats=0 "$work" "$corpus_seed" 2>&1 | tail -2
done

echo "== release build, the Python module and the Debian package (${SECONDS} s so far)"
"$root/scripts/build.sh" "$root/build-release" -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF
"$root/scripts/test-python.sh" "$root/build-release"
"$root/scripts/test-package.sh" "$root/build-release"

echo "== run every test under ASan+UBSan (${SECONDS} s so far)"
# The suites labelled `long` (the full kill -9 run: `ctest -L long`) are left
# out; their short form (cli_crash_safety) runs here.
# The browser tests fail rather than skip when chromium or playwright-core is
# missing, and the PostgreSQL tests (the store's conformance suite and the
# cli_pg_* / cli_postgres runs on the cluster of the ctest fixture `postgres`)
# when PostgreSQL's server binaries are.
LDB_REQUIRE_BROWSER=1 LDB_REQUIRE_POSTGRES=1 ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir "$root/build-asan" -j"$jobs" --output-on-failure -LE long
