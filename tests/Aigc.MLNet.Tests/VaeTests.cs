using Aigc.MLNet.Data;
using Aigc.MLNet.Evaluation;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Training;
using Aigc.MLNet.Vae;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class VaeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-vae-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Real Fashion-MNIST test images (Debian package), scaled to [0, 1].</summary>
    private static IDataView Images(MLContext ctx, int count)
    {
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        var scaled = ctx.Transforms.ScaleImagePixels("Image").Fit(raw).Transform(ctx.Data.TakeRows(raw, count));
        return ctx.Data.Cache(scaled);
    }

    private sealed class SyncProgress(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }

    [Theory]
    [InlineData(VaeArchitecture.Mlp)]
    [InlineData(VaeArchitecture.Conv)]
    public void Fit_OnFashionMnist_LowersNegativeElbo(VaeArchitecture architecture)
    {
        var ctx = Cpu.Context(1);
        var data = Images(ctx, 512);
        var reports = new List<TrainingProgress>();
        var trainer = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Architecture = architecture, Epochs = 4, LearningRate = 3e-3 });
        using var vae = trainer.Fit(data, data, new SyncProgress(reports));
        var perEpoch = reports.Where(r => r.ValidationMetrics is not null).Select(r => r.ValidationMetrics!["loss"]).ToList();
        var elbo = vae.EvaluateNegativeElbo(data);
        Assert.Equal(elbo.Loss, elbo.Reconstruction + elbo.Kl, 6);
        Assert.InRange(elbo.Loss, perEpoch[^1] - 15, perEpoch[^1] + 15); // same data, fresh noise draws
        Assert.Equal(4, perEpoch.Count);
        Assert.True(perEpoch[^1] < perEpoch[0] - 20, $"loss per image by epoch: {string.Join(", ", perEpoch.Select(l => l.ToString("F1")))}");
        Assert.Equal(32, vae.Training.Steps);
        Assert.StartsWith("512:", vae.Training.DataFingerprint);
    }

    [Fact]
    public void Transformer_AddsReconstructionAndLatents_AndEvaluates()
    {
        var ctx = Cpu.Context(2);
        var data = Images(ctx, 256);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Epochs = 10, LearningRate = 3e-3 }).Fit(data);
        var output = vae.Transform(data);
        Assert.Equal("Label: Key<UInt32, 0-9>, Image: Vector<Single, 1, 28, 28>, Reconstruction: Vector<Single, 1, 28, 28>, Mu: Vector<Single, 8>, LogVar: Vector<Single, 8>",
            TestData.Describe(output.Schema));
        var metrics = ctx.Generative().Evaluators.EvaluateReconstruction(output, "Image", "Reconstruction");
        Assert.Equal(256, metrics.Count);
        // Baseline: predicting the mean image for every input.
        var images = ctx.Data.CreateEnumerable<ImageOnly>(data, reuseRowObject: false).Select(r => r.Image).ToList();
        var meanImage = Enumerable.Range(0, 784).Select(i => images.Average(x => x[i])).ToArray();
        double baseline = images.Average(x => x.Select((v, i) => (v - meanImage[i]) * (v - meanImage[i])).Average());
        Assert.True(metrics.MeanSquaredError < 0.8 * baseline, $"VAE MSE {metrics.MeanSquaredError:F4} vs mean-image baseline {baseline:F4}");
        Assert.True(metrics.PeakSignalToNoiseRatio > 10 * Math.Log10(1 / baseline), $"PSNR {metrics.PeakSignalToNoiseRatio:F2} dB");
        // The batched view gives the direct API's values (to float rounding: BLAS blocks a batch of
        // 256 differently from a batch of 1).
        using var scope = DisposeScope.Enter();
        var first = ctx.Data.CreateEnumerable<ReconRow>(output, reuseRowObject: false).First();
        var direct = vae.Reconstruct(Tensor.FromArray(first.Image, 1, 1, 28, 28)).ToArray<float>();
        Assert.All(direct.Zip(first.Reconstruction), p => Assert.Equal(p.First, p.Second, 1e-5f));
    }

    public sealed class ImageOnly
    {
        [VectorType(1, 28, 28)] public float[] Image { get; set; } = [];
    }

    public sealed class ReconRow
    {
        [VectorType(1, 28, 28)] public float[] Image { get; set; } = [];
        [VectorType(1, 28, 28)] public float[] Reconstruction { get; set; } = [];
    }

    [Fact]
    public void SaveAndLoad_GivesIdenticalOutputs()
    {
        var ctx = Cpu.Context(3);
        var data = Images(ctx, 128);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Architecture = VaeArchitecture.Conv }).Fit(data);
        var path = Path.Combine(_dir, "vae.aigc");
        ctx.Model.SaveGenerative(vae, path);
        var manifest = ctx.Model.InspectGenerative(path);
        Assert.Equal("vae", manifest.Family);
        Assert.Equal("Conv", (string)manifest.Options["architecture"]!);
        Assert.Equal(28, (int)manifest.Options["height"]!);
        using var loaded = Assert.IsType<VaeTransformer>(ctx.Model.LoadGenerative(path));
        using var scope = DisposeScope.Enter();
        Assert.Equal(vae.Sample(4, seed: 9).ToArray<float>(), loaded.Sample(4, seed: 9).ToArray<float>());
        Assert.Equal(manifest.Training.Steps, loaded.Training.Steps);
    }

    [Fact]
    public void Generation_IsSeededAndValidatesInputs()
    {
        var ctx = Cpu.Context(4);
        var data = Images(ctx, 128);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano).Fit(data);
        using var scope = DisposeScope.Enter();
        var a = vae.Sample(3, seed: 1);
        Assert.Equal([3L, 1, 28, 28], a.Shape);
        Assert.Equal(a.ToArray<float>(), vae.Sample(3, seed: 1).ToArray<float>());
        Assert.NotEqual(a.ToArray<float>(), vae.Sample(3, seed: 2).ToArray<float>());
        var path = vae.Interpolate(a[0], a[1], steps: 5);
        Assert.Equal([5L, 1, 28, 28], path.Shape);
        Assert.Contains("Latent vectors must have 8 values", Assert.Throws<ArgumentException>(() => vae.Decode(Tensor.Zeros(2, 5))).Message);
        Assert.Contains("Expected images shaped (N, 1, 28, 28)", Assert.Throws<ArgumentException>(() => vae.Reconstruct(Tensor.Zeros(2, 1, 32, 32))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => vae.Sample(0, seed: 1));
        // A 32x32 view is refused by the 28x28 model before anything runs.
        var wrongSize = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 32, 32), new[] { new float[1024] })]);
        Assert.Contains("1x28x28", Assert.Throws<SchemaMismatchException>(() => vae.Transform(wrongSize)).Message);
    }

    [Fact]
    public void Trainer_RejectsBadInputBeforeTraining()
    {
        var ctx = Cpu.Context(5);
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz");
        var trainer = ctx.Generative().Trainers.Vae(VaeOptions.Nano);
        var text = TestData.View([("Image", TextDataViewType.Instance, new[] { "not an image" })]);
        var e = Assert.Throws<SchemaMismatchException>(() => trainer.Fit(text));
        Assert.Contains("expected an image vector of Single in [0, 1] or of Byte pixels", e.Message);
        var odd = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 30, 30), new[] { new float[900] })]);
        Assert.Contains("divisible by 4", Assert.Throws<SchemaMismatchException>(() => ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Architecture = VaeArchitecture.Conv }).Fit(odd)).Message);
        Assert.Equal("LatentDim", Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Generative().Trainers.Vae(VaeOptions.Nano with { LatentDim = 0 })).ParamName);
        var empty = TestData.View([("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), Array.Empty<float[]>())]);
        Assert.Contains("no rows", Assert.Throws<ArgumentException>(() => trainer.Fit(empty)).Message);
    }
}
