using Xunit;

namespace Aigc.Cli.Tests;

/// <summary><c>aigc export</c> and <c>aigc generate</c> on the exported folder (issue #13).</summary>
public class ExportCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-export-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private void Train(string family, params string[] extra)
    {
        var train = Run(["train", family, "--data", "fashion-mnist-test", "--preset", "nano", "--steps", "3", "--limit", "128", "--out", P($"{family}.aigc"), "--device", "cpu", .. extra]);
        Assert.True(train.Code == 0, train.Out + train.Err);
    }

    [Theory]
    [InlineData("vae")]
    [InlineData("gan")]
    [InlineData("diffusion")]
    public void GenerateFromTheExportedFolder_WritesTheSameImagesAsTheModelFile(string family)
    {
        string[] conditional = family == "vae" ? [] : ["--conditional"];
        Train(family, conditional);
        var export = Run("export", P($"{family}.aigc"), "--out", P($"{family}-onnx"));
        Assert.True(export.Code == 0, export.Err);
        Assert.Contains("wrote ", export.Out);

        string[] options = family == "diffusion" ? ["--sampling-steps", "4"] : [];
        string[] labels = family == "vae" ? [] : ["--label", "3", "8"];
        var fromFile = Run(["generate", P($"{family}.aigc"), "--count", "5", "--seed", "4", "--out", P("file"), "--device", "cpu", .. options, .. labels]);
        var fromOnnx = Run(["generate", P($"{family}-onnx"), "--count", "5", "--seed", "4", "--out", P("onnx"), .. options, .. labels]);
        Assert.True(fromFile.Code == 0, fromFile.Err);
        Assert.True(fromOnnx.Code == 0, fromOnnx.Err);
        // Same seeds, same noise, outputs within 1e-4: the 8-bit PNGs agree byte for byte.
        foreach (var png in new[] { "grid.png", "image-000.png", "image-004.png" })
            Assert.Equal(File.ReadAllBytes(P($"file/{png}")), File.ReadAllBytes(P($"onnx/{png}")));
    }

    [Fact]
    public void LanguageModelExport_GeneratesTheModelFilesGreedyText()
    {
        File.WriteAllText(P("corpus.txt"), string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60)));
        var train = Run("train", "lm", "--data", P("corpus.txt"), "--preset", "nano", "--steps", "30", "--out", P("lm.aigc"), "--device", "cpu");
        Assert.True(train.Code == 0, train.Err);
        Assert.Equal(0, Run("export", P("lm.aigc"), "--out", P("lm-onnx")).Code);
        string[] greedy = ["--prompt", "the", "--max-tokens", "20", "--temperature", "0"];
        var fromFile = Run(["generate", P("lm.aigc"), .. greedy, "--device", "cpu"]);
        var fromOnnx = Run(["generate", P("lm-onnx"), .. greedy]);
        Assert.True(fromOnnx.Code == 0, fromOnnx.Err);
        Assert.Equal(fromFile.Out, fromOnnx.Out);
        Assert.Contains("[20 tokens, finish: Length]", fromOnnx.Err);
        var beyond = Run("generate", P("lm-onnx"), "--prompt", "the", "--max-tokens", "100", "--temperature", "0", "--no-stream");
        Assert.Contains("the 32-token context is full", beyond.Err);
        var minP = Run("generate", P("lm-onnx"), "--prompt", "the", "--min-p", "0.1");
        Assert.Equal(1, minP.Code);
        Assert.Contains("--min-p applies to model files", minP.Err);
    }

    [Fact]
    public void ExportAndOnnxGenerate_Errors_AreOneLine()
    {
        Train("gan", "--conditional");
        Assert.Equal(0, Run("export", P("gan.aigc"), "--out", P("gan-onnx")).Code);
        Directory.CreateDirectory(P("empty"));
        Directory.CreateDirectory(P("vae-onnx"));
        File.WriteAllBytes(P("vae-onnx/decoder.onnx"), [1]);
        Directory.CreateDirectory(P("broken"));
        File.WriteAllBytes(P("broken/generator.onnx"), File.ReadAllBytes(P("gan-onnx/generator.onnx"))[..300]);

        (string[] Args, string Expected)[] cases =
        [
            (["export", P("missing.aigc")], "Model file not found"),
            (["generate", P("gan-onnx"), "--device", "cpu"], "--device applies to model files; an exported folder runs on ONNX Runtime's CPU provider"),
            (["generate", P("gan-onnx"), "--prompt", "hi"], "--prompt applies to causal-lm models, not to a gan model"),
            (["generate", P("gan-onnx"), "--label", "10"], "--label 10 is not one of this model's classes, 0 to 9"),
            (["generate", P("empty")], "is a folder without an exported model"),
            (["generate", P("broken")], "is not a valid ONNX model"),
            (["export", P("gan.aigc"), "--out", P("vae-onnx")], "already holds an exported vae model"),
        ];
        foreach (var (args, expected) in cases)
        {
            var (code, _, err) = Run(args);
            Assert.True(code == 1, $"{string.Join(' ', args)}: exit {code}");
            Assert.Single(err.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains(expected, err);
        }
    }
}
