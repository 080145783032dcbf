#!/usr/bin/env bash
# Alternating A/B of the diffusion training step: an older commit's build (old), this checkout's
# build (new) and PyTorch 1.13, 400 steps of batch 64, 3 rounds, the thread settings of
# bench/run_diffusion_bench.py (intra-op 2, BLAS 1). Usage: bench/run-diffusion-ab.sh [OLD_COMMIT]
# (default 8e26cd9, the build docs/performance.md's first diffusion row measured). ~30 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."
old_commit=${1:-8e26cd9}
old=/tmp/aigc-ab-old
[ -d "$old" ] || git worktree add -f "$old" "$old_commit" -q
dotnet build "$old/bench/FamiliesBench" -c Release -nologo -v quiet
dotnet build bench/FamiliesBench -c Release -nologo -v quiet
here=$(pwd)
export OMP_NUM_THREADS=2 AIGC_NUM_THREADS=2 OPENBLAS_NUM_THREADS=1 AIGC_BLAS_THREADS=1
for round in 1 2 3; do
  for side in old new py; do
    case $side in
      old) cmd=(dotnet "$old"/bench/FamiliesBench/bin/Release/net10.0/FamiliesBench.dll diffusion) ;;
      new) cmd=(dotnet "$here"/bench/FamiliesBench/bin/Release/net10.0/FamiliesBench.dll diffusion) ;;
      py)  cmd=(/usr/bin/python3 "$here"/bench/diffusion_bench.py) ;;
    esac
    out=$(cd /tmp && "${cmd[@]}" --steps 400 --batch 64 --count 50 --samples "/tmp/ab-$side.safetensors" 2>/dev/null | tail -1)
    echo "round $round $side $out"
  done
done
