#!/usr/bin/env bash
# Issue #14's side-by-side training steps: ours, TorchSharp and PyTorch in one alternating run
# (about 10 minutes on 2 cores). TorchSharpBench is built here only (it is not in the solution), and
# its native library is patched in its own output folder (bench/patch-torchsharp-glibcxx.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
dotnet build bench/LanguageModelBench -c Release -nologo -v quiet
dotnet build bench/EngineBench -c Release -nologo -v quiet
dotnet build bench/TorchSharpBench -c Release -nologo -v quiet
/usr/bin/python3 bench/patch-torchsharp-glibcxx.py bench/TorchSharpBench/bin/Release/net10.0/runtimes/linux-x64/native/libLibTorchSharp.so
/usr/bin/python3 bench/run_step_bench.py "$@"
