using Aigc.MLNet.Data;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.MLNet.Transforms;
using Microsoft.ML;

namespace Aigc.MLNet.Tests.Diffusion;

/// <summary>A nano diffusion model (v-prediction) trained for a few seconds on two Fashion-MNIST images.</summary>
public sealed class OverfitDiffusionFixture : IDisposable
{
    public OverfitDiffusionFixture()
    {
        var ctx = Cpu.Context(3);
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        var scaled = ctx.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne).Fit(raw).Transform(ctx.Data.TakeRows(raw, 40));
        var rows = ctx.Data.Cache(scaled);
        Images = ctx.Data.TakeRows(rows, 2);
        HeldOut = ctx.Data.SkipRows(rows, 2);
        // Each step sees both images four times (at different noise levels): better gradients for
        // the same number of steps.
        var two = Rows(Images);
        var repeated = TestData.View([("Image", rows.Schema["Image"].Type, Enumerable.Range(0, 8).Select(i => two[i % 2]).ToArray())]);
        Options = DiffusionOptions.Nano with
        {
            Epochs = 250, BatchSize = 8, LearningRate = 2e-3, EmaDecay = 0.99, Prediction = PredictionKind.Velocity,
            UNet = UNetOptions.Nano with { BaseChannels = 16 },
        };
        Losses = [];
        Model = ctx.Generative().Trainers.Diffusion(Options).Fit(repeated, null, new Recorder(Losses));
        Context = ctx;
    }

    public MLContext Context { get; }

    public IDataView Images { get; }

    public IDataView HeldOut { get; }

    public DiffusionOptions Options { get; }

    public List<double> Losses { get; }

    public DiffusionTransformer Model { get; }

    public static float[][] Rows(IDataView view) => TestData.Floats(view, "Image");

    private sealed class Recorder(List<double> losses) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => losses.Add(value.Losses["loss"]);
    }

    public void Dispose() => Model.Dispose();
}

public class DiffusionTests(OverfitDiffusionFixture fixture) : IClassFixture<OverfitDiffusionFixture>
{
    private static double Mse(float[] a, float[] b) => a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Average();

    [Fact]
    public void TinyModel_OverfitsAHandfulOfImages()
    {
        double first = fixture.Losses.Take(20).Average(), last = fixture.Losses.TakeLast(20).Average();
        Assert.True(last < first * 0.7, $"loss {first:F3} → {last:F3}");
        // Memorised: DDIM samples sit much nearer to a training image than typical real images of
        // the data set do (the median held-out image).
        var train = OverfitDiffusionFixture.Rows(fixture.Images);
        var distances = OverfitDiffusionFixture.Rows(fixture.HeldOut).Select(h => train.Min(t => Mse(t, h))).Order().ToArray();
        double heldOut = distances[distances.Length / 2] / 2;
        using var samples = fixture.Model.Generate(8, seed: 1, options: new SamplingOptions { Steps = 50 });
        var flat = samples.ToArray<float>();
        var nearest = Enumerable.Range(0, 8).Select(i => train.Min(t => Mse(t, flat[(i * 784)..((i + 1) * 784)]))).ToArray();
        Assert.True(nearest.Average() < heldOut, $"samples' nearest-training MSE {string.Join(", ", nearest.Select(n => n.ToString("F3")))}; half the median held-out image's {heldOut:F3}");
    }

    private static float[] Row(Tensor images, int i) => images[i].ToArray<float>();

    [Fact]
    public void Ddim_EtaZero_IsDeterministicForASeed_AndIndependentOfTheBatch()
    {
        var ddim = new SamplingOptions { Steps = 10 };
        using var a = fixture.Model.Generate(3, seed: 5, options: ddim);
        using var b = fixture.Model.Generate(3, seed: 5, options: ddim);
        using var firstTwo = fixture.Model.Generate(2, seed: 5, options: ddim);
        using var other = fixture.Model.Generate(1, seed: 6, options: ddim);
        Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        Assert.Equal(Row(a, 1), Row(firstTwo, 1));
        Assert.NotEqual(Row(a, 0), Row(other, 0));
        Assert.All(a.ToArray<float>(), v => Assert.InRange(v, -1f, 1f));
    }

    [Fact]
    public void Ddpm_AndNoisyDdim_AreReproducibleForASeed()
    {
        foreach (var options in new[] { new SamplingOptions { Sampler = SamplerKind.Ddpm }, new SamplingOptions { Steps = 10, Eta = 1 } })
        {
            using var a = fixture.Model.Generate(2, seed: 9, options: options);
            using var b = fixture.Model.Generate(2, seed: 9, options: options);
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
        }
        using var deterministic = fixture.Model.Generate(1, seed: 9, options: new SamplingOptions { Steps = 10 });
        using var noisy = fixture.Model.Generate(1, seed: 9, options: new SamplingOptions { Steps = 10, Eta = 1 });
        Assert.NotEqual(deterministic.ToArray<float>(), noisy.ToArray<float>());
    }

    [Fact]
    public void Transform_GeneratesFromSeeds_AsGenerateFromNoiseDoes()
    {
        var seeds = TestData.View([("Seed", NumberDataViewType.Int64, new long[] { 11, 12 })]);
        var output = fixture.Model.Transform(seeds);
        var rows = TestData.Floats(output, DiffusionTransformer.OutputColumn);
        using var scope = DisposeScope.Enter();
        var noise = Tensor.FromArray(Gaussian.Sample(784, 11).Concat(Gaussian.Sample(784, 12)).ToArray(), 2, 1, 28, 28);
        var direct = fixture.Model.GenerateFromNoise(noise);
        Assert.Equal(Row(direct, 0), rows[0]);
        Assert.Equal(Row(direct, 1), rows[1]);
    }

    [Fact]
    public void ModelFile_RoundTrip_GeneratesTheSameImages()
    {
        var path = Path.Combine(Path.GetTempPath(), $"aigc-diffusion-{Guid.NewGuid():N}.aigc");
        try
        {
            fixture.Context.Model.SaveGenerative(fixture.Model, path);
            using var loaded = (DiffusionTransformer)Cpu.Context(42).Model.LoadGenerative(path);
            var ddim = new SamplingOptions { Steps = 5 };
            using var a = fixture.Model.Generate(2, seed: 1, options: ddim);
            using var b = loaded.Generate(2, seed: 1, options: ddim);
            Assert.Equal(a.ToArray<float>(), b.ToArray<float>());
            Assert.Equal(PredictionKind.Velocity, loaded.Options.Prediction);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Validation_ReportsHeldOutLoss_WithoutChangingTraining()
    {
        IDataView Data(MLContext ctx) => ctx.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne)
            .Fit(ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"))
            .Transform(ctx.Data.TakeRows(ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"), 64));
        var options = DiffusionOptions.Nano with { MaxSteps = 2, BatchSize = 32, Seed = 4 };
        float[] Weights(DiffusionTransformer m) => m.GenerateFromNoise(Tensor.Ones(1, 1, 28, 28)).ToArray<float>();
        var ctx = Cpu.Context(1);
        var reports = new List<TrainingProgress>();
        using var withValidation = ctx.Generative().Trainers.Diffusion(options).Fit(Data(ctx), ctx.Data.TakeRows(Data(ctx), 16), new SyncProgress(reports.Add));
        using var without = ctx.Generative().Trainers.Diffusion(options).Fit(Data(ctx));
        var loss = Assert.Single(reports, r => r.ValidationMetrics is not null).ValidationMetrics!["loss"];
        Assert.InRange(loss, 0.01, 10);
        Assert.Equal(Weights(without), Weights(withValidation)); // validation draws noise from its own seed
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    [Fact]
    public void BadInput_GetsClearErrors()
    {
        Assert.Equal("Steps", Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Generate(1, 0, options: new SamplingOptions { Steps = 101 })).ParamName);
        Assert.Equal("Eta", Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Generate(1, 0, options: new SamplingOptions { Eta = 2 })).ParamName);
        using var scope = DisposeScope.Enter();
        var shape = Assert.Throws<ArgumentException>(() => fixture.Model.GenerateFromNoise(Tensor.Zeros(1, 1, 32, 32)));
        Assert.Contains("(N, 1, 28, 28)", shape.Message);
        var labels = Assert.Throws<ArgumentException>(() => fixture.Model.Generate(1, 0, labels: [3]));
        Assert.Contains("not conditional", labels.Message);
        var ctx = Cpu.Context(1);
        var odd = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 27, 27), new[] { new float[27 * 27] })]);
        var e = Assert.Throws<SchemaMismatchException>(() => ctx.Generative().Trainers.Diffusion(DiffusionOptions.Nano).Fit(odd));
        Assert.Contains("divisible by 2", e.Message);
    }
}

/// <summary>RGB images at 32x32 (the other size the U-Net is meant for) train and sample with the
/// right shape, and the schedule options (cosine, three levels) work together.</summary>
public class RgbDiffusionTests
{
    [Fact]
    public void Rgb32_TrainsAndSamplesWithTheRightShape()
    {
        var ctx = Cpu.Context(5);
        var rand = new Random(2);
        var images = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 3, 32, 32),
            Enumerable.Range(0, 16).Select(_ => Enumerable.Range(0, 3 * 32 * 32).Select(_ => (float)rand.NextDouble() * 2 - 1).ToArray()).ToArray())]);
        var options = DiffusionOptions.Nano with { Schedule = NoiseScheduleKind.Cosine, BatchSize = 8, MaxSteps = 2, UNet = UNetOptions.Nano with { ChannelMultipliers = [1, 2, 2], MidAttention = true } };
        using var model = ctx.Generative().Trainers.Diffusion(options).Fit(images);
        Assert.Equal((3, 32, 32), model.ImageShape);
        using var samples = model.Generate(2, seed: 1, options: new SamplingOptions { Steps = 3 });
        Assert.Equal([2L, 3, 32, 32], samples.Shape);
        Assert.All(samples.ToArray<float>(), v => Assert.InRange(v, -1f, 1f));
    }
}

/// <summary>Class-conditional training with label dropout, and classifier-free guidance at sampling.</summary>
public class ConditionalDiffusionTests
{
    [Fact]
    public void ConditionalModel_SamplesWithGuidance_AndChecksLabels()
    {
        var ctx = Cpu.Context(4);
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        var data = ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne).Fit(raw).Transform(ctx.Data.TakeRows(raw, 64)));
        var options = DiffusionOptions.Nano with { LabelColumn = "Label", LabelDropout = 0.2, Epochs = 2, BatchSize = 32 };
        using var model = ctx.Generative().Trainers.Diffusion(options).Fit(data);
        Assert.True(model.IsConditional);
        var plain = new SamplingOptions { Steps = 5 };
        using var conditional = model.Generate(2, seed: 3, labels: [1, 7], options: plain);
        using var guided = model.Generate(2, seed: 3, labels: [1, 7], options: plain with { GuidanceScale = 3 });
        Assert.NotEqual(conditional.ToArray<float>(), guided.ToArray<float>());
        Assert.All(guided.ToArray<float>(), v => Assert.InRange(v, -1f, 1f));
        Assert.Throws<ArgumentException>(() => model.Generate(2, seed: 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => model.Generate(1, seed: 3, labels: [10]));
    }
}
