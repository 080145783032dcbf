#!/usr/bin/env bash
# Issue #14: the CausalLMTrainer path against a bare loop on the same engine (same baby GPT, data,
# AdamW step, schedule and clipping), alternating, ms/step after 20 warm-up steps. ~3 minutes.
# Usage: bench/run-lm-overhead.sh [ROUNDS] [STEPS]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/LanguageModelBench -c Release -nologo -v quiet
bench=$(pwd)/bench/LanguageModelBench/bin/Release/net10.0/LanguageModelBench.dll
for round in $(seq 1 "${1:-3}"); do
  for side in trainer bare; do
    echo "round $round $(cd /tmp && dotnet "$bench" overhead --side "$side" --steps "${2:-300}")"
  done
done
