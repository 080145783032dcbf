using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Tests.Onnx;

/// <summary>The ONNX-backed ML.NET transformer gives the columns and values of the libtorch transformer
/// it was exported from, in a pipeline and through a prediction engine.</summary>
public class OnnxGenerativeTransformerTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-onnx-transformer-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IDataView Seeds(MLContext ctx, int count, bool labels) => TestData.View(labels
        ? [("Seed", NumberDataViewType.Int64, Enumerable.Range(0, count).Select(i => (long)(100 + i)).ToArray()),
           ("Label", NumberDataViewType.Int64, Enumerable.Range(0, count).Select(i => (long)(i % 10)).ToArray())]
        : [("Seed", NumberDataViewType.Int64, Enumerable.Range(0, count).Select(i => (long)(100 + i)).ToArray())]);

    private static void SameColumn(IDataView expected, IDataView actual, string column)
    {
        Assert.Equal(expected.Schema[column].Type, actual.Schema[column].Type);
        OnnxExportTests.AssertClose(TestData.Floats(expected, column).SelectMany(r => r).ToArray(), TestData.Floats(actual, column).SelectMany(r => r).ToArray(), column);
    }

    [Fact]
    public void ConditionalGan_GivesTheLibtorchTransformersImages()
    {
        var ctx = Cpu.Context(1);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { LabelColumn = "Label" }).Fit(OnnxExportTests.Images(ctx, 256, PixelScale.MinusOneToOne));
        ctx.Model.ExportToOnnx(gan, _dir);
        using var onnx = OnnxGenerativeTransformer.Load(_dir, labelColumn: "Label");
        var seeds = Seeds(ctx, 300, labels: true);   // more than one batch
        SameColumn(gan.Transform(seeds), onnx.Transform(seeds), "GeneratedImage");
        Assert.Throws<ArgumentException>(() => OnnxGenerativeTransformer.Load(_dir));   // a conditional model needs its label column
        var e = Assert.ThrowsAny<ArgumentException>(() => onnx.GetOutputSchema(Seeds(ctx, 2, labels: false).Schema));
        Assert.Contains("Label", e.Message);
    }

    [Fact]
    public void Vae_GivesTheLibtorchTransformersColumns_AndServesAPredictionEngine()
    {
        var ctx = Cpu.Context(2);
        var images = OnnxExportTests.Images(ctx, 128);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano).Fit(images);
        ctx.Model.ExportToOnnx(vae, _dir);
        using var onnx = OnnxGenerativeTransformer.Load(_dir);
        var expected = vae.Transform(ctx.Data.TakeRows(images, 40));
        var actual = onnx.Transform(ctx.Data.TakeRows(images, 40));
        foreach (var column in new[] { "Reconstruction", "Mu", "LogVar" }) SameColumn(expected, actual, column);

        var engine = ctx.Model.CreatePredictionEngine<ImageRow, MuRow>(onnx);
        var first = TestData.Floats(images, "Image")[0];
        OnnxExportTests.AssertClose(TestData.Floats(expected, "Mu")[0], engine.Predict(new ImageRow { Image = first }).Mu, "Mu from the prediction engine");
        Assert.Throws<NotSupportedException>(() => ctx.Model.Save(onnx, images.Schema, Path.Combine(_dir, "model.zip")));
    }

    [Fact]
    public void Diffusion_GivesTheLibtorchTransformersImages()
    {
        var ctx = Cpu.Context(3);
        var options = DiffusionOptions.Nano with { MaxSteps = 4, Sampling = new SamplingOptions { Steps = 5 } };
        using var model = ctx.Generative().Trainers.Diffusion(options).Fit(OnnxExportTests.Images(ctx, 64, PixelScale.MinusOneToOne));
        ctx.Model.ExportToOnnx(model, _dir);
        using var onnx = OnnxGenerativeTransformer.Load(_dir);
        var seeds = Seeds(ctx, 3, labels: false);
        OnnxExportTests.AssertClose(TestData.Floats(model.Transform(seeds), "GeneratedImage").SelectMany(r => r).ToArray(),
            TestData.Floats(onnx.Transform(seeds), "GeneratedImage").SelectMany(r => r).ToArray(), "generated images");
    }

    [Fact]
    public void Classifier_AndGreedyLanguageModel_GiveTheLibtorchTransformersColumns()
    {
        var ctx = Cpu.Context(4);
        var images = OnnxExportTests.Images(ctx, 128);
        using var classifier = ctx.Generative().Trainers.ImageClassifier(Classification.ImageClassifierOptions.Nano).Fit(images);
        var classifierDir = Path.Combine(_dir, "classifier");
        ctx.Model.ExportToOnnx(classifier, classifierDir);
        using (var onnx = OnnxGenerativeTransformer.Load(classifierDir))
            foreach (var column in new[] { "Scores", "Features" }) SameColumn(classifier.Transform(images), onnx.Transform(images), column);

        var text = TestData.View([("Text", TextDataViewType.Instance, new[] { string.Concat(Enumerable.Repeat("the quick brown fox jumps over the lazy dog. ", 40)) })]);
        var options = Aigc.MLNet.LanguageModels.CausalLMOptions.Nano with
        {
            MaxSteps = 100, LearningRate = 3e-3, WarmupSteps = 10,
            Generation = new Aigc.MLNet.LanguageModels.GenerationOptions { DoSample = false, MaxNewTokens = 12, StopSequences = ["."] },
        };
        using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(text);
        var lmDir = Path.Combine(_dir, "lm");
        ctx.Model.ExportToOnnx(lm, lmDir);
        using var onnxLm = OnnxGenerativeTransformer.Load(lmDir);
        var prompts = TestData.View([("Prompt", TextDataViewType.Instance, new[] { "the", "jumps over", "lazy" })]);
        Assert.Equal(TestData.Texts(lm.Transform(prompts), "Completion"), TestData.Texts(onnxLm.Transform(prompts), "Completion"));
    }

    private sealed class ImageRow
    {
        [VectorType(1, 28, 28)]
        public float[] Image { get; set; } = [];
    }

    private sealed class MuRow
    {
        public float[] Mu { get; set; } = [];
    }
}
