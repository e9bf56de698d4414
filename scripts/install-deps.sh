#!/usr/bin/env bash
# Installs the Debian packages ldb needs to build, test and fuzz.
# Everything comes from Debian's archive; nothing is downloaded otherwise.
set -euo pipefail

packages=(
  build-essential cmake ninja-build pkg-config git python3
  libsqlite3-dev libssl-dev libsimdjson-dev nlohmann-json3-dev libfmt-dev
  libre2-dev libtomlplusplus-dev libcurl4-openssl-dev libcli11-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  # Test-only: tests/cli/test_torchvision.py loads instantiated class folders
  # with torchvision.datasets.ImageFolder (large: PyTorch comes with it).
  python3-torchvision
)
if [[ "${1:-}" == "--with-fuzz" ]]; then
  packages+=(clang-19 libfuzzer-19-dev libclang-rt-19-dev)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  exit 0
fi
sudo=""
if [[ $(id -u) -ne 0 ]]; then sudo="sudo"; fi
echo "installing: ${missing[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
