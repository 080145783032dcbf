// Writes a model directly on the engine: the PyTorch-examples VAE on Fashion-MNIST (Debian's dataset-fashion-mnist), trained with the
// Aigc.Torch engine, printing the loss as it falls, and writes sample grids:
//   <out>/vae-samples.png          64 images decoded from z ~ N(0, I)
//   <out>/vae-reconstructions.png  test images (odd rows) above their reconstructions (even rows)
// Usage: EngineVae [--epochs N] [--max-steps N] [--out DIR] [--data DIR] [--seed N]
using System.Diagnostics;
using Aigc.MLNet.Data;
using Aigc.MLNet.Imaging;
using Aigc.Torch;
using Aigc.Torch.Optim;
using EngineVae;

var options = Options.Parse(args);
if (options is null) return 2;

var trainPath = Path.Combine(options.DataDir, "train-images-idx3-ubyte.gz");
var testPath = Path.Combine(options.DataDir, "t10k-images-idx3-ubyte.gz");
if (!File.Exists(trainPath) || !File.Exists(testPath))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {options.DataDir}. Install it: apt-get install -y dataset-fashion-mnist (or run scripts/setup.sh).");
    return 1;
}

Engine.ManualSeed(options.Seed);
using var train = LoadImages(trainPath);
using var test = LoadImages(testPath);
Console.WriteLine($"libtorch {Engine.LibTorchVersion}, {Engine.NumThreads} intra-op threads; train {train.Size(0)} images, test {test.Size(0)}");

using var model = new Vae();
using var optimizer = new Adam(model.Parameters(), learningRate: 1e-3);
const int batchSize = 128;
long n = train.Size(0), step = 0;
var clock = Stopwatch.StartNew();

for (int epoch = 1; epoch <= options.Epochs && step < options.MaxSteps; epoch++)
{
    model.Train();
    double epochLoss = 0;
    long seen = 0;
    using (var epochScope = DisposeScope.Enter())
    {
        var order = Tensor.Rand([n]).Sort().Indices; // a fresh random permutation each epoch
        for (long start = 0; start < n && step < options.MaxSteps; start += batchSize, step++)
        {
            using var stepScope = DisposeScope.Enter();
            var x = train.IndexSelect(0, order.Narrow(0, start, Math.Min(batchSize, n - start)));
            var (recon, mu, logVar) = model.Forward(x);
            var loss = Vae.Loss(recon, x, mu, logVar);
            optimizer.ZeroGrad();
            loss.Backward();
            optimizer.Step();
            epochLoss += loss.Item();
            seen += x.Size(0);
            if (step % 100 == 0)
                Console.WriteLine($"epoch {epoch} step {step,5}  loss/image {loss.Item() / x.Size(0),8:F2}  ({clock.Elapsed.TotalSeconds:F1} s)");
        }
    }
    Console.WriteLine($"epoch {epoch} done: train loss/image {epochLoss / seen:F2}, test loss/image {TestLoss(model, test):F2}");
}

Directory.CreateDirectory(options.OutDir);
using (var scope = DisposeScope.Enter())
using (Engine.NoGrad())
{
    model.Eval();
    var samples = model.Decode(Tensor.Randn(64, Vae.LatentDim)).View(64, 1, 28, 28);
    ImageGrid.Save(Path.Combine(options.OutDir, "vae-samples.png"), samples);
    var originals = test.Narrow(0, 0, 32);
    var (recon, _, _) = model.Forward(originals);
    var rows = new List<Tensor>();
    for (int r = 0; r < 4; r++)
    {
        rows.Add(originals.Narrow(0, r * 8, 8));
        rows.Add(recon.Narrow(0, r * 8, 8));
    }
    ImageGrid.Save(Path.Combine(options.OutDir, "vae-reconstructions.png"), Tensor.Cat(rows).View(64, 1, 28, 28));
}
Console.WriteLine($"wrote {Path.Combine(options.OutDir, "vae-samples.png")} and vae-reconstructions.png after {step} steps in {clock.Elapsed.TotalSeconds:F1} s");
return 0;

static Tensor LoadImages(string path)
{
    var idx = IdxFile.Read(path);
    using var bytes = Tensor.FromArray(idx.Data, idx.Count, idx.ItemSize);
    using var floats = bytes.To(ScalarType.Float32);
    return (floats / 255.0).DetachFromDisposeScope(); // (N, 784) in [0, 1]
}

static double TestLoss(Vae model, Tensor test)
{
    model.Eval();
    using var scope = DisposeScope.Enter();
    using var noGrad = Engine.NoGrad();
    double total = 0;
    foreach (var x in test.Split(1000))
    {
        var (recon, mu, logVar) = model.Forward(x);
        total += Vae.Loss(recon, x, mu, logVar).Item();
    }
    return total / test.Size(0);
}

internal sealed record Options(int Epochs, long MaxSteps, string OutDir, string DataDir, ulong Seed)
{
    public static Options? Parse(string[] args)
    {
        var o = new Options(3, long.MaxValue, "out", "/usr/share/datasets/fashion-mnist", 1);
        for (int i = 0; i < args.Length; i++)
        {
            string? Next() => i + 1 < args.Length ? args[++i] : null;
            switch (args[i])
            {
                case "--epochs" when int.TryParse(Next(), out var e) && e > 0: o = o with { Epochs = e }; break;
                case "--max-steps" when long.TryParse(Next(), out var s) && s > 0: o = o with { MaxSteps = s }; break;
                case "--out" when Next() is { } d: o = o with { OutDir = d }; break;
                case "--data" when Next() is { } d: o = o with { DataDir = d }; break;
                case "--seed" when ulong.TryParse(Next(), out var s): o = o with { Seed = s }; break;
                default:
                    Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: EngineVae [--epochs N>0] [--max-steps N>0] [--out DIR] [--data DIR] [--seed N]");
                    return null;
            }
        }
        return o;
    }
}
