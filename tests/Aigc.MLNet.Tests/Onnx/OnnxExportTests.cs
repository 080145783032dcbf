using System.Diagnostics;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Microsoft.ML;

namespace Aigc.MLNet.Tests.Onnx;

/// <summary>Every image family exported to ONNX and run on ONNX Runtime gives what the libtorch
/// model gives on the same inputs (to 1e-4), and the files pass python3-onnx's checker.</summary>
public class OnnxExportTests : IDisposable
{
    private const float Tolerance = 1e-4f;
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-onnx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    internal static IDataView Images(MLContext ctx, int count, PixelScale scale = PixelScale.ZeroToOne)
    {
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        return ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image", scale: scale).Fit(raw).Transform(ctx.Data.TakeRows(raw, count)));
    }

    private static ImageBatch Batch(IDataView view, int count) =>
        new(TestData.Floats(view, "Image").Take(count).SelectMany(r => r).ToArray(), count, 1, 28, 28, 0, 1);

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        float worst = 0;
        for (int i = 0; i < expected.Length; i++) worst = Math.Max(worst, Math.Abs(expected[i] - actual[i]));
        Assert.True(worst <= Tolerance, $"{what}: largest difference {worst:E2} > {Tolerance:E0}");
    }

    private string Export(ITransformer model, string name)
    {
        var dir = Path.Combine(_dir, name);
        var files = new MLContext().Model.ExportToOnnx(model, dir);
        Assert.All(files, f => Assert.True(new FileInfo(f).Length > 0));
        Assert.Empty(Directory.GetFiles(dir, "*.tmp-*"));
        return dir;
    }

    [Theory]
    [InlineData(VaeArchitecture.Mlp)]
    [InlineData(VaeArchitecture.Conv)]
    public void Vae_OnOnnxRuntime_MatchesLibtorch(VaeArchitecture architecture)
    {
        var ctx = Cpu.Context(1);
        var data = Images(ctx, 256);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Architecture = architecture }).Fit(data);
        var dir = Export(vae, $"vae-{architecture}");
        Assert.Equal(["decoder.onnx", "encoder.onnx"], Directory.GetFiles(dir).Select(Path.GetFileName).Order());

        using var onnx = OnnxVae.Load(dir);
        Assert.Equal(vae.LatentDim, onnx.LatentDim);
        Assert.Equal(vae.ImageShape, onnx.ImageShape);
        using var scope = DisposeScope.Enter();
        // The same seed draws the same noise on both paths, so the samples themselves agree.
        var sampled = onnx.Sample(300, seed: 7);   // more than one 256-row slice
        Assert.Equal(300, sampled.Count);
        AssertClose(vae.Sample(300, seed: 7).ToArray<float>(), sampled.Pixels, "samples");

        var images = Batch(data, 40);
        var (mu, logVar) = onnx.Encode(images);
        var (tmu, tlogVar) = vae.Encode(Tensor.FromArray(images.Pixels, 40, 1, 28, 28));
        AssertClose(tmu.ToArray<float>(), mu, "mu");
        AssertClose(tlogVar.ToArray<float>(), logVar, "logvar");
        AssertClose(vae.Reconstruct(Tensor.FromArray(images.Pixels, 40, 1, 28, 28)).ToArray<float>(), onnx.Reconstruct(images).Pixels, "reconstructions");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Gan_OnOnnxRuntime_MatchesLibtorch(bool conditional)
    {
        var ctx = Cpu.Context(2);
        // One epoch moves the batch-norm running statistics away from (0, 1), so the export must carry them.
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { LabelColumn = conditional ? "Label" : null })
            .Fit(Images(ctx, 256, PixelScale.MinusOneToOne));
        using var onnx = OnnxGan.Load(Export(gan, "gan"));
        Assert.Equal(conditional ? 10 : null, onnx.NumClasses);
        long[]? labels = conditional ? Enumerable.Range(0, 20).Select(i => (long)(i % 10)).ToArray() : null;
        using var scope = DisposeScope.Enter();
        var expected = gan.Generate(20, seed: 5, labels, truncation: 1.5).ToArray<float>();
        var actual = onnx.Generate(20, seed: 5, labels, truncation: 1.5);
        Assert.Equal((-1f, 1f), (actual.Minimum, actual.Maximum));
        AssertClose(expected, actual.Pixels, "generated images");
        if (conditional)
        {
            Assert.Throws<ArgumentException>(() => onnx.Generate(2, 0));
            Assert.Throws<ArgumentOutOfRangeException>(() => onnx.Generate(2, 0, [0, 10]));
        }
        else Assert.Throws<ArgumentException>(() => onnx.Generate(2, 0, [0, 1]));
    }

    [Fact]
    public void Classifier_OnOnnxRuntime_MatchesTheTransformer()
    {
        var ctx = Cpu.Context(3);
        var data = Images(ctx, 256);
        using var classifier = ctx.Generative().Trainers.ImageClassifier(ImageClassifierOptions.Nano).Fit(data);
        using var onnx = OnnxImageClassifier.Load(Export(classifier, "classifier"));
        var images = Batch(data, 32);
        var (_, scores, features) = onnx.Classify(images);
        var scored = classifier.Transform(ctx.Data.TakeRows(data, 32));
        AssertClose(TestData.Floats(scored, "Scores").SelectMany(r => r).ToArray(), scores, "scores");
        AssertClose(TestData.Floats(scored, "Features").SelectMany(r => r).ToArray(), features, "features");
        using var scope = DisposeScope.Enter();
        var predicted = classifier.Predict(Tensor.FromArray(images.Pixels, 32, 1, 28, 28)).ToArray<long>();
        Assert.Equal(predicted.Select(p => (int)p), onnx.Predict(images));
    }

    [Fact]
    public void Pipeline_ExportsItsGenerativeStage_AndOtherModelsAreRefused()
    {
        var ctx = Cpu.Context(4);
        var raw = ctx.Data.LoadFromIdx("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz", "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz");
        using var chain = ctx.Transforms.ScaleImagePixels("Image").Append(ctx.Generative().Trainers.Vae(VaeOptions.Nano)).Fit(ctx.Data.TakeRows(raw, 128));
        Assert.Equal(2, ctx.Model.ExportToOnnx(chain, Path.Combine(_dir, "chain")).Count);
        var scaler = ctx.Transforms.ScaleImagePixels("Image").Fit(raw);
        var e = Assert.Throws<ArgumentException>(() => ctx.Model.ExportToOnnx(scaler, Path.Combine(_dir, "scaler")));
        Assert.Equal("model", e.ParamName);
        Assert.Contains("cannot be exported to ONNX", e.Message);
    }

    [Fact]
    public void DamagedOrMismatchedFiles_GiveClearErrors()
    {
        var ctx = Cpu.Context(5);
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Nano).Fit(Images(ctx, 128));
        var dir = Export(vae, "vae");
        var decoder = Path.Combine(dir, "decoder.onnx");
        var bytes = File.ReadAllBytes(decoder);

        var missing = Assert.Throws<FileNotFoundException>(() => OnnxGan.Load(dir));
        Assert.Contains("generator.onnx", missing.Message);
        Assert.Equal("vae", ExportedModel.Family(dir));

        // A VAE decoder renamed to generator.onnx is refused by its metadata, not run as a GAN.
        File.Copy(decoder, Path.Combine(dir, "generator.onnx"));
        var wrong = Assert.Throws<InvalidDataException>(() => OnnxGan.Load(dir));
        Assert.Contains("aigc.family = 'vae', expected 'gan'", wrong.Message);
        // Two models' files in one folder: which one is meant cannot be told, and the error says so.
        Assert.Contains("holds the exports of several models (vae, gan)", Assert.Throws<InvalidDataException>(() => ExportedModel.Family(dir)).Message);

        var truncated = Path.Combine(_dir, "truncated");
        Directory.CreateDirectory(truncated);
        foreach (var keep in new[] { bytes.Length / 2, bytes.Length - 7, 10 })
        {
            File.WriteAllBytes(Path.Combine(truncated, "decoder.onnx"), bytes[..keep]);
            var e = Assert.Throws<InvalidDataException>(() => OnnxVae.Load(truncated));
            Assert.Contains("is not a valid ONNX model", e.Message);
        }
        // Random bytes flipped through the file: refused with the same kind of error, or (where the
        // flip only touches weight values) opened and run without a crash.
        var random = new Random(11);
        for (int trial = 0; trial < 20; trial++)
        {
            var damaged = (byte[])bytes.Clone();
            for (int k = 0; k < 8; k++) damaged[random.Next(damaged.Length)] ^= (byte)random.Next(1, 256);
            File.WriteAllBytes(Path.Combine(truncated, "decoder.onnx"), damaged);
            try
            {
                using var opened = OnnxVae.Load(truncated);
                Assert.Equal(2, opened.Sample(2, 0).Count);
            }
            catch (InvalidDataException) { }
        }
    }

    [OnnxCheckerFact]
    public void EveryExportedGraph_PassesTheOnnxCheckerWithShapeInference()
    {
        var ctx = Cpu.Context(6);
        var data = Images(ctx, 128);
        var minusOne = Images(ctx, 128, PixelScale.MinusOneToOne);
        using var mlp = ctx.Generative().Trainers.Vae(VaeOptions.Nano).Fit(data);
        using var conv = ctx.Generative().Trainers.Vae(VaeOptions.Nano with { Architecture = VaeArchitecture.Conv }).Fit(data);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { LabelColumn = "Label" }).Fit(minusOne);
        using var classifier = ctx.Generative().Trainers.ImageClassifier(ImageClassifierOptions.Nano).Fit(data);
        using var diffusion = ctx.Generative().Trainers.Diffusion(DiffusionOptions.Nano with
        {
            LabelColumn = "Label", MaxSteps = 2, UNet = UNetOptions.Nano with { ChannelMultipliers = [1, 2, 2], MidAttention = true },
        }).Fit(minusOne);
        var text = TestData.View([("Text", Microsoft.ML.Data.TextDataViewType.Instance, new[] { string.Concat(Enumerable.Repeat("a small corpus. ", 30)) })]);
        var lmOptions = Aigc.MLNet.LanguageModels.CausalLMOptions.Nano with { MaxSteps = 2, WarmupSteps = 0 };
        using var gpt = ctx.Generative().Trainers.CausalLM(lmOptions).Fit(text);
        using var lstm = ctx.Generative().Trainers.CausalLM(lmOptions with { Architecture = Aigc.MLNet.LanguageModels.LanguageModelArchitecture.Lstm }).Fit(text);
        var files = new[]
        {
            Export(mlp, "mlp"), Export(conv, "conv"), Export(gan, "gan"), Export(classifier, "classifier"), Export(diffusion, "diffusion"), Export(gpt, "gpt"), Export(lstm, "lstm"),
        }.SelectMany(Directory.GetFiles).Where(f => f.EndsWith(".onnx", StringComparison.Ordinal)).ToList();
        Assert.Equal(9, files.Count);

        var (code, output) = OnnxChecker.Run(files);
        Assert.True(code == 0, output);
        Assert.Equal(files.Count, output.Split('\n').Count(l => l.Contains(": ok opset 17;")));
        Assert.Contains("out image[batchx1x28x28]", output);
        Assert.Contains("in latent[batchx16], label[batch]", output);   // the conditional GAN
        Assert.Contains("in noisy_image[batchx1x28x28], timestep[batch], label[batch]; out prediction[batchx1x28x28]", output);
        Assert.Contains("past_key_values.1.value[batchx2xpast_sequencex16]; out logits[batchxsequencex", output);
        Assert.Contains("hidden_out[", output);
    }
}

/// <summary>Runs scripts/onnx-check.py (Debian's python3-onnx) on ONNX files.</summary>
internal static class OnnxChecker
{
    public static string Script => Path.Combine(AppContext.BaseDirectory, "onnx-check.py");   // copied from scripts/

    public static bool Available => File.Exists("/usr/bin/python3") && Directory.Exists("/usr/lib/python3/dist-packages/onnx");

    public static (int Code, string Output) Run(IEnumerable<string> files)
    {
        var info = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Script);
        foreach (var f in files) info.ArgumentList.Add(f);
        using var p = Process.Start(info)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout.Result + stderr);
    }
}

public sealed class OnnxCheckerFactAttribute : FactAttribute
{
    public OnnxCheckerFactAttribute()
    {
        if (!OnnxChecker.Available) Skip = "Debian's python3-onnx is absent (scripts/setup.sh installs it): the ONNX checker cannot run.";
    }
}
