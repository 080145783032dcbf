#!/usr/bin/env bash
# Deployed size of an app that samples a GAN: with libtorch (Aigc.MLNet) versus with ONNX Runtime
# (Aigc.MLNet.Onnx). Each app is published framework-dependent for linux-x64 and run once; what it
# must carry is its publish folder plus the native libraries its process mapped from outside that
# folder, the .NET runtime and what every .NET app on Linux already loads (libc, libstdc++, libgcc_s,
# libm, ld-linux, libpthread, libdl, librt, and ICU for globalization).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dotnet build src/Aigc.Cli -c Release -nologo -v quiet >/dev/null
aigc="dotnet src/Aigc.Cli/bin/Release/net10.0/aigc.dll"
$aigc train gan --data fashion-mnist-test --preset nano --steps 2 --limit 128 --device cpu --out "$work/gan.aigc" >/dev/null
$aigc export "$work/gan.aigc" --out "$work/gan-onnx" >/dev/null
runtime=$(dirname "$(dotnet --list-runtimes | awk '/Microsoft.NETCore.App/ {print $3}' | tr -d '[]' | tail -1)")
mib() { awk -v b="$1" 'BEGIN { printf "%.1f", b / 1048576 }'; }
for app in TorchApp OnnxApp; do
  dotnet publish "bench/DeploySize/$app" -c Release -r linux-x64 --self-contained false -nologo -v quiet -o "$work/$app" >/dev/null
  model="$work/gan.aigc"; [ "$app" = OnnxApp ] && model="$work/gan-onnx"
  dotnet "$work/$app/$app.dll" "$model" > "$work/$app.log"
  folder=$(du -sb "$work/$app" | cut -f1)
  external=0; names=""
  while read -r lib; do
    case "$lib" in "$work/$app"/*|/usr/share/dotnet/*|/usr/lib/dotnet/*) continue ;; esac
    base=$(basename "$lib")
    case "$base" in libc.so*|libstdc++.so*|libgcc_s.so*|libm.so*|ld-linux*|libpthread.so*|libdl.so*|librt.so*|libicu*) continue ;; esac
    size=$(stat -Lc %s "$lib"); external=$((external + size)); names="$names$size $base"$'\n'
  done < <(awk '/^mapped / {print $2}' "$work/$app.log" | grep -v "^$runtime" | sort -u)
  count=$(printf '%s' "$names" | grep -c . || true)
  echo "$app: publish folder $(mib "$folder") MiB + $count native libraries from the system $(mib "$external") MiB = $(mib $((folder + external))) MiB"
  if [ "$count" -gt 0 ]; then
    echo "  largest: $(printf '%s' "$names" | sort -rn | head -5 | awk '{printf "%s (%.0f MiB) ", $2, $1 / 1048576}')"
  fi
done
