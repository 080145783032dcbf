// The README's main job: train a VAE on Fashion-MNIST (Debian's dataset-fashion-mnist) through the
// Aigc.MLNet pipeline, save it as a model file, load it back as an app would, and write samples:
//   <out>/vae.aigc                 the model file
//   <out>/vae-samples.png          64 images decoded from z ~ N(0, I)
//   <out>/vae-reconstructions.png  test images (odd rows) above their reconstructions (even rows)
// Ctrl+C stops within one step and leaves <out>/vae.ckpt; run again with --resume to continue.
// Usage: FashionMnistVae [--epochs N] [--max-steps N] [--out DIR] [--data DIR] [--seed N] [--conv] [--resume]
using Aigc.MLNet;
using Aigc.MLNet.Evaluation;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.MLNet.Vae;
using Aigc.Torch;
using Microsoft.ML;

var o = Options.Parse(args);
if (o is null) return 2;
var trainImages = Path.Combine(o.DataDir, "train-images-idx3-ubyte.gz");
var testImages = Path.Combine(o.DataDir, "t10k-images-idx3-ubyte.gz");
if (!File.Exists(trainImages) || !File.Exists(testImages))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {o.DataDir}. Install it: apt-get install -y dataset-fashion-mnist (or run scripts/setup.sh).");
    return 1;
}
Directory.CreateDirectory(o.OutDir);

var ctx = new MLContext(seed: o.Seed);
Console.WriteLine($"device: {ctx.Generative().Device} ({ctx.Generative().DeviceReason}) libtorch {Engine.LibTorchVersion}, {Engine.NumThreads} threads");

// Data: IDX files -> pixels scaled to [0, 1], cached in memory so epochs can be fully shuffled.
var scale = ctx.Transforms.ScaleImagePixels("Image").Fit(ctx.Data.LoadFromIdx(testImages));
var train = ctx.Data.Cache(scale.Transform(ctx.Data.LoadFromIdx(trainImages)));
var test = ctx.Data.Cache(scale.Transform(ctx.Data.LoadFromIdx(testImages)));

var options = VaeOptions.Small with
{
    Epochs = o.Epochs,
    MaxSteps = o.MaxSteps,
    Architecture = o.Conv ? VaeArchitecture.Conv : VaeArchitecture.Mlp,
    CheckpointPath = Path.Combine(o.OutDir, "vae.ckpt"),
    ResumeFromCheckpoint = o.Resume,
};
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
var progress = new ConsoleProgress();
VaeTransformer trained;
try
{
    trained = ctx.Generative().Trainers.Vae(options).Fit(train, test, progress, cancel.Token);
}
catch (OperationCanceledException)
{
    Console.WriteLine($"stopped; checkpoint kept at {options.CheckpointPath} (run again with --resume)");
    return 130;
}

var modelPath = Path.Combine(o.OutDir, "vae.aigc");
using (trained) ctx.Model.SaveGenerative(trained, modelPath);

// What an app does: load the file and generate.
using var vae = (VaeTransformer)ctx.Model.LoadGenerative(modelPath);
using (var scope = DisposeScope.Enter())
{
    ImageGrid.Save(Path.Combine(o.OutDir, "vae-samples.png"), vae.Sample(64, seed: o.Seed));
    var originals = Tensor.FromArray(ctx.Data.CreateEnumerable<Row>(ctx.Data.TakeRows(test, 32), reuseRowObject: false).SelectMany(r => r.Image).ToArray(), 32, 1, 28, 28);
    var recon = vae.Reconstruct(originals);
    var rows = Enumerable.Range(0, 4).SelectMany(r => new[] { originals.Narrow(0, r * 8, 8), recon.Narrow(0, r * 8, 8) }).ToList();
    ImageGrid.Save(Path.Combine(o.OutDir, "vae-reconstructions.png"), Tensor.Cat(rows));
}
var metrics = ctx.Generative().Evaluators.EvaluateReconstruction(vae.Transform(test), "Image", "Reconstruction");
Console.WriteLine($"test set: reconstruction MSE {metrics.MeanSquaredError:F4}, PSNR {metrics.PeakSignalToNoiseRatio:F2} dB over {metrics.Count} images");
Console.WriteLine($"wrote {modelPath}, vae-samples.png and vae-reconstructions.png in {o.OutDir} ({vae.Training.Steps} steps)");
return 0;

internal sealed class Row
{
    [Microsoft.ML.Data.VectorType(1, 28, 28)]
    public float[] Image { get; set; } = [];
}

internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p) => Console.WriteLine(p.ValidationMetrics is null
        ? $"epoch {p.Epoch} step {p.Step,5}/{p.TotalSteps}  loss/image {p.Losses["loss"],7:F2}  {p.SamplesPerSecond,6:F0} img/s  eta {p.Eta:mm\\:ss}"
        : $"epoch {p.Epoch} done: train loss/image {p.Losses["loss"]:F2}, test loss/image {p.ValidationMetrics["loss"]:F2} ({p.Elapsed.TotalSeconds:F1} s)");
}

internal sealed record Options(int Epochs, long? MaxSteps, string OutDir, string DataDir, int Seed, bool Conv, bool Resume)
{
    public static Options? Parse(string[] args)
    {
        var o = new Options(10, null, "out", "/usr/share/datasets/fashion-mnist", 1, false, false);
        for (int i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--epochs" when int.TryParse(Next(), out var e) && e > 0: o = o with { Epochs = e }; break;
                case "--max-steps" when long.TryParse(Next(), out var s) && s > 0: o = o with { MaxSteps = s }; break;
                case "--out" when Next() is { } d: o = o with { OutDir = d }; break;
                case "--data" when Next() is { } d: o = o with { DataDir = d }; break;
                case "--seed" when int.TryParse(Next(), out var s): o = o with { Seed = s }; break;
                case "--conv": o = o with { Conv = true }; break;
                case "--resume": o = o with { Resume = true }; break;
                default:
                    Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: FashionMnistVae [--epochs N>0] [--max-steps N>0] [--out DIR] [--data DIR] [--seed N] [--conv] [--resume]");
                    return null;
            }
        }
        return o;
    }
}
