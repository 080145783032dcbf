#!/usr/bin/env bash
# Builds the C# side and runs the ONNX generation benchmark (about 15 minutes on 2 cores with the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/OnnxBench -c Release -nologo -v quiet
/usr/bin/python3 bench/run_onnx_bench.py "$@"
