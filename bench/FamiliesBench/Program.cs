// C# side of bench/run_families_bench.py (PyTorch side: bench/families_bench.py). JSON lines out.
//   FamiliesBench vae --epochs N                      MLP VAE 784-400-20, batch 128, Adam 1e-3: test loss/image, s/epoch
//   FamiliesBench gan --epochs N --samples FILE [--seed N]  DCGAN (GanOptions.Small), ms/step; writes generated samples
//   FamiliesBench diffusion --steps N --batch B --count N --samples FILE
//                                                     U-Net (DiffusionOptions.Small), ms/step; DDIM-50 ms/image; writes samples
//   FamiliesBench classifier --out FILE               trains the feature classifier once
//   FamiliesBench fid --classifier F --samples A B..  Frechet classifier distance and coverage of each sample file
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Aigc.MLNet;
using Aigc.MLNet.Classification;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Evaluation;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Training;
using Aigc.MLNet.Transforms;
using Aigc.MLNet.Vae;
using Aigc.Torch;
using Aigc.Torch.Serialization;
using Microsoft.ML;

const string Dir = "/usr/share/datasets/fashion-mnist";
string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
void Emit(object o) => Console.WriteLine(JsonSerializer.Serialize(o));

var ctx = new MLContext(seed: 0);
ctx.Generative(new GenerativeOptions { Device = Device.Cpu, ProcessTuning = Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "0" });
IDataView Load(string split, PixelScale scale)
{
    var raw = ctx.Data.LoadFromIdx($"{Dir}/{split}-images-idx3-ubyte.gz", $"{Dir}/{split}-labels-idx1-ubyte.gz");
    var cached = ctx.Data.Cache(ctx.Transforms.ScaleImagePixels("Image", scale: scale).Fit(raw).Transform(raw));
    // ML.NET fills a cache on its first pass; fill it now, so no side's clock includes loading (PyTorch loads its tensors first).
    using (var cursor = cached.GetRowCursor(cached.Schema))
        while (cursor.MoveNext()) { }
    return cached;
}

switch (args[0])
{
    case "vae":
    {
        int epochs = int.Parse(Arg("--epochs", "10"), CultureInfo.InvariantCulture);
        var (train, test) = (Load("train", PixelScale.ZeroToOne), Load("t10k", PixelScale.ZeroToOne)); // loaded before the clock, as on the PyTorch side
        var times = new List<double>();
        var clock = Stopwatch.StartNew();
        var progress = new Progress(p => { if (p.ValidationMetrics is not null) { times.Add(clock.Elapsed.TotalSeconds); clock.Restart(); } });
        using var vae = ctx.Generative().Trainers.Vae(VaeOptions.Small with { Epochs = epochs, ReportEveryNSteps = 1000 }).Fit(train, test, progress);
        Emit(new { side = "csharp", kind = "vae", epochs, test_loss = progress.LastMetrics!["loss"], seconds_per_epoch = times.Average() });
        break;
    }
    case "gan":
    {
        int epochs = int.Parse(Arg("--epochs", "1"), CultureInfo.InvariantCulture);
        var data = Load("train", PixelScale.MinusOneToOne);
        var clock = Stopwatch.StartNew();
        int seed = int.Parse(Arg("--seed", "0"), CultureInfo.InvariantCulture);
        using var gan = ctx.Generative().Trainers.Gan(GanOptions.Small with { Epochs = epochs, ReportEveryNSteps = 1000, Seed = seed }).Fit(data);
        double ms = clock.Elapsed.TotalMilliseconds / gan.Training.Steps;
        using var scope = DisposeScope.Enter();
        SafeTensors.Save(Arg("--samples", "cs-samples.safetensors"), new Dictionary<string, Tensor> { ["images"] = gan.Generate(2000, seed: 1) });
        Emit(new { side = "csharp", kind = "gan", epochs, steps = gan.Training.Steps, ms_per_step = ms });
        break;
    }
    case "diffusion":
    {
        int steps = int.Parse(Arg("--steps", "1000"), CultureInfo.InvariantCulture), batch = int.Parse(Arg("--batch", "64"), CultureInfo.InvariantCulture);
        int count = int.Parse(Arg("--count", "1000"), CultureInfo.InvariantCulture);
        var data = Load("train", PixelScale.MinusOneToOne);
        TrainingProgress? last = null;
        var options = DiffusionOptions.Small with { BatchSize = batch, Epochs = 1000, MaxSteps = steps, ReportEveryNSteps = steps };
        using var model = ctx.Generative().Trainers.Diffusion(options).Fit(data, null, new Progress(p => last = p));
        var clock = Stopwatch.StartNew();
        var chunks = new List<Tensor>();
        for (int start = 0; start < count; start += 250)
            chunks.Add(model.Generate(Math.Min(250, count - start), seed: 1 + start, options: new SamplingOptions { Steps = 50 }));
        double perImage = clock.Elapsed.TotalMilliseconds / count;
        using var scope = DisposeScope.Enter();
        SafeTensors.Save(Arg("--samples", "cs-diffusion.safetensors"), new Dictionary<string, Tensor> { ["images"] = Tensor.Cat(chunks) });
        foreach (var c in chunks) c.Dispose();
        Emit(new { side = "csharp", steps, ms_per_step = last!.Elapsed.TotalMilliseconds / steps, sample_ms_per_image = perImage, final_loss = last.Losses["loss"] });
        break;
    }
    case "classifier":
    {
        using var classifier = ctx.Generative().Trainers.ImageClassifier().Fit(Load("train", PixelScale.ZeroToOne), Load("t10k", PixelScale.ZeroToOne),
            new Progress(_ => { }));
        ctx.Model.SaveGenerative(classifier, Arg("--out", "classifier.aigc"));
        break;
    }
    case "fid":
    {
        using var classifier = (ImageClassifierTransformer)ctx.Model.LoadGenerative(Arg("--classifier", "classifier.aigc"));
        using var scope = DisposeScope.Enter();
        var real = GenerationEvaluator.ReadImages(Load("t10k", PixelScale.ZeroToOne), "Image").Narrow(0, 0, 2000);
        int start = Array.IndexOf(args, "--samples") + 1;
        foreach (var file in args[start..])
        {
            using var samples = SafeTensors.Load(file);
            var m = ctx.Generative().Evaluators.EvaluateGeneration(real, samples.Tensors["images"], classifier, generatedRange: PixelRange.MinusOneToOne);
            Emit(new { kind = "fid", file, fcd = m.FrechetClassifierDistance, coverage = m.ClassCoverage });
        }
        break;
    }
}

internal sealed class Progress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
{
    public IReadOnlyDictionary<string, double>? LastMetrics { get; private set; }

    public void Report(TrainingProgress value)
    {
        if (value.ValidationMetrics is not null) LastMetrics = value.ValidationMetrics;
        onReport(value);
    }
}
