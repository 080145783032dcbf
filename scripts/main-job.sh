#!/usr/bin/env bash
# The main job: train a generator (a VAE) on Fashion-MNIST with the engine and write sample grids
# to ./out. Extra arguments go to the program, e.g. --epochs 3 or --out DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dotnet build samples/FashionMnistVae -c Release -nologo -v quiet
dotnet run --project samples/FashionMnistVae -c Release --no-build -- --epochs 10 --out out "$@"
