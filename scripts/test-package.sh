#!/usr/bin/env bash
# Builds the Debian package from an already built build folder and checks it
# as a user gets it, without installing it: unpacked with `dpkg-deb -x` into
# a clean temporary folder, its Depends computed and naming the libraries ldb
# links, and from there `ldb --version`, the demo workflow, the shipped UMAP
# plugin, the manual page (`man --warnings -l`) and the completion scripts.
#   scripts/test-package.sh BUILD_DIR
# BUILD_DIR: a full build (`ninja`, which also makes the manual page), e.g.
#   scripts/build.sh build-release -DCMAKE_BUILD_TYPE=Release -DLDB_BUILD_TESTS=OFF
# Needs dpkg-dev (dpkg-shlibdeps) and man-db: scripts/install-deps.sh.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [[ $# -ne 1 || ! -f "$1/CPackConfig.cmake" ]]; then
  echo "usage: test-package.sh BUILD_DIR (a configured and built ldb build folder)" >&2
  exit 2
fi
build="$(realpath "$1")"
work="$(mktemp -d "${TMPDIR:-/tmp}/ldb-package.XXXXXX")"
trap 'rm -rf "$work"' EXIT
fail() {
  echo "test-package.sh: FAILED: $*" >&2
  exit 1
}

echo "== cpack -G DEB from $build"
start=$SECONDS
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/cpack" >"$work/cpack.log" 2>&1; then
  cat "$work/cpack.log" >&2
  fail "cpack -G DEB"
fi
debs=("$work"/cpack/ldb_*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "cpack made no ldb_*.deb (or several): ${debs[*]}"
deb="${debs[0]}"
echo "$(basename "$deb"): $(du -k "$deb" | cut -f1) KiB, made in $((SECONDS - start)) s"
dpkg-deb --field "$deb" Package Version Architecture Maintainer Section Depends Recommends Suggests

# Depends come from dpkg-shlibdeps: the Debian packages of the libraries the
# binary links, each with the minimum version it needs.
depends="$(dpkg-deb --field "$deb" Depends)"
[[ -n "$depends" ]] || fail "the package's Depends is empty (was dpkg-shlibdeps run?)"
names=" $(sed -E 's/ \([^)]*\)//g; s/,/ /g' <<<"$depends") "
for package in libc6 libstdc++6 libsqlite3-0 libssl3 libre2-9 libfmt9 libjpeg62-turbo libcpp-httplib0.11; do
  [[ "$names" == *" $package "* ]] || fail "Depends does not name $package: $depends"
done
[[ -n "$(dpkg-deb --field "$deb" Description)" ]] || fail "no Description"

echo "== dpkg-deb -x into a clean folder"
dpkg-deb -x "$deb" "$work/root"
usr="$work/root/usr"
for file in bin/ldb lib/ldb/plugins/ldb-umap share/man/man1/ldb.1 share/bash-completion/completions/ldb \
  share/zsh/vendor-completions/_ldb share/doc/ldb/README.md share/doc/ldb/docs/architecture.md; do
  [[ -f "$usr/$file" ]] || fail "the package has no /usr/$file"
done
[[ -x "$usr/bin/ldb" && -x "$usr/lib/ldb/plugins/ldb-umap" ]] || fail "ldb or ldb-umap is not executable"
unexpected="$(dpkg-deb --contents "$deb" | awk '{print $NF}' |
  grep -Ev '^\./(usr/((lib|share)/)?)?$|^\./usr/(bin/|lib/ldb/|lib/python3/|share/(man|doc|bash-completion|zsh)/)' || true)"
[[ -z "$unexpected" ]] || fail "the package holds files outside those folders: $unexpected"

ldb="$usr/bin/ldb"
version="$("$ldb" --version)"
echo "$version"
[[ "$version" =~ ^ldb\ [0-9]+\.[0-9]+\.[0-9]+\ \(commit\ ([0-9a-f]{12}(-dirty)?|unknown)\)$ ]] ||
  fail "ldb --version printed '$version'"

echo "== the demo workflow with the unpacked binary"
if ! "$root/scripts/demo.sh" --ldb "$ldb" --dir "$work/demo" >"$work/demo.log" 2>&1; then
  cat "$work/demo.log" >&2
  fail "the demo workflow"
fi
tail -4 "$work/demo.log"

echo "== the shipped UMAP plugin, found at ../lib/ldb/plugins from the unpacked binary"
# Three vectors: ldb-umap projects them with PCA (numpy only) and says so;
# the point is that ldb found the plugin where the package put it.
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  export LDB_DIR="$work/demo/instance" HOME="$work/demo/home"
  "$ldb" embed ds:numerals --limit 3 >/dev/null
  if ! "$ldb" project ds:numerals --limit 3 --method umap >"$work/umap.log" 2>&1 ||
    ! grep -q "^ldb-umap: UMAP needs at least 4 vectors" "$work/umap.log"; then
    cat "$work/umap.log" >&2
    fail "ldb project --method umap did not run the packaged plugin"
  fi
  cat "$work/umap.log"
  unset LDB_DIR
else
  echo "skipped: Debian's python3-numpy is not installed (scripts/install-deps.sh installs it)"
fi

echo "== the Python module, when the build made it"
site="$usr/lib/python3/dist-packages"
if [[ -f "$site/ldb/__init__.py" ]]; then
  [[ "$(dpkg-deb --field "$deb" Depends)" == *"python3 (>= 3."* ]] || fail "the package holds the Python module but does not depend on python3"
  # The demo's ds:numerals read through the packaged module, from outside
  # the repository: the same members as the packaged binary lists.
  expected="$(LDB_DIR="$work/demo/instance" HOME="$work/demo/home" "$ldb" list ds:numerals -s)"
  got="$(cd "$work" && env -u PYTHONPATH PYTHONPATH="$site" LDB_DIR="$work/demo/instance" HOME="$work/demo/home" \
    /usr/bin/python3 -c 'import ldb; s = ldb.Instance().dataset("numerals"); assert s[0].read()[:2]; print(len(s), ldb.__file__)')" ||
    fail "import ldb from the unpacked package"
  [[ "${got%% *}" == "$expected" ]] || fail "ldb.Instance().dataset('numerals') has ${got%% *} members, ldb list -s says $expected"
  [[ "${got#* }" == "$site/ldb/__init__.py" ]] || fail "import ldb found ${got#* }, not the packaged module"
  echo "import ldb from $site: ds:numerals has ${got%% *} members, as ldb list -s says"
else
  echo "not in this package (built without LDB_BUILD_PYTHON)"
fi

echo "== man --warnings -l on the unpacked page"
LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$usr/share/man/man1/ldb.1" >"$work/man.txt" 2>"$work/man.err" ||
  fail "man -l failed: $(cat "$work/man.err")"
[[ ! -s "$work/man.err" ]] || fail "man --warnings -l warned: $(cat "$work/man.err")"
for command in $("$ldb" --help | sed -n '/^commands:/,/^$/s/^  \([a-z-]*\) .*/\1/p'); do
  grep -q "^   ldb $command\$" "$work/man.txt" || fail "the manual page has no section for 'ldb $command'"
done
echo "$(wc -l <"$work/man.txt") lines, no warnings, a section per command"

echo "== the completion scripts"
bash -c "source '$usr/share/bash-completion/completions/ldb' && complete -p ldb" ||
  fail "the bash completion script does not register ldb"
if command -v zsh >/dev/null; then
  registered="$(zsh -f -c "fpath=('$usr/share/zsh/vendor-completions' \$fpath); autoload -U compinit && compinit -u -D; print -r -- \$_comps[ldb]")"
  [[ "$registered" == _ldb ]] || fail "zsh's compinit does not find _ldb for ldb (got '$registered')"
  echo "zsh: compinit registers _ldb for ldb"
fi
echo "== the package is good ($((SECONDS - start)) s)"
