#!/usr/bin/env bash
# Builds the C# side and runs the diffusion benchmark (about 25 minutes on 2 cores with the defaults).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/FamiliesBench -c Release -nologo -v quiet
/usr/bin/python3 bench/run_diffusion_bench.py "$@"
