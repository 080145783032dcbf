// Trains a denoising diffusion model on Fashion-MNIST (Debian's dataset-fashion-mnist) through the
// Aigc.MLNet pipeline, writing a DDIM sample grid from the averaged weights every 500 steps, then
// saves, reloads and samples:
//   <out>/diffusion-grids/samples-step-N.png   progress grids
//   <out>/diffusion.aigc                       the model file (averaged U-Net weights)
//   <out>/diffusion-samples.png                64 new images, DDIM 50 steps (conditional: one row per class,
//                                              classifier-free guidance 3)
// Usage: FashionMnistDiffusion [--epochs N] [--max-steps N] [--out DIR] [--data DIR] [--seed N] [--conditional]
using Aigc.MLNet;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.MLNet.Transforms;
using Microsoft.ML;

int epochs = 2, seed = 1;
long? maxSteps = null;
string outDir = "out", dataDir = "/usr/share/datasets/fashion-mnist";
bool conditional = false;
for (int i = 0; i < args.Length; i++)
{
    string? Next() => i + 1 < args.Length ? args[++i] : null;
    switch (args[i])
    {
        case "--epochs" when int.TryParse(Next(), out var e) && e > 0: epochs = e; break;
        case "--max-steps" when long.TryParse(Next(), out var s) && s > 0: maxSteps = s; break;
        case "--out" when Next() is { } d: outDir = d; break;
        case "--data" when Next() is { } d: dataDir = d; break;
        case "--seed" when int.TryParse(Next(), out var s): seed = s; break;
        case "--conditional": conditional = true; break;
        default:
            Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: FashionMnistDiffusion [--epochs N>0] [--max-steps N>0] [--out DIR] [--data DIR] [--seed N] [--conditional]");
            return 2;
    }
}
var images = Path.Combine(dataDir, "train-images-idx3-ubyte.gz");
var labels = Path.Combine(dataDir, "train-labels-idx1-ubyte.gz");
if (!File.Exists(images) || !File.Exists(labels))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {dataDir}. Install it: apt-get install -y dataset-fashion-mnist (or run scripts/setup.sh).");
    return 1;
}

Directory.CreateDirectory(outDir);
var ctx = new MLContext(seed: seed);
var raw = ctx.Data.LoadFromIdx(images, labels);
var train = ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne).Fit(raw).Transform(raw));
var options = DiffusionOptions.Small with
{
    Epochs = epochs,
    MaxSteps = maxSteps,
    LabelColumn = conditional ? "Label" : null,
    SampleGridEveryNSteps = 500,
    SampleGridFolder = Path.Combine(outDir, "diffusion-grids"),
    Sampling = new SamplingOptions { Steps = 50, GuidanceScale = conditional ? 3.0 : 1.0 },
};
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
DiffusionTransformer trained;
try
{
    trained = ctx.Generative().Trainers.Diffusion(options).Fit(train, null, new ConsoleProgress(), cancel.Token);
}
catch (TrainingCancelledException stopped)
{
    Console.WriteLine(stopped.Message);
    return 130;
}

var path = Path.Combine(outDir, "diffusion.aigc");
using (trained) ctx.Model.SaveGenerative(trained, path);
using var model = (DiffusionTransformer)ctx.Model.LoadGenerative(path);
long[]? classes = conditional ? Enumerable.Range(0, 64).Select(i => (long)(i / 8)).ToArray() : null;
using (var samples = model.Generate(64, seed, classes))
    ImageGrid.Save(Path.Combine(outDir, "diffusion-samples.png"), samples, range: PixelRange.MinusOneToOne);
Console.WriteLine($"wrote {path} and diffusion-samples.png in {outDir} after {model.Training.Steps} steps");
return 0;

internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        if (p.Step % 100 != 0 && p.Step != p.TotalSteps) return;
        Console.WriteLine($"epoch {p.Epoch} step {p.Step,5}/{p.TotalSteps}  loss {p.Losses["loss"]:F4}  {p.SamplesPerSecond:F0} img/s  eta {p.Eta:mm\\:ss}");
    }
}
