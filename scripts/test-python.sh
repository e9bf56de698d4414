#!/usr/bin/env bash
# Tests the Python package as a user installs it: makes a venv of Debian's
# python3 (which sees Debian's torch) in a temporary folder, pip installs
# ./python into it offline, building the module in BUILD_DIR (an already
# configured build folder: LDB_CMAKE_BUILD_DIR), and runs every test of
# tests/python with that venv's Python, from outside the repository.
#   scripts/test-python.sh BUILD_DIR
# Exits non-zero when the install or a test fails.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -ne 1 ]]; then
  echo "usage: scripts/test-python.sh BUILD_DIR" >&2
  exit 2
fi
build="$(cd "$1" && pwd)"
python=/usr/bin/python3
if [[ ! -x $python ]]; then
  echo "test-python.sh: $python (Debian's python3) is missing; run scripts/install-deps.sh" >&2
  exit 2
fi
tmp="$(mktemp -d "${TMPDIR:-/tmp}/ldb-python-test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# The tests run the real binary; pip builds the module.
cmake --build "$build" --target ldb
"$python" -m venv --system-site-packages "$tmp/venv"
LDB_CMAKE_BUILD_DIR="$build" PIP_DISABLE_PIP_VERSION_CHECK=1 \
  "$tmp/venv/bin/pip" install --quiet --no-build-isolation --no-index "$root/python"
# Outside the repository, so that `import ldb` finds the installed package.
cd "$tmp"
env -u PYTHONPATH LDB_BIN="$build/src/cli/ldb" LDB_PYTHON_VENV="$tmp/venv" PYTHONDONTWRITEBYTECODE=1 \
  "$tmp/venv/bin/python" -m pytest -q -p no:cacheprovider "$root/tests/python"
