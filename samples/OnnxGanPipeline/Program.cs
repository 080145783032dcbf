// Trains a DCGAN on Fashion-MNIST with Aigc.MLNet, exports its generator to ONNX, then generates
// the way a deployed app would: a plain ML.NET pipeline whose only stage is ML.NET's own
// ApplyOnnxModel (Microsoft.ML.OnnxTransformer), fed rows of noise — no Aigc.MLNet type and no
// libtorch in that half (see the slim app in tests/SlimConsumer for a process without libtorch).
//   <out>/gan-onnx/generator.onnx   the exported generator
//   <out>/onnx-samples.png          64 images from the ApplyOnnxModel pipeline
// Usage: OnnxGanPipeline [--epochs N] [--max-steps N] [--out DIR] [--seed N]
using Aigc.MLNet;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Transforms;
using Aigc.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

int epochs = 1, seed = 1;
long? maxSteps = null;
string outDir = "out";
for (int i = 0; i < args.Length; i++)
{
    string? Next() => i + 1 < args.Length ? args[++i] : null;
    switch (args[i])
    {
        case "--epochs" when int.TryParse(Next(), out var e) && e > 0: epochs = e; break;
        case "--max-steps" when long.TryParse(Next(), out var s) && s > 0: maxSteps = s; break;
        case "--out" when Next() is { } d: outDir = d; break;
        case "--seed" when int.TryParse(Next(), out var s): seed = s; break;
        default:
            Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: OnnxGanPipeline [--epochs N>0] [--max-steps N>0] [--out DIR] [--seed N]");
            return 2;
    }
}
const string images = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";
if (!File.Exists(images))
{
    Console.Error.WriteLine("Fashion-MNIST not found. Install it: apt-get install -y dataset-fashion-mnist (or run scripts/setup.sh).");
    return 1;
}
Directory.CreateDirectory(outDir);

// 1. Train and export (the machine that trains has libtorch).
var ctx = new MLContext(seed: seed);
var raw = ctx.Data.LoadFromIdx(images);
var train = ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne).Fit(raw).Transform(raw));
var options = GanOptions.Small with { Epochs = epochs, MaxSteps = maxSteps };
var onnxFolder = Path.Combine(outDir, "gan-onnx");
using (var gan = ctx.Generative().Trainers.Gan(options).Fit(train))
{
    ctx.Model.ExportToOnnx(gan, onnxFolder);
    Console.WriteLine($"trained {gan.Training.Steps} steps; exported {onnxFolder}/generator.onnx");
}

// 2. Generate with nothing but ML.NET: rows of N(0, I) noise in, images out.
var random = new Random(seed);
float Normal() => (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
var noise = ctx.Data.LoadFromEnumerable(Enumerable.Range(0, 64).Select(_ => new NoiseRow { Latent = Enumerable.Range(0, options.LatentDim).Select(_ => Normal()).ToArray() }));
var pipeline = ctx.Transforms.ApplyOnnxModel(outputColumnName: "image", inputColumnName: "latent", modelFile: Path.Combine(onnxFolder, "generator.onnx"));
var generated = ctx.Data.CreateEnumerable<ImageRow>(pipeline.Fit(noise).Transform(noise), reuseRowObject: false).ToList();

using (var scope = DisposeScope.Enter())
    ImageGrid.Save(Path.Combine(outDir, "onnx-samples.png"), Tensor.FromArray(generated.SelectMany(r => r.Image).ToArray(), generated.Count, 1, 28, 28),
        range: PixelRange.MinusOneToOne);
Console.WriteLine($"wrote onnx-samples.png ({generated.Count} images from an ApplyOnnxModel pipeline) in {outDir}");
return 0;

internal sealed class NoiseRow
{
    [VectorType(64)]
    [ColumnName("latent")]
    public float[] Latent { get; set; } = [];
}

internal sealed class ImageRow
{
    [ColumnName("image")]
    public float[] Image { get; set; } = [];
}
