#!/usr/bin/env bash
# Runs every test suite plus a smoke run of each sample, and ends with one summary line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# Build everything (library, tests, samples, benchmarks) so none of it can rot unnoticed.
dotnet build Aigc.MLNet.sln -c Release -nologo -v quiet

log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
dotnet test Aigc.MLNet.sln -c Release -nologo --no-build 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# Samples run with a tiny step budget, as smoke tests.
smoke() {
  local name=$1 pattern=${2:-*-samples.png} out
  out=$(mktemp -d)
  if dotnet run --project "samples/$name" -c Release --no-build -- --max-steps 20 --out "$out" > "$out/log" 2>&1 \
     && compgen -G "$out/$pattern" >/dev/null; then
    echo "smoke: $name wrote $(cd "$out" && ls ./$pattern)"
  else
    cat "$out/log"; echo "smoke: $name FAILED"; status=1
  fi
  rm -rf "$out"
}
smoke FashionMnistVae
smoke EngineVae
smoke FashionMnistGan
smoke FashionMnistDiffusion
smoke FortunesGpt '*-samples.txt'
smoke GeneratedImagesScored
smoke PredictionEngineApp
smoke OnnxGanPipeline onnx-samples.png

# Every C# block in README.md and docs/ compiles against the library.
if ! python3 scripts/check-doc-snippets.py; then echo "doc snippets FAILED"; status=1; fi

# The packed packages, used from a fresh project outside the solution.
if ! bash scripts/package-test.sh; then echo "package test FAILED"; status=1; fi

awk '/(Passed|Failed)! +- Failed:/ {
       gsub(/,/, ""); for (i = 1; i <= NF; i++) {
         if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
exit "$status"
