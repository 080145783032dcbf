#!/usr/bin/env bash
# Builds the C# side and runs the distributed benchmark: all-reduce bandwidth and the baby GPT's
# per-step all-reduce overhead, ours vs torch.distributed, 2 ranks on loopback (a few minutes).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/DistributedBench -c Release -nologo -v quiet
/usr/bin/python3 bench/run_distributed_bench.py "$@"
