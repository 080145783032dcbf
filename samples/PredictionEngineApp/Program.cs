// A business app that loads a saved generative pipeline and calls it one request at a time through
// ML.NET's PredictionEngine (mlContext.Model.CreatePredictionEngine). Without --model it first trains
// a small one as the main job does (Fashion-MNIST -> ScaleImagePixels -> VAE) and saves it.
//   <out>/engine-pipeline.zip    the pipeline (when trained here)
//   <out>/engine-samples.png     8 test images (top row) and the engine's reconstructions (bottom row)
// Usage: PredictionEngineApp [--model PIPELINE.zip] [--max-steps N] [--out DIR] [--data DIR] [--seed N]
using Aigc.MLNet;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Vae;
using Aigc.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

string? modelPath = null;
long maxSteps = 500;
int seed = 1;
string outDir = "out", dataDir = "/usr/share/datasets/fashion-mnist";
for (int i = 0; i < args.Length; i++)
{
    string? Next() => i + 1 < args.Length ? args[++i] : null;
    switch (args[i])
    {
        case "--model" when Next() is { } m: modelPath = m; break;
        case "--max-steps" when long.TryParse(Next(), out var s) && s > 0: maxSteps = s; break;
        case "--out" when Next() is { } d: outDir = d; break;
        case "--data" when Next() is { } d: dataDir = d; break;
        case "--seed" when int.TryParse(Next(), out var s): seed = s; break;
        default:
            Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: PredictionEngineApp [--model PIPELINE.zip] [--max-steps N>0] [--out DIR] [--data DIR] [--seed N]");
            return 2;
    }
}
var testImages = Path.Combine(dataDir, "t10k-images-idx3-ubyte.gz");
if (!File.Exists(testImages))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {dataDir}. Install it: apt-get install -y dataset-fashion-mnist (or run scripts/setup.sh).");
    return 1;
}
Directory.CreateDirectory(outDir);
var ml = new MLContext(seed: seed);
var raw = ml.Data.LoadFromIdx(testImages);

if (modelPath is null)
{
    modelPath = Path.Combine(outDir, "engine-pipeline.zip");
    var pipeline = ml.Transforms.ScaleImagePixels("Image")
        .Append(ml.Generative().Trainers.Vae(VaeOptions.Small with { MaxSteps = maxSteps }));
    using var trained = pipeline.Fit(ml.Data.Cache(ml.Data.TakeRows(raw, 8000)));
    ml.Model.SaveGenerative(trained, raw.Schema, modelPath);
    Console.WriteLine($"trained and saved {modelPath}");
}
else if (!File.Exists(modelPath))
{
    Console.Error.WriteLine($"Model not found: {modelPath}");
    return 1;
}

// The app: load once, then one call per request.
var model = ml.Model.LoadGenerative(modelPath, out _);
using var engine = ml.Model.CreatePredictionEngine<ImageRequest, Reconstruction>(model);
var requests = ml.Data.CreateEnumerable<ImageRequest>(ml.Data.SkipRows(raw, 9000), reuseRowObject: false).Take(8).ToList();
var answers = requests.Select(engine.Predict).ToList();
foreach (var (answer, i) in answers.Select((a, i) => (a, i)))
    Console.WriteLine($"request {i}: latent mean norm {Math.Sqrt(answer.Mu.Sum(v => v * v)):F2}");
using (var scope = DisposeScope.Enter())
{
    var originals = Tensor.FromArray(requests.SelectMany(r => r.Image.Select(b => b / 255f)).ToArray(), 8, 1, 28, 28);
    var recon = Tensor.FromArray(answers.SelectMany(a => a.Image).ToArray(), 8, 1, 28, 28);
    ImageGrid.Save(Path.Combine(outDir, "engine-samples.png"), Tensor.Cat([originals, recon]), columns: 8);
}
(model as IDisposable)?.Dispose();
Console.WriteLine($"wrote engine-samples.png in {outDir}");
return 0;

/// <summary>One request: raw Fashion-MNIST bytes, as LoadFromIdx gives them.</summary>
internal sealed class ImageRequest
{
    [VectorType(1, 28, 28)]
    public byte[] Image { get; set; } = [];
}

/// <summary>The answer: the reconstruction and the latent mean.</summary>
internal sealed class Reconstruction
{
    [ColumnName("Reconstruction"), VectorType(1, 28, 28)]
    public float[] Image { get; set; } = [];

    [VectorType(20)]
    public float[] Mu { get; set; } = [];
}
