"""Compiles every ```csharp block of README.md and docs/*.md against the library, so the docs cannot
drift from the API. Each block becomes the body of its own async method (type declarations go to
namespace scope); names a block uses without declaring — the "givens" below — arrive as
parameters. Every block compiles; none is exempt. Usage: python3 scripts/check-doc-snippets.py (from the repo root)
"""
import glob
import os
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
GIVENS = {
    "ctx": "MLContext", "raw": "IDataView", "images": "Tensor", "labels": "Tensor", "progress": "IProgress<TrainingProgress>",
    "messages": "List<ChatMessage>", "lm": "CausalLMTransformer", "gan": "GanTransformer", "realImages": "Tensor",
    "intendedLabels": "long[]", "imagesPath": "string", "labelsPath": "string", "documents": "string[]", "ids": "long[]",
    "model": "Module", "vae": "VaeTransformer",
}
USINGS = ["System", "System.Collections.Generic", "System.Linq", "System.Threading.Tasks", "Aigc.MLNet", "Aigc.MLNet.Classification",
          "Aigc.MLNet.Data", "Aigc.MLNet.Diffusion", "Aigc.MLNet.Evaluation", "Aigc.MLNet.Gan", "Aigc.MLNet.Imaging",
          "Aigc.MLNet.LanguageModels", "Aigc.MLNet.ModelFiles", "Aigc.MLNet.Onnx", "Aigc.MLNet.Text", "Aigc.MLNet.Training", "Aigc.MLNet.Transforms",
          "Aigc.MLNet.Vae", "Aigc.Torch", "Aigc.Torch.Distributed", "Aigc.Torch.Nn", "Aigc.Torch.Optim", "Aigc.Torch.Serialization", "Microsoft.Extensions.AI", "Microsoft.ML",
          "Microsoft.ML.Data", "Microsoft.ML.Transforms.Image", "Microsoft.ML.Tokenizers"]


def declares(block, name):
    return re.search(rf"(\bvar|[\w<>\[\],?]+)\s+{name}\s*=[^=]|\bvar\s*\([^)]*\b{name}\b[^)]*\)\s*=|\bout var {name}\b|foreach \(var {name}\b", block)


def uses(block, name):
    return re.search(rf"(?<![\w.\"]){name}\b", re.sub(r"//.*", "", block))


def main():
    blocks = []
    for path in ["README.md"] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))):
        text = open(os.path.join(ROOT, path), encoding="utf-8").read()
        for m in re.finditer(r"```csharp\n(.*?)```", text, re.S):
            line = text[:m.start()].count("\n") + 2
            blocks.append((os.path.relpath(os.path.join(ROOT, path), ROOT), line, m.group(1)))
    methods, types = [], []
    for i, (path, line, block) in enumerate(blocks):
        body = "\n".join(l for l in block.splitlines() if not re.match(r"\s*using [\w.]+;\s*$", l))
        if re.match(r"\s*(public|internal)?\s*(sealed )?(class|record|struct) ", body):
            types.append(f"#line {line} \"{path}\"\n{body}\n#line default")
            continue
        params = ", ".join(f"{t} {n}" for n, t in GIVENS.items() if uses(body, n) and not declares(body, n))
        methods.append(f"    public static async Task Snippet{i}({params})\n    {{\n        await Task.CompletedTask;\n#line {line} \"{path}\"\n{body}\n#line default\n    }}")
    source = "\n".join(f"global using {u};" for u in USINGS) + "\n#pragma warning disable CS0168, CS0219, CS1998, CS8321\n"
    source += "\n".join(types) + "\n\npublic static class DocSnippets\n{\n" + "\n\n".join(methods) + "\n}\n"
    work = tempfile.mkdtemp(prefix="aigc-doc-snippets-")
    with open(os.path.join(work, "Snippets.cs"), "w", encoding="utf-8") as f:
        f.write(source)
    with open(os.path.join(work, "DocSnippets.csproj"), "w", encoding="utf-8") as f:
        f.write(f"""<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Library</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
    <ImplicitUsings>disable</ImplicitUsings><ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally></PropertyGroup>
  <ItemGroup><ProjectReference Include="{ROOT}/src/Aigc.MLNet/Aigc.MLNet.csproj" /><ProjectReference Include="{ROOT}/src/Aigc.MLNet.Onnx/Aigc.MLNet.Onnx.csproj" /></ItemGroup>
  <ItemGroup><PackageReference Include="Microsoft.ML.ImageAnalytics" Version="5.0.1" /><PackageReference Include="Microsoft.ML.OnnxTransformer" Version="5.0.1" /><PackageReference Include="Microsoft.ML.OnnxRuntimeGenAI" Version="0.18.0" /></ItemGroup>
</Project>
""")
    for name in ("nuget.config", "Directory.Packages.props"):
        src = os.path.join(ROOT, name)
        if os.path.exists(src):
            with open(src, encoding="utf-8") as a, open(os.path.join(work, name), "w", encoding="utf-8") as b:
                b.write(a.read())
    result = subprocess.run(["dotnet", "build", work, "-c", "Release", "-nologo", "-v", "quiet"], capture_output=True, text=True)
    errors = sorted({l.strip() for l in result.stdout.splitlines() if ": error " in l})
    for e in errors:
        print(e)
    print(f"doc snippets: {len(methods) + len(types)} compiled, {len(errors)} errors")
    sys.exit(1 if result.returncode != 0 else 0)


if __name__ == "__main__":
    main()
