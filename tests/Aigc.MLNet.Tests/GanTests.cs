using Aigc.MLNet.Data;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Training;
using Aigc.MLNet.Transforms;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class GanTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-gan-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IDataView Images(MLContext ctx, int count)
    {
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        return ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne).Fit(raw).Transform(ctx.Data.TakeRows(raw, count)));
    }

    private sealed class Collect(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }

    [Fact]
    public void Fit_ReportsBothLossesAndDiscriminatorScores_AndWritesGrids()
    {
        var ctx = Cpu.Context(1);
        var reports = new List<TrainingProgress>();
        var grids = Path.Combine(_dir, "grids");
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { Epochs = 3, ReportEveryNSteps = 1, SampleGridEveryNSteps = 10, SampleGridFolder = grids })
            .Fit(Images(ctx, 640), ctx.Data.SkipRows(Images(ctx, 704), 640), new Collect(reports));
        Assert.Equal(30, gan.Training.Steps);                       // 3 epochs x 10 full batches
        Assert.All(reports, r => Assert.Equal(["d_loss", "g_loss", "d_real", "d_fake"], r.Losses.Keys));
        // Held-out images: D(x), D(G(z)) and the generator loss at the end of each epoch.
        var validated = reports.Where(r => r.ValidationMetrics is not null).ToList();
        Assert.Equal(3, validated.Count);
        Assert.All(validated, r => Assert.InRange(r.ValidationMetrics!["d_real"], 0, 1));
        Assert.All(validated, r => Assert.True(r.ValidationMetrics!["g_loss"] > 0));
        Assert.All(reports, r => Assert.All(r.Losses.Values, v => Assert.True(double.IsFinite(v))));
        // The discriminator learns to tell real from generated: on average D(x) > D(G(z)).
        var late = reports.Skip(10).ToList();
        Assert.True(late.Average(r => r.Losses["d_real"]) > late.Average(r => r.Losses["d_fake"]),
            $"mean D(x) {late.Average(r => r.Losses["d_real"]):F3}, mean D(G(z)) {late.Average(r => r.Losses["d_fake"]):F3}");
        Assert.Equal(["samples-step-10.png", "samples-step-20.png", "samples-step-30.png"], Directory.GetFiles(grids).Select(Path.GetFileName).Order());
        using var scope = DisposeScope.Enter();
        var images = gan.Generate(5, seed: 3);
        Assert.Equal([5L, 1, 28, 28], images.Shape);
        Assert.InRange(images.Min().Item(), -1, 1);
        Assert.InRange(images.Max().Item(), -1, 1);
        Assert.Equal(images.ToArray<float>(), gan.Generate(5, seed: 3).ToArray<float>());
    }

    [Fact]
    public void Conditional_GeneratesPerLabel_AndRejectsBadLabels()
    {
        var ctx = Cpu.Context(2);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { LabelColumn = "Label" }).Fit(Images(ctx, 256));
        Assert.True(gan.IsConditional);
        using var scope = DisposeScope.Enter();
        var shoes = gan.Generate(2, seed: 1, labels: [7, 7]);
        var shirts = gan.Generate(2, seed: 1, labels: [0, 0]);
        Assert.NotEqual(shoes.ToArray<float>(), shirts.ToArray<float>()); // same noise, the label changes the image
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => gan.Generate(2, seed: 1, labels: [3, 10]));
        Assert.Contains("holds 10, outside [0, 10)", e.Message);
        Assert.Contains("class-conditional", Assert.Throws<ArgumentException>(() => gan.Generate(2, seed: 1)).Message);
        var badData = ctx.Data.Cache(ctx.Data.LoadFromEnumerable(Enumerable.Range(0, 64).Select(i => new LabeledImage { Image = new float[784], Label = i == 5 ? 42 : 1 })));
        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Generative().Trainers.Gan(GanOptions.Nano with { LabelColumn = "Label" }).Fit(badData));
        Assert.Contains("'Label' holds 42", fit.Message);
    }

    public sealed class LabeledImage
    {
        [VectorType(1, 28, 28)] public float[] Image { get; set; } = [];
        public long Label { get; set; }
    }

    public sealed class SeedRow
    {
        public long Seed { get; set; }
    }

    public sealed class Generated
    {
        [VectorType(1, 28, 28)] public float[] GeneratedImage { get; set; } = [];
    }

    [Fact]
    public void Conditional_WritesSampleGridsWithOneLabelPerRow()
    {
        // Issue #16: the grid's labels were built as floats, which the label embedding rejected at the first grid.
        var ctx = Cpu.Context(3);
        var grids = Path.Combine(_dir, "conditional-grids");
        var options = GanOptions.Nano with { LabelColumn = "Label", MaxSteps = 2, SampleGridEveryNSteps = 2, SampleGridFolder = grids };
        using var gan = ctx.Generative().Trainers.Gan(options).Fit(Images(ctx, 128));
        Assert.True(new FileInfo(Path.Combine(grids, "samples-step-2.png")).Length > 0);
    }

    [Fact]
    public void Transform_FromSeedColumn_MatchesDirectGeneration_AndSurvivesSaveLoad()
    {
        var ctx = Cpu.Context(3);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano).Fit(Images(ctx, 128));
        var seeds = ctx.Data.LoadFromEnumerable(new[] { new SeedRow { Seed = 11 }, new SeedRow { Seed = 12 } });
        var viaView = ctx.Data.CreateEnumerable<Generated>(gan.Transform(seeds), reuseRowObject: false).Select(g => g.GeneratedImage).ToList();
        using var scope = DisposeScope.Enter();
        Assert.All(gan.Generate(1, seed: 11).ToArray<float>().Zip(viaView[0]), p => Assert.Equal(p.First, p.Second, 1e-5f));
        var path = Path.Combine(_dir, "gan.aigc");
        ctx.Model.SaveGenerative(gan, path);
        using var loaded = Assert.IsType<GanTransformer>(ctx.Model.LoadGenerative(path));
        Assert.Equal(gan.Generate(4, seed: 5, truncation: 0.5).ToArray<float>(), loaded.Generate(4, seed: 5, truncation: 0.5).ToArray<float>());
        Assert.NotEqual(gan.Generate(4, seed: 5).ToArray<float>(), loaded.Generate(4, seed: 5, truncation: 0.5).ToArray<float>());
        Assert.Contains("Latent vectors must have 16 values", Assert.Throws<ArgumentException>(() => loaded.GenerateFromLatents(Tensor.Zeros(1, 4))).Message);
        Assert.Throws<SchemaMismatchException>(() => gan.Transform(ctx.Data.LoadFromEnumerable(new[] { new LabeledImage() })));
    }

    [Fact]
    public void Trainer_RejectsImagesNotDivisibleByFour_AndBadOptions()
    {
        var ctx = Cpu.Context(4);
        var odd = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 30, 30), new[] { new float[900] })]);
        Assert.Contains("divisible by 4", Assert.Throws<SchemaMismatchException>(() => ctx.Generative().Trainers.Gan(GanOptions.Nano).Fit(odd)).Message);
        Assert.Equal("RealLabelSmoothing", Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Generative().Trainers.Gan(GanOptions.Nano with { RealLabelSmoothing = 1 })).ParamName);
        Assert.Equal("SampleGridFolder", Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Generative().Trainers.Gan(GanOptions.Nano with { SampleGridEveryNSteps = 5 })).ParamName);
    }
}
