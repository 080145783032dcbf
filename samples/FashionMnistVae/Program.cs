// The README's main job: an ML.NET pipeline on Fashion-MNIST (Debian's dataset-fashion-mnist):
// mlContext.Data.LoadFromIdx -> mlContext.Transforms.ScaleImagePixels -> our VAE estimator. The fitted
// pipeline is saved as one ML.NET model zip, loaded back as an app would, and used:
//   <out>/vae-pipeline.zip         the whole pipeline (ML.NET's zip with the VAE inside)
//   <out>/vae.aigc                 the VAE alone, as a model file
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

var ml = new MLContext(seed: o.Seed);
// This program owns its process, so it takes the measured thread and allocator tuning.
var generative = ml.Generative(new GenerativeOptions { ProcessTuning = true });
Console.WriteLine($"device: {generative.Device} ({generative.DeviceReason}) libtorch {Engine.LibTorchVersion}, {Engine.NumThreads} threads");

// The pipeline's first stage scales Byte pixels to [0, 1]; its output is cached in memory so the
// trainer's epochs can be fully shuffled.
var rawTrain = ml.Data.LoadFromIdx(trainImages);
var rawTest = ml.Data.LoadFromIdx(testImages);
var scale = ml.Transforms.ScaleImagePixels("Image").Fit(rawTrain);
var train = ml.Data.Cache(scale.Transform(rawTrain));
var test = ml.Data.Cache(scale.Transform(rawTest));

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
VaeTransformer trained;
try
{
    // The Fit overload with validation data, progress and cancellation; pipeline.Fit(data) works too.
    trained = generative.Trainers.Vae(options).Fit(train, test, new ConsoleProgress(), cancel.Token);
}
catch (TrainingCancelledException stopped)
{
    // Names the step the checkpoint holds, and the checkpoint only when one was written.
    Console.WriteLine(stopped.Message + (stopped.CheckpointPath is null ? "" : " Run again with --resume to continue."));
    return 130;
}

var pipelinePath = Path.Combine(o.OutDir, "vae-pipeline.zip");
var modelPath = Path.Combine(o.OutDir, "vae.aigc");
using (var pipeline = scale.Append(trained))
{
    ml.Model.SaveGenerative(pipeline, rawTrain.Schema, pipelinePath);
    ml.Model.SaveGenerative(trained, modelPath);
}

// What an app does: load the pipeline, run raw images through it, and generate.
var loaded = ml.Model.LoadGenerative(pipelinePath, out var inputSchema, generative);
var vae = ((IEnumerable<ITransformer>)loaded).OfType<VaeTransformer>().Single();
var reconstructed = loaded.Transform(rawTest);
using (var scope = DisposeScope.Enter())
{
    ImageGrid.Save(Path.Combine(o.OutDir, "vae-samples.png"), vae.Sample(64, seed: o.Seed));
    var rows = ml.Data.CreateEnumerable<Row>(ml.Data.TakeRows(reconstructed, 32), reuseRowObject: false).ToList();
    var originals = Tensor.FromArray(rows.SelectMany(r => r.Image).ToArray(), 32, 1, 28, 28);
    var recon = Tensor.FromArray(rows.SelectMany(r => r.Reconstruction).ToArray(), 32, 1, 28, 28);
    var grid = Enumerable.Range(0, 4).SelectMany(r => new[] { originals.Narrow(0, r * 8, 8), recon.Narrow(0, r * 8, 8) }).ToList();
    ImageGrid.Save(Path.Combine(o.OutDir, "vae-reconstructions.png"), Tensor.Cat(grid));
}
var metrics = generative.Evaluators.EvaluateReconstruction(reconstructed, "Image", "Reconstruction");
Console.WriteLine($"test set: reconstruction MSE {metrics.MeanSquaredError:F4}, PSNR {metrics.PeakSignalToNoiseRatio:F2} dB over {metrics.Count} images");
Console.WriteLine($"wrote {pipelinePath}, {modelPath}, vae-samples.png and vae-reconstructions.png in {o.OutDir} ({vae.Training.Steps} steps)");
(loaded as IDisposable)?.Dispose();
return 0;

internal sealed class Row
{
    [Microsoft.ML.Data.VectorType(1, 28, 28)]
    public float[] Image { get; set; } = [];

    [Microsoft.ML.Data.VectorType(1, 28, 28)]
    public float[] Reconstruction { get; set; } = [];
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
