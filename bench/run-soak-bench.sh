#!/usr/bin/env bash
# Soak: 10,000 training steps, 10,000 text and 10,000 image generations; live tensors and RSS (~3 minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/SoakBench -c Release -nologo -v quiet
dotnet bench/SoakBench/bin/Release/net10.0/SoakBench.dll "$@"
