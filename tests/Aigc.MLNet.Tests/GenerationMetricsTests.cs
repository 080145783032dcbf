using System.Text.Json;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Data;
using Aigc.MLNet.Evaluation;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class GenerationMetricsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-gen-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    public static TheoryData<string> FrechetCases => new() { "close", "far", "wide" };

    /// <summary>Against numpy + scipy.linalg.sqrtm (Fixtures/make_frechet.py).</summary>
    [Theory]
    [MemberData(nameof(FrechetCases))]
    public void FrechetDistance_MatchesScipy(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "frechet.json")));
        var c = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        double[][] Read(string key) => c.GetProperty(key).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
        double expected = c.GetProperty("fd").GetDouble();
        Assert.Equal(expected, FrechetDistance.Compute(Read("a"), Read("b")), 6);
        Assert.Equal(0, FrechetDistance.Compute(Read("a"), Read("a")), 6);
    }

    private static (IDataView Train, IDataView Test) Data(MLContext ctx)
    {
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        var all = ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image").Fit(raw).Transform(ctx.Data.TakeRows(raw, 4000)));
        var split = ctx.Data.TrainTestSplit(all, 0.25, seed: 1);
        return (ctx.Data.Cache(split.TrainSet), ctx.Data.Cache(split.TestSet));
    }

    private sealed class Collect(List<TrainingProgress> list) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => list.Add(value);
    }

    [Fact]
    public void Classifier_LearnsFashionMnist_AndMetricsDetectCollapse()
    {
        var ctx = Cpu.Context(1);
        var (train, test) = Data(ctx);
        var reports = new List<TrainingProgress>();
        using var classifier = ctx.Generative().Trainers.ImageClassifier(new ImageClassifierOptions { Epochs = 2, FeatureDim = 32 }).Fit(train, test, new Collect(reports));
        double accuracy = reports.Last(r => r.ValidationMetrics is not null).ValidationMetrics!["accuracy"];
        Assert.True(accuracy > 0.65, $"held-out accuracy {accuracy:F3}");

        using var scope = DisposeScope.Enter();
        var real = GenerationEvaluator.ReadImages(test, "Image");
        var realA = real.Narrow(0, 0, 400);
        var realB = real.Narrow(0, 400, 400);
        var honest = ctx.Generative().Evaluators.EvaluateGeneration(realA, realB, classifier);
        // "Mode collapse": 400 copies of one image.
        var collapsed = ctx.Generative().Evaluators.EvaluateGeneration(realA, realB.Narrow(0, 0, 1).Expand(400, 1, 28, 28).Contiguous(), classifier);
        var noise = ctx.Generative().Evaluators.EvaluateGeneration(realA, Tensor.Rand(400, 1, 28, 28), classifier);
        Assert.True(honest.ClassCoverage > 0.9, $"coverage of real images {honest.ClassCoverage:F3}");
        Assert.Equal(0, collapsed.ClassCoverage, 9);
        Assert.True(honest.FrechetClassifierDistance < collapsed.FrechetClassifierDistance, $"{honest.FrechetClassifierDistance} vs collapsed {collapsed.FrechetClassifierDistance}");
        Assert.True(honest.FrechetClassifierDistance < noise.FrechetClassifierDistance, $"{honest.FrechetClassifierDistance} vs noise {noise.FrechetClassifierDistance}");
        Assert.Equal(1.0, honest.PredictedClassShares.Sum(), 9);
        // Conditional accuracy with the true labels equals the classifier's accuracy on those images.
        var labels = ctx.Data.CreateEnumerable<LabelRow>(test, reuseRowObject: false).Select(r => (long)r.Label - 1).Take(400).ToArray(); // keys are 1-based
        Assert.InRange(ctx.Generative().Evaluators.EvaluateConditionalAccuracy(realA, labels, classifier), 0.6, 1.0);
        // [-1, 1] images are converted before classification.
        Assert.Equal(classifier.Predict(realA).ToArray<long>(), classifier.Predict(realA * 2 - 1, PixelRange.MinusOneToOne).ToArray<long>());

        var path = Path.Combine(_dir, "classifier.aigc");
        ctx.Model.SaveGenerative(classifier, path);
        using var loaded = Assert.IsType<ImageClassifierTransformer>(ctx.Model.LoadGenerative(path));
        Assert.Equal(classifier.Predict(realA).ToArray<long>(), loaded.Predict(realA).ToArray<long>());
        Assert.Contains("Expected images shaped (N, 1, 28, 28)", Assert.Throws<ArgumentException>(() => loaded.Features(Tensor.Rand(2, 3, 28, 28))).Message);
    }

    public sealed class LabelRow
    {
        [KeyType(10)]
        public uint Label { get; set; }
    }
}
