using System.Diagnostics;
using Aigc.MLNet.Data;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Tests.LanguageModels;
using Aigc.MLNet.Vae;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

/// <summary>Inputs an attacker or a careless caller might send: each gets a clear error or a
/// bounded, correct answer — never a hang, a crash or unbounded memory.</summary>
public class HostileInputTests(TrainedModelFixture fixture) : IClassFixture<TrainedModelFixture>
{
    [Fact]
    public void TenMegabytePrompt_IsCutToTheContextQuickly()
    {
        var prompt = string.Concat(Enumerable.Repeat(TrainedModelFixture.Sentence, 10_000_000 / TrainedModelFixture.Sentence.Length + 1));
        Assert.True(prompt.Length >= 10_000_000);
        var clock = Stopwatch.StartNew();
        var r = fixture.Model.Generate(prompt, TrainedModelFixture.Greedy(4));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"took {clock.Elapsed}");
        Assert.True(r.PromptTruncated);
        Assert.Equal(32, r.PromptTokens);
        Assert.Equal(4, r.GeneratedTokens);
    }

    [Theory]
    [InlineData(1_000_000_000)]
    [InlineData(-3)]
    [InlineData(0)]
    public void AbsurdTokenCounts_AreRefusedUpFront(int tokens)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Generate("the", new GenerationOptions { MaxNewTokens = tokens }));
        Assert.Equal("MaxNewTokens", e.ParamName);
    }

    [Fact]
    public void NaNPixels_InTrainingData_NameTheRow()
    {
        var images = Enumerable.Range(0, 40).Select(i => Enumerable.Repeat(0.5f, 784).ToArray()).ToArray();
        images[17][300] = float.NaN;
        images[33][5] = float.PositiveInfinity;
        var data = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), images)]);
        var ctx = Cpu.Context(1);
        var e = Assert.Throws<InvalidDataException>(() => ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Epochs = 1, BatchSize = 8 }).Fit(data, null));
        Assert.Contains("Column 'Image' holds NaN or infinity", e.Message);
        // Read in order, the row is the source row.
        var batcher = new Aigc.MLNet.Training.Batcher(data.Schema, ["Image"], 8, Device.Cpu);
        using var cursor = data.GetRowCursor(batcher.Columns);
        var ordered = Assert.Throws<InvalidDataException>(() => { while (batcher.Next(cursor) is { } b) b.Dispose(); });
        Assert.Contains("(row 17 in the order read", ordered.Message);
    }

    [Fact]
    public void NegativeAndHugeCounts_AreRefused()
    {
        var ctx = Cpu.Context(1);
        var images = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28),
            Enumerable.Range(0, 64).Select(_ => new float[784]).ToArray())]);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { MaxSteps = 1 }).Fit(images);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { MaxSteps = 1 }).Fit(images);
        using var diffusion = ctx.Generative().Trainers.Diffusion(DiffusionOptions.Nano with { MaxSteps = 1 }).Fit(images);
        Assert.Throws<ArgumentOutOfRangeException>(() => vae.Sample(-1, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => gan.Generate(-5, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => gan.Generate(int.MaxValue, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => diffusion.Generate(0, seed: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => diffusion.Generate(1 << 20, seed: 1));
    }
}
