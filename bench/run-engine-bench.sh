#!/usr/bin/env bash
# Builds the C# side and runs the side-by-side engine benchmark (about 5 minutes on 2 cores).
# Arguments go to run_engine_bench.py (e.g. --rounds 3 --soak-steps 0).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/EngineBench -c Release -nologo -v quiet
/usr/bin/python3 bench/run_engine_bench.py "$@"
