#!/usr/bin/env bash
# GPT-2 BPE encoding throughput and parity against the reference Encoder.js (about 10 seconds).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/TokenizerBench -c Release -nologo -v quiet
dotnet bench/TokenizerBench/bin/Release/net10.0/TokenizerBench.dll "$(pwd)"
