// Generated images meet an ML.NET model: ML.NET's SDCA classifier learns Fashion-MNIST from real
// pixels; our class-conditional GAN learns to draw each class; then every generated image, with
// the class it was asked for as its label, goes through the ML.NET classifier, and ML.NET's own
// evaluator says how often the classifier recognises the class the GAN was asked to draw.
//   <out>/generated-samples.png   one row per class (8 classes shown)
//   <out>/generated-scores.txt    the classifier on real test images and on generated ones, per class
// Usage: GeneratedImagesScored [--epochs N] [--max-steps N] [--count N] [--out DIR] [--data DIR] [--seed N]
using System.Globalization;
using Aigc.MLNet;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Transforms;
using Aigc.Torch;
using Microsoft.ML;
using Microsoft.ML.Data;

int epochs = 3, count = 2000, seed = 1;
long? maxSteps = null;
string outDir = "out", dataDir = "/usr/share/datasets/fashion-mnist";
for (int i = 0; i < args.Length; i++)
{
    string? Next() => i + 1 < args.Length ? args[++i] : null;
    switch (args[i])
    {
        case "--epochs" when int.TryParse(Next(), out var e) && e > 0: epochs = e; break;
        case "--max-steps" when long.TryParse(Next(), out var s) && s > 0: maxSteps = s; break;
        case "--count" when int.TryParse(Next(), out var c) && c >= 10: count = c; break;
        case "--out" when Next() is { } d: outDir = d; break;
        case "--data" when Next() is { } d: dataDir = d; break;
        case "--seed" when int.TryParse(Next(), out var s): seed = s; break;
        default:
            Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: GeneratedImagesScored [--epochs N>0] [--max-steps N>0] [--count N>=10] [--out DIR] [--data DIR] [--seed N]");
            return 2;
    }
}
string File(string name) => Path.Combine(dataDir, name);
if (!System.IO.File.Exists(File("train-images-idx3-ubyte.gz")) || !System.IO.File.Exists(File("t10k-images-idx3-ubyte.gz")))
{
    Console.Error.WriteLine($"Fashion-MNIST not found in {dataDir}. Install it: apt-get install -y dataset-fashion-mnist (or run scripts/setup.sh).");
    return 1;
}
Directory.CreateDirectory(outDir);

var ml = new MLContext(seed: seed);
var generative = ml.Generative(new GenerativeOptions { ProcessTuning = true });
// Both models see pixels in [-1, 1], the GAN's output range.
var rawTrain = ml.Data.LoadFromIdx(File("train-images-idx3-ubyte.gz"), File("train-labels-idx1-ubyte.gz"));
var scaler = ml.Transforms.ScaleImagePixels("Image", scale: PixelScale.MinusOneToOne).Fit(rawTrain);
var train = ml.Data.Cache(scaler.Transform(rawTrain));
var test = scaler.Transform(ml.Data.LoadFromIdx(File("t10k-images-idx3-ubyte.gz"), File("t10k-labels-idx1-ubyte.gz")));

// 1. An ML.NET classifier on real pixels.
var classifier = ml.Transforms.CopyColumns("Features", "Image")
    .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy("Label", "Features", maximumNumberOfIterations: 10))
    .Fit(ml.Data.TakeRows(train, 10_000));
var onReal = ml.MulticlassClassification.Evaluate(classifier.Transform(test));
Console.WriteLine($"ML.NET classifier on real test images: accuracy {onReal.MicroAccuracy:F3}");

// 2. Our class-conditional GAN.
using var gan = generative.Trainers.Gan(GanOptions.Small with { LabelColumn = "Label", Epochs = epochs, MaxSteps = maxSteps }).Fit(train);

// 3. Generated images, labelled with the class each was asked for, scored by the ML.NET classifier.
// LoadFromEnumerable stores a [KeyType] property v as key v + 1, so the property holds the 0-based class;
// CreateEnumerable (below) hands back the 1-based key itself.
var requests = ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(i => new Request { Seed = 1_000_000 + i, Label = (uint)(i % 10) }).ToArray());
var fromGan = gan.Transform(requests);
var generated = ml.Transforms.CopyColumns("Image", GanTransformer.OutputColumn).Fit(fromGan).Transform(fromGan);
var scored = classifier.Transform(generated);
var onGenerated = ml.MulticlassClassification.Evaluate(scored);
var perClass = ml.Data.CreateEnumerable<Scored>(scored, reuseRowObject: false)
    .GroupBy(r => r.Label).OrderBy(g => g.Key).Select(g => (Class: g.Key - 1, Agreement: g.Average(r => r.PredictedLabel == r.Label ? 1.0 : 0.0))).ToList();
Console.WriteLine($"the same classifier on {count} generated images: it recognises the requested class in {onGenerated.MicroAccuracy:P1} of them");

var report = new List<string>
{
    string.Create(CultureInfo.InvariantCulture, $"ML.NET SdcaMaximumEntropy on 784 pixels, trained on 10,000 real images; GAN: {gan.Training.Steps} steps"),
    string.Create(CultureInfo.InvariantCulture, $"accuracy on the 10,000 real test images: {onReal.MicroAccuracy:F4}"),
    string.Create(CultureInfo.InvariantCulture, $"generated images whose requested class the classifier predicts: {onGenerated.MicroAccuracy:F4} of {count}"),
};
report.AddRange(perClass.Select(p => string.Create(CultureInfo.InvariantCulture, $"  class {p.Class}: {p.Agreement:F3}")));
System.IO.File.WriteAllLines(Path.Combine(outDir, "generated-scores.txt"), report);
using (var grid = gan.Generate(64, seed: seed, labels: Enumerable.Range(0, 64).Select(i => (long)(i / 8)).ToArray()))
    ImageGrid.Save(Path.Combine(outDir, "generated-samples.png"), grid, range: PixelRange.MinusOneToOne);
Console.WriteLine($"wrote generated-samples.png and generated-scores.txt in {outDir}");
return 0;

internal sealed class Request
{
    public int Seed { get; set; }

    [KeyType(10)]
    public uint Label { get; set; }
}

internal sealed class Scored
{
    [KeyType(10)]
    public uint Label { get; set; }

    [KeyType(10)]
    public uint PredictedLabel { get; set; }
}
