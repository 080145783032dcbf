// Trains nanoGPT's character-level "baby" GPT on every Debian fortune (package fortunes-min /
// fortunes), holding out one in ten for validation, then saves, reloads and generates:
//   <out>/fortunes-gpt.aigc        the model file (weights, options, character vocabulary)
//   <out>/fortunes-samples.txt     three sampled fortunes
// The first sample is also streamed to the console as it is generated. Ctrl+C stops training cleanly.
// Usage: FortunesGpt [--max-steps N] [--lstm] [--out DIR] [--data DIR] [--seed N] [--prompt TEXT]
using Aigc.MLNet;
using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Training;
using Microsoft.ML;

long maxSteps = 2000;
int seed = 1;
bool lstm = false;
string outDir = "out", dataDir = "/usr/share/games/fortunes", prompt = "Q: ";
for (int i = 0; i < args.Length; i++)
{
    string? Next() => i + 1 < args.Length ? args[++i] : null;
    switch (args[i])
    {
        case "--max-steps" when long.TryParse(Next(), out var s) && s > 1: maxSteps = s; break;
        case "--out" when Next() is { } d: outDir = d; break;
        case "--data" when Next() is { } d: dataDir = d; break;
        case "--seed" when int.TryParse(Next(), out var s): seed = s; break;
        case "--prompt" when Next() is { } p: prompt = p; break;
        case "--lstm": lstm = true; break;
        default:
            Console.Error.WriteLine($"Unknown or invalid option '{args[i]}'. Usage: FortunesGpt [--max-steps N>1] [--lstm] [--out DIR] [--data DIR] [--seed N] [--prompt TEXT]");
            return 2;
    }
}
if (!Directory.Exists(dataDir))
{
    Console.Error.WriteLine($"The fortunes corpus was not found in {dataDir}. Install it: apt-get install -y fortunes (or run scripts/setup.sh).");
    return 1;
}

Directory.CreateDirectory(outDir);
var ctx = new MLContext(seed: seed);
var corpus = ctx.Data.LoadTextCorpus(dataDir, new TextCorpusOptions { Split = TextSplit.Separator, Exclude = ["*.dat", "*.u8"] });
var split = ctx.Data.TrainTestSplit(corpus, testFraction: 0.1, seed: seed);
var (train, validation) = (split.TrainSet, split.TestSet);
var options = new CausalLMOptions
{
    Architecture = lstm ? LanguageModelArchitecture.Lstm : LanguageModelArchitecture.Gpt,
    MaxSteps = maxSteps,
    WarmupSteps = Math.Min(100, maxSteps / 10),
    ValidateEveryNSteps = Math.Max(1, maxSteps / 4),
    Generation = new GenerationOptions { MaxNewTokens = 300, Temperature = 0.8, TopK = 40, StopSequences = ["\n\n"] },
};
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; cancel.Cancel(); };
CausalLMTransformer trained;
try
{
    trained = ctx.Generative().Trainers.CausalLM(options).Fit(train, validation, new ConsoleProgress(), cancel.Token);
}
catch (TrainingCancelledException stopped)
{
    Console.WriteLine(stopped.Message);
    return 130;
}

var path = Path.Combine(outDir, "fortunes-gpt.aigc");
using (trained) ctx.Model.SaveGenerative(trained, path);
using var lm = (CausalLMTransformer)ctx.Model.LoadGenerative(path);
Console.WriteLine($"saved {path}; validation perplexity {lm.EvaluatePerplexity(validation).Perplexity:F2}");
Console.Write(prompt);
await foreach (var piece in lm.GenerateTextStreamAsync(prompt, lm.Options.Generation with { Seed = seed }))
    Console.Write(piece);
Console.WriteLine();
var samples = lm.Generate([prompt, prompt, prompt], lm.Options.Generation with { Seed = seed });
File.WriteAllText(Path.Combine(outDir, "fortunes-samples.txt"), string.Join("\n%\n", samples.Select(s => prompt + s.Text)) + "\n");
Console.WriteLine($"wrote fortunes-samples.txt in {outDir}");
return 0;

internal sealed class ConsoleProgress : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress p)
    {
        string val = p.ValidationMetrics is { } v ? $"  validation loss {v["loss"]:F3} (perplexity {v["perplexity"]:F2})" : "";
        Console.WriteLine($"step {p.Step,5}/{p.TotalSteps}  loss {p.Losses["loss"]:F3}  lr {p.Losses["lr"]:E2}  {p.SamplesPerSecond:F0} windows/s  eta {p.Eta:mm\\:ss}{val}");
    }
}
