#!/usr/bin/env bash
# Our engine against itself at another commit (before/after a change), alternating, ~6 minutes for
# 5 rounds on 2 cores. Checks the other commit out into a git worktree under /tmp, builds its bench
# projects (and so its own native shim) there and ours here.
# Usage: bench/run-build-ab.sh COMMIT [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
commit=$(git rev-parse --verify "${1:?usage: bench/run-build-ab.sh COMMIT [ROUNDS]}^{commit}")
other=/tmp/aigc-ab-${commit:0:12}
bash scripts/setup.sh >/dev/null
if [ ! -d "$other" ]; then git worktree add --detach "$other" "$commit" >/dev/null; fi
for dir in . "$other"; do
  dotnet build "$dir/bench/LanguageModelBench" -c Release -nologo -v quiet
  dotnet build "$dir/bench/EngineBench" -c Release -nologo -v quiet
done
/usr/bin/python3 bench/run_build_ab.py --other "$other" --rounds "${2:-5}"
