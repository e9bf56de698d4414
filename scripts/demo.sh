#!/usr/bin/env bash
# The ldb workflow in one go: install dependencies, build, generate a small
# roman-numerals dataset (as in the LDB workflow document), then
# index -> stage -> add --query -> commit -> instantiate.
# Everything it creates lives under build/demo/ (removed and re-made each run).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
echo "== installing dependencies (apt-get, first run only)"
"$root/scripts/install-deps.sh" --build-only
echo "== building ldb (about 10 minutes on 2 cores the first time)"
"$root/scripts/build.sh" "$root/build" -DLDB_BUILD_TESTS=OFF >/dev/null
ldb="$root/build/src/cli/ldb"

demo="$root/build/demo"
rm -rf "$demo"
mkdir -p "$demo"
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
