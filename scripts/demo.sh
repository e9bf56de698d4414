#!/usr/bin/env bash
# The ldb workflow in one go: install dependencies, build, generate a small
# roman-numerals dataset (as in the LDB workflow document), then
# index -> stage -> add --query -> commit -> instantiate.
# Everything it creates lives under build/demo/ (removed and re-made each run).
#   demo.sh                        install dependencies, build, run the workflow
#   demo.sh --ldb PATH [--dir DIR] run the workflow only, with that ldb binary
#                                  (e.g. an installed one), in DIR (default build/demo)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
ldb=""
demo="$root/build/demo"
while (($#)); do
  case "$1" in
    --ldb) ldb="${2:?--ldb needs a path}"; shift 2 ;;
    --dir) demo="$(realpath -m "${2:?--dir needs a folder}")"; shift 2 ;;
    *) echo "demo.sh: unknown argument '$1' (use --ldb PATH and --dir DIR)" >&2; exit 2 ;;
  esac
done
if [[ -n "$ldb" ]]; then
  # The workflow runs in the workspace folder: a relative path would break.
  if [[ "$ldb" == */* ]]; then ldb="$(realpath "$ldb")"; else ldb="$(command -v "$ldb")"; fi
else
  echo "== installing dependencies (apt-get, first run only)"
  "$root/scripts/install-deps.sh" --build-only
  echo "== building ldb (about 10 minutes on 2 cores the first time)"
  "$root/scripts/build.sh" "$root/build" -DLDB_BUILD_TESTS=OFF >/dev/null
  ldb="$root/build/src/cli/ldb"
fi

# Only a folder this script made (it leaves a mark) is removed and re-made.
if [[ "$demo" != "$root/build/demo" && -n "$(ls -A "$demo" 2>/dev/null)" && ! -e "$demo/.ldb-demo" ]]; then
  echo "demo.sh: $demo is not empty and not a demo folder; give --dir a new or empty folder" >&2
  exit 2
fi
rm -rf "$demo"
mkdir -p "$demo"
touch "$demo/.ldb-demo"
echo "== generating 200 numeral images with annotations in $demo/storage"
python3 "$root/scripts/make_numerals.py" "$demo/storage" 200

export LDB_DIR="$demo/instance"
export HOME="$demo/home"   # keep the demo away from your own ~/.ldb
# Echo each command with its quoting, so it can be copied and pasted.
run() {
  local shown=""
  for a in "$@"; do
    if [[ "$a" =~ ^[A-Za-z0-9_./:=@,+-]+$ ]]; then shown+=" $a"; else shown+=" '${a//\'/\'\\\'\'}'"; fi
  done
  echo
  echo "\$ ldb${shown}"
  "$ldb" "$@"
}

run init "$LDB_DIR"
run add-storage "$demo/storage"
run index "$demo/storage/input"
run index "$demo/storage/output"
mkdir -p "$demo/workspace" && cd "$demo/workspace"
run stage ds:numerals
run add "$demo/storage/input"
run commit -m "original inputs"
run stage ds:to-examine
run add "$demo/storage/output" --query 'class != inference.class'
run add "$demo/storage/output" --query 'inference.confidence < 0.75'
run status
run commit -m "misclassified or low confidence"
run instantiate
echo
echo "\$ ls $demo/workspace | head"
ls "$demo/workspace" | head
echo "... $(ls "$demo/workspace" | wc -l) files"
run diff ds:numerals ds:to-examine -s
# Know the data, then prepare it for training: the class spread, a balanced
# sample, and a stratified split committed as two datasets.
run stats ds:numerals --by class
run list ds:numerals --balance class --limit 30 -s
run split ds:numerals --into train=0.8,test=0.2 --stratify class ds:numerals
run ds list
