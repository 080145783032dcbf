// Soak runs for docs/reliability.md: 10,000 training steps of a language model through the public
// trainer, then 10,000 text generations and 10,000 image generations on one loaded model each,
// printing live tensor handles and resident memory every 1,000 steps or calls. Flat curves mean
// nothing leaks. Usage: SoakBench [--steps N] [--calls N]
using System.Diagnostics;
using System.Globalization;
using Aigc.MLNet;
using Aigc.MLNet.Data;
using Aigc.MLNet.Gan;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Microsoft.ML;

string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;
int steps = int.Parse(Arg("--steps", "10000"), CultureInfo.InvariantCulture), calls = int.Parse(Arg("--calls", "10000"), CultureInfo.InvariantCulture);
var work = Directory.CreateTempSubdirectory("aigc-soak-").FullName;
var clock = Stopwatch.StartNew();
void Row(string phase, long n) =>
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{phase,-16} {n,6}  live tensors {Tensor.LiveCount,5}  RSS {Rss(),7:F1} MiB  {clock.Elapsed.TotalSeconds,6:F1} s"));

var ctx = new MLContext(seed: 1);
ctx.Generative(new GenerativeOptions { Device = Device.Cpu, ProcessTuning = Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "0" });
var docs = File.ReadAllText("/usr/share/games/fortunes/computers").Split("\n%\n").Where(d => d.Length > 0).ToArray();
var text = ctx.Data.LoadFromEnumerable(docs.Select(d => new TextRow { Text = d }).ToArray());
var options = CausalLMOptions.Nano with { MaxSteps = steps, ReportEveryNSteps = 1000, WarmupSteps = 10, ValidateEveryNSteps = 0 };
Row("train lm", 0);
using (var lm = ctx.Generative().Trainers.CausalLM(options).Fit(text, null, new ProgressSink(p => { if (p.Step % 1000 == 0) Row("train lm", p.Step); })))
    ctx.Model.SaveGenerative(lm, Path.Combine(work, "lm.aigc"));
GC.Collect();
using (var loaded = (CausalLMTransformer)ctx.Model.LoadGenerative(Path.Combine(work, "lm.aigc")))
{
    var g = new GenerationOptions { MaxNewTokens = 8, Temperature = 0.9 };
    for (int i = 1; i <= calls; i++)
    {
        loaded.Generate("The ", g with { Seed = i });
        if (i % 1000 == 0) Row("generate text", i);
    }
}
var rand = new Random(1);
var images = ctx.Data.LoadFromEnumerable(Enumerable.Range(0, 64)
    .Select(_ => new ImageRow { Image = Enumerable.Range(0, 784).Select(_ => (float)rand.NextDouble() * 2 - 1).ToArray() }).ToArray());
using (var gan = ctx.Generative().Trainers.Gan(GanOptions.Nano with { MaxSteps = 2 }).Fit(images))
    ctx.Model.SaveGenerative(gan, Path.Combine(work, "gan.aigc"));
using (var loaded = (GanTransformer)ctx.Model.LoadGenerative(Path.Combine(work, "gan.aigc")))
    for (int i = 1; i <= calls; i++)
    {
        using (loaded.Generate(4, seed: i)) { }
        if (i % 1000 == 0) Row("generate images", i);
    }
Directory.Delete(work, true);

static double Rss()
{
    foreach (var line in File.ReadLines("/proc/self/status"))
        if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    return double.NaN;
}

sealed class ProgressSink(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => onReport(value);
}

internal sealed class TextRow
{
    public string Text { get; set; } = "";
}

internal sealed class ImageRow
{
    [Microsoft.ML.Data.VectorType(1, 28, 28)]
    public float[] Image { get; set; } = [];
}
