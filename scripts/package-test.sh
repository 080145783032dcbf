#!/usr/bin/env bash
# Packs Aigc.Torch, Aigc.MLNet, Aigc.MLNet.Onnx and the aigc tool, then builds and runs fresh
# console projects outside the solution that reference the packages from a local folder feed (as a
# user would): one process fits an ML.NET pipeline with our estimator inside, saves the generator
# and exports it to ONNX, a second loads it and generates; a slim app referencing only
# Aigc.MLNet.Onnx samples the exported model without libtorch; and the tool installs from the feed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
for project in src/Aigc.Torch src/Aigc.MLNet src/Aigc.MLNet.Onnx src/Aigc.Cli; do
  dotnet pack "$project" -c Release -o "$feed" -nologo -v quiet
done
# The global package cache keys on the version: drop any earlier 0.1.0 of ours.
rm -rf "${NUGET_PACKAGES:-$HOME/.nuget/packages}"/aigc.*

# new_app DIR NAME SOURCE PACKAGE@VERSION...: a console project outside the solution, restoring from
# the local feed (and the registry for everything else), with SOURCE as its Program.cs.
new_app() {
  local dir=$1 name=$2 source=$3 refs="" spec
  shift 3
  for spec in "$@"; do refs="$refs    <PackageReference Include=\"${spec%@*}\" Version=\"${spec#*@}\" />"$'\n'; done
  mkdir -p "$dir"
  cat > "$dir/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
</configuration>
XML
  cat > "$dir/$name.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <ImplicitUsings>enable</ImplicitUsings>
    <Nullable>enable</Nullable>
  </PropertyGroup>
  <ItemGroup>
$refs  </ItemGroup>
</Project>
XML
  cp "$source" "$dir/Program.cs"
  (cd "$dir" && dotnet build -c Release -nologo -v quiet -o bin/app >/dev/null)
}

app="$work/app"
new_app "$app" Consumer "$root/tests/PackageConsumer/Program.cs" Aigc.MLNet@0.1.0 Microsoft.ML@5.0.1
(cd "$app" && dotnet bin/app/Consumer.dll train && dotnet bin/app/Consumer.dll generate) | tee "$work/out.txt"
grep -q '^ok train:' "$work/out.txt"
grep -q '^ok generate:' "$work/out.txt"
test -s "$app/consumer-samples.png"

# The slim app: Aigc.MLNet.Onnx and ML.NET's ONNX transformer only; no Aigc.Torch, no libtorch.
slim="$work/slim"
new_app "$slim" Slim "$root/tests/SlimConsumer/Program.cs" Aigc.MLNet.Onnx@0.1.0 Microsoft.ML.OnnxTransformer@5.0.1
if ls "$slim/bin/app" | grep -qiE 'torch'; then echo "the slim app's output holds libtorch files"; exit 1; fi
(cd "$slim" && dotnet bin/app/Slim.dll "$app/consumer-onnx") | tee -a "$work/out.txt"
grep -q '^ok slim:' "$work/out.txt"

dotnet tool install Aigc.Cli --tool-path "$work/tool" --add-source "$feed" --version 0.1.0 >/dev/null
"$work/tool/aigc" info "$app/consumer.aigc" | grep -q vae
echo "package test: the packed library trained, saved, exported, loaded and generated; the slim package sampled the ONNX export without libtorch; the packed tool read the model"
