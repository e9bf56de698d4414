#!/usr/bin/env bash
# Installs the Debian packages ldb needs to build, test and fuzz.
# Everything comes from Debian's archive; nothing is downloaded otherwise.
#   install-deps.sh               build and test (what `ctest` needs)
#   install-deps.sh --build-only  build ldb only (the demo): no test tools
#   install-deps.sh --with-fuzz   build, test and fuzz (clang and libFuzzer)
#   install-deps.sh --with-bench  also the tools bench/ops_bench.py compares with
set -euo pipefail

tests=1
fuzz=0
bench=0
for arg in "$@"; do
  case "$arg" in
    --build-only) tests=0 ;;
    --with-fuzz) fuzz=1 ;;
    --with-bench) bench=1 ;;
    *) echo "install-deps.sh: unknown option '$arg' (use --build-only, --with-fuzz or --with-bench)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libsqlite3-dev libssl-dev libsimdjson-dev nlohmann-json3-dev libfmt-dev
  libre2-dev libtomlplusplus-dev libcurl4-openssl-dev libcli11-dev libxxhash-dev
  # src/image: the image decoders, and Eigen (PCA).
  libjpeg62-turbo-dev libspng-dev libwebp-dev libgif-dev libtiff-dev libeigen3-dev
  # src/store: the PostgreSQL team store's client library.
  libpq-dev
  # src/server (ldb ui): cpp-httplib, Debian's compiled variant (a shared library).
  libcpp-httplib-dev
)
if ((tests)); then
  packages+=(
    libgtest-dev libgmock-dev libbenchmark-dev
    # tests/cli/test_torchvision.py loads instantiated class folders with
    # torchvision.datasets.ImageFolder (large: PyTorch comes with it).
    python3-torchvision
    # tests/cli/test_completion.py runs the zsh completion script in zsh.
    zsh
    # The UMAP projection plugin (plugins/ldb-umap) and its test.
    umap-learn
    # The Python module (python/; built when pybind11 and Python's headers
    # are there), its tests (pytest, numpy) and its install test (a venv).
    pybind11-dev python3-dev python3-pytest python3-numpy python3-venv
    # scripts/test-package.sh: cpack -G DEB computes Depends with
    # dpkg-shlibdeps (dpkg-dev), finding the binaries with file; the manual
    # page is checked with man --warnings -l (man-db).
    dpkg-dev file man-db
    # The PostgreSQL store's tests start a throwaway PostgreSQL 15 server
    # (tests/support/postgres-cluster.sh: initdb, pg_ctl from
    # /usr/lib/postgresql/15/bin; as root it runs as the `postgres` user
    # this package creates).
    postgresql
    # tests/ui: the web UI in a real browser, driven by playwright-core (npm, below).
    chromium
  )
  # node and npm run the S3 and Azure test servers (see below); a node that
  # already brings its own npm is left alone.
  if ! command -v npm >/dev/null 2>&1; then
    packages+=(nodejs npm)
  fi
fi
if ((fuzz)); then
  packages+=(clang-19 libfuzzer-19-dev libclang-rt-19-dev)
fi
if ((bench)); then
  # bench/ops_bench.py: vipsthumbnail and ImageMagick's mogrify, the
  # baselines of `instantiate` with image ops.
  packages+=(libvips-tools imagemagick)
fi

# Test-only servers for tests/cli/test_s3.py and test_azure.py, from npm (no
# Debian package exists): s3rver and Azurite, installed into a cache folder
# outside the repository; and playwright-core, which drives Debian's chromium
# in tests/ui (its own browser downloads are never used). The tests skip
# (saying why) when they are missing.
install_test_servers() {
  local dir="${LDB_TEST_SERVERS_DIR:-$HOME/.cache/ldb-test-servers}"
  if [[ -x "$dir/node_modules/.bin/s3rver" && -x "$dir/node_modules/.bin/azurite-blob" &&
        -f "$dir/node_modules/playwright-core/package.json" ]]; then
    return 0
  fi
  mkdir -p "$dir"
  echo "installing test servers (s3rver, azurite) and playwright-core from npm into $dir" >&2
  if ! PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --no-audit --no-fund --loglevel=error --prefix "$dir" \
    s3rver@3.7.1 azurite@3.37.0 playwright-core@1.65.1 >&2; then
    echo "warning: could not install the npm test tools; the S3, Azure and browser tests will be skipped" >&2
  fi
}

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  if ((tests)); then install_test_servers; fi
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if ((tests)); then install_test_servers; fi
