using System.Text.Json;
using Aigc.MLNet.Data;
using Aigc.MLNet.Evaluation;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class SsimTests
{
    public static TheoryData<string> Cases => new() { "gray28", "rgb32", "gray11" };

    /// <summary>Against scikit-image's structural_similarity (Fixtures/make_ssim.py).</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Ssim_MatchesScikitImage(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ssim.json")));
        var c = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        long[] shape = [1, .. c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt64())];
        using var scope = DisposeScope.Enter();
        var x = Tensor.FromArray(c.GetProperty("x").EnumerateArray().Select(v => v.GetDouble()).ToArray(), shape);
        var y = Tensor.FromArray(c.GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToArray(), shape);
        Assert.Equal(c.GetProperty("ssim").GetDouble(), Ssim.Compute(x, y).Item(), 6);
    }

    /// <summary>PSNR through the evaluator, against scikit-image's peak_signal_noise_ratio.</summary>
    [Theory]
    [MemberData(nameof(Cases))]
    public void Psnr_MatchesScikitImage(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", "ssim.json")));
        var c = doc.RootElement.EnumerateArray().Single(e => e.GetProperty("name").GetString() == name);
        var dims = c.GetProperty("shape").EnumerateArray().Select(v => v.GetInt32()).ToArray();
        var type = new VectorDataViewType(NumberDataViewType.Single, dims);
        float[] Values(string key) => c.GetProperty(key).EnumerateArray().Select(v => (float)v.GetDouble()).ToArray();
        var view = TestData.View([("X", type, new[] { Values("x") }), ("Y", type, new[] { Values("y") })]);
        var m = new MLContext(seed: 1).Generative().Evaluators.EvaluateReconstruction(view, "X", "Y");
        Assert.Equal(c.GetProperty("psnr").GetDouble(), m.PeakSignalToNoiseRatio, 4); // float32 pixels
    }

    [Fact]
    public void Ssim_OfIdenticalImagesIsOne_AndBadShapesThrow()
    {
        using var scope = DisposeScope.Enter();
        Engine.ManualSeed(1);
        var x = Tensor.Rand(2, 3, 16, 16);
        Assert.All(Ssim.Compute(x, x).ToArray<float>(), v => Assert.Equal(1f, v, 5));
        Assert.Contains("at least 11x11", Assert.Throws<ArgumentException>(() => Ssim.Compute(Tensor.Rand(1, 1, 8, 8), Tensor.Rand(1, 1, 8, 8))).Message);
        Assert.Throws<ArgumentException>(() => Ssim.Compute(x, Tensor.Rand(2, 3, 16, 15)));
    }

    [Fact]
    public void Evaluator_ReportsSsimForImageColumns()
    {
        var ctx = new MLContext(seed: 1);
        var type = new VectorDataViewType(NumberDataViewType.Single, 1, 12, 12);
        var rand = new Random(3);
        float[] Img() => Enumerable.Range(0, 144).Select(_ => (float)rand.NextDouble()).ToArray();
        var originals = Enumerable.Range(0, 300).Select(_ => Img()).ToArray();
        var view = TestData.View([("X", type, originals), ("Y", type, originals.Select(o => (float[])o.Clone()).ToArray())]);
        var m = ctx.Generative().Evaluators.EvaluateReconstruction(view, "X", "Y");
        Assert.Equal(300, m.Count);
        Assert.Equal(1.0, m.StructuralSimilarity!.Value, 5);
        Assert.Equal(0, m.MeanSquaredError);
        var flat = TestData.View([("X", new VectorDataViewType(NumberDataViewType.Single, 4), new[] { new float[4] }),
                                      ("Y", new VectorDataViewType(NumberDataViewType.Single, 4), new[] { new float[4] })]);
        Assert.Null(ctx.Generative().Evaluators.EvaluateReconstruction(flat, "X", "Y").StructuralSimilarity);
    }
}
