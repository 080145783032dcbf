// Trains a DCGAN on Fashion-MNIST (Debian's dataset-fashion-mnist) through the Aigc.MLNet pipeline,
// writing a grid from fixed noise every 200 steps so you can watch it learn, then saves, reloads and
// samples the generator:
//   <out>/gan-grids/samples-step-N.png   progress grids
//   <out>/gan.aigc                       the model file (generator)
//   <out>/gan-samples.png                64 new images (conditional: one row per class, 8 classes)
// Usage: FashionMnistGan [--epochs N] [--max-steps N] [--out DIR] [--data DIR] [--seed N] [--conditional]
using Aigc.MLNet;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.MLNet.Transforms;
using Aigc.Torch;
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
            Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: FashionMnistGan [--epochs N>0] [--max-steps N>0] [--out DIR] [--data DIR] [--seed N] [--conditional]");
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
var options = GanOptions.Small with
{
    Epochs = epochs,
    MaxSteps = maxSteps,
    LabelColumn = conditional ? "Label" : null,
    SampleGridEveryNSteps = 200,
    SampleGridFolder = Path.Combine(outDir, "gan-grids"),
};
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
GanTransformer trained;
try
{
    trained = ctx.Generative().Trainers.Gan(options).Fit(train, null, new ConsoleProgress(), cancel.Token);
}
catch (TrainingCancelledException stopped)
{
    Console.WriteLine(stopped.Message);
    return 130;
}

var path = Path.Combine(outDir, "gan.aigc");
using (trained) ctx.Model.SaveGenerative(trained, path);
using var gan = (GanTransformer)ctx.Model.LoadGenerative(path);
using (var scope = DisposeScope.Enter())
{
    long[]? classes = conditional ? Enumerable.Range(0, 64).Select(i => (long)(i / 8)).ToArray() : null;
    ImageGrid.Save(Path.Combine(outDir, "gan-samples.png"), gan.Generate(64, seed: seed, labels: classes), range: PixelRange.MinusOneToOne);
}
Console.WriteLine($"wrote {path} and gan-samples.png in {outDir} after {gan.Training.Steps} steps");
return 0;

internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        if (p.Step % 100 != 0 && p.ValidationMetrics is null && p.Step != p.TotalSteps) return;
        Console.WriteLine($"epoch {p.Epoch} step {p.Step,5}/{p.TotalSteps}  D loss {p.Losses["d_loss"]:F3}  G loss {p.Losses["g_loss"]:F3}  " +
                          $"D(x) {p.Losses["d_real"]:F2}  D(G(z)) {p.Losses["d_fake"]:F2}  {p.SamplesPerSecond:F0} img/s  eta {p.Eta:mm\\:ss}");
    }
}
