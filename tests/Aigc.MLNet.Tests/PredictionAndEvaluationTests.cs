using Aigc.MLNet.Data;
using Aigc.MLNet.Evaluation;
using Aigc.MLNet.Transforms;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class PredictionAndEvaluationTests
{
    public sealed class In
    {
        [VectorType(1, 2, 2)]
        public byte[] Image { get; set; } = [];
    }

    public sealed class Out
    {
        [VectorType(1, 2, 2)]
        public float[] Big { get; set; } = [];
    }

    // An ML.NET transform before ours and one after it, so the engine runs a real mixed chain.
    private static ITransformer Model(MLContext ctx) =>
        ctx.Transforms.CopyColumns("Raw", "Image")
            .Append(ctx.Transforms.ScaleImagePixels("Pixels", "Raw"))
            .Append(ctx.Transforms.CopyColumns("Big", "Pixels"))
            .Fit(ctx.Data.LoadFromEnumerable(new[] { new In { Image = new byte[4] } }));

    [Fact]
    public void PredictionEngine_MapsOneObject()
    {
        var ctx = new MLContext(seed: 1);
        var engine = ctx.Model.CreatePredictionEngine<In, Out>(Model(ctx));
        var result = engine.Predict(new In { Image = [255, 255, 255, 255] });
        Assert.All(result.Big, v => Assert.Equal(1f, v, 6));
        Assert.Equal([0f, 0.2f, 0.4f, 0f], engine.Predict(new In { Image = [0, 51, 102, 0] }).Big, (a, b) => Math.Abs(a - b) < 1e-6f);
    }

    public sealed class WrongOut
    {
        public string Big { get; set; } = "";
    }

    [Fact]
    public void PredictionEngine_WithMismatchedOutputType_FailsAtCreation()
    {
        var ctx = new MLContext(seed: 1);
        // ML.NET's own check: a string property cannot take a vector column.
        var e = Assert.ThrowsAny<Exception>(() => ctx.Model.CreatePredictionEngine<In, WrongOut>(Model(ctx)));
        Assert.Contains("Big", e.Message);
    }

    [Fact]
    public void PredictionEnginePool_ConcurrentCalls_MatchSerialResults()
    {
        var ctx = new MLContext(seed: 1);
        var model = Model(ctx);
        var inputs = Enumerable.Range(0, 64).Select(i => new In { Image = [(byte)i, (byte)(2 * i), (byte)(3 * i), 7] }).ToArray();
        var serial = ctx.Model.CreatePredictionEngine<In, Out>(model);
        var expected = inputs.Select(i => serial.Predict(i).Big).ToArray();
        var pool = ctx.Model.CreatePredictionEnginePool<In, Out>(model);
        var actual = new float[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => actual[i] = pool.Predict(inputs[i]).Big);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void EvaluateReconstruction_MatchesHandComputedMseAndPsnr()
    {
        var ctx = new MLContext(seed: 1);
        var type = new VectorDataViewType(NumberDataViewType.Single, 1, 2, 2);
        var view = TestData.View([
            ("X", type, new[] { new[] { 0f, 0, 1, 1 }, new[] { 0.5f, 0.5f, 0.5f, 0.5f } }),
            ("Y", type, new[] { new[] { 0f, 0.5f, 1, 1 }, new[] { 0.5f, 0.5f, 0.5f, 0.5f } })]);
        var m = ctx.Generative().Evaluators.EvaluateReconstruction(view, "X", "Y");
        Assert.Equal(2, m.Count);
        Assert.Equal(0.25 / 8, m.MeanSquaredError, 12);
        // Image 1: MSE 0.0625 -> 10·log10(1 / 0.0625) = 12.0412 dB; image 2 is exact (capped at 100 dB).
        Assert.Equal((10 * Math.Log10(16) + 100) / 2, m.PeakSignalToNoiseRatio, 9);
        Assert.Throws<SchemaMismatchException>(() => ctx.Generative().Evaluators.EvaluateReconstruction(view, "X", "Z"));
        Assert.Throws<ArgumentOutOfRangeException>(() => ctx.Generative().Evaluators.EvaluateReconstruction(view, "X", "Y", dataRange: 0));
    }
}
