// C# side of the language-model benchmark (issue #5), run by run_lm_bench.py next to lm_bench.py.
//   train    : the char-level baby GPT on every Debian fortune (every 10th document held out), through
//              ctx.Generative().Trainers.CausalLM; prints validation loss on every window and ms/step,
//              saves the model and a generated sample.
//   generate : greedy decoding speed of a baby-width GPT (context 32 + N) with and without the KV cache.
//              The best of --rounds runs counts (the first ones include JIT warm-up).
//   overhead : issue #14's question, where the trainer's time goes: the same baby GPT, data and
//              optimiser step run --steps steps through CausalLMTrainer (--side trainer) or through a
//              bare loop written against Aigc.Torch (--side bare: windows cut from the token stream by
//              hand); ms/step over the steps after the first 20 (JIT and allocator warm-up).
// Prints one JSON line. Usage: LanguageModelBench train [--steps N] [--model PATH] | generate [--new-tokens N] [--rounds N]
//   | overhead --side trainer|bare [--steps N]
using System.Diagnostics;
using System.Text.Json;
using Aigc.MLNet;
using Aigc.MLNet.Data;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Training;
using Aigc.Torch;
using Microsoft.ML;

string Arg(string name, string fallback) => Array.IndexOf(args, name) is var i and >= 0 ? args[i + 1] : fallback;

switch (args[0])
{
    case "train": Train(); break;
    case "generate": Generate(); break;
    case "overhead": Overhead(); break;
    default: throw new ArgumentException($"unknown mode {args[0]}");
}

void Train()
{
    int steps = int.Parse(Arg("--steps", "2000"));
    var docs = Directory.GetFiles("/usr/share/games/fortunes")
        .Where(f => !f.EndsWith(".dat") && !f.EndsWith(".u8") && !File.GetAttributes(f).HasFlag(FileAttributes.ReparsePoint))
        .Order(StringComparer.Ordinal).SelectMany(f => File.ReadAllText(f).Split("\n%\n")).Where(d => d.Length > 0).ToArray();
    var ctx = new MLContext(seed: 1337);
    ctx.Generative(new GenerativeOptions { Device = Device.Cpu, ProcessTuning = Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "0" });
    IDataView View(IEnumerable<string> d) => ctx.Data.LoadFromEnumerable(d.Select(t => new TextRow { Text = t }).ToArray());
    var train = View(docs.Where((_, i) => i % 10 != 9));
    var validation = View(docs.Where((_, i) => i % 10 == 9));
    var options = new CausalLMOptions
    {
        Gpt = GptOptions.Baby, TrainingContextLength = 64, BatchSize = 12, MaxSteps = steps, LearningRate = 1e-3, WarmupSteps = Math.Min(100, steps / 10),
        MinLearningRateFactor = 0.1, WeightDecay = 0.1, Beta2 = 0.99, GradientClip = 1.0, ValidateEveryNSteps = 0,
        MaxValidationWindows = null, ReportEveryNSteps = steps,
    };
    TrainingProgress? trained = null;
    var progress = new SyncProgress(p => { if (p.ValidationMetrics is null && p.Step == steps) trained = p; });
    using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(train, validation, progress);
    var ppl = lm.EvaluatePerplexity(validation);
    ctx.Model.SaveGenerative(lm, Arg("--model", "baby-gpt.aigc"));
    var sample = lm.Generate("Q: ", new GenerationOptions { MaxNewTokens = 300, Temperature = 0.8, TopK = 40, Seed = 7 }).Text;
    Console.WriteLine(JsonSerializer.Serialize(new
    {
        val_loss = ppl.Loss, perplexity = ppl.Perplexity, ms_per_step = trained!.Elapsed.TotalMilliseconds / steps, steps,
        vocab = lm.Model.VocabularySize, parameters = lm.Model.ParameterCount(), sample,
    }));
}

string[] Fortunes() => Directory.GetFiles("/usr/share/games/fortunes")
    .Where(f => !f.EndsWith(".dat") && !f.EndsWith(".u8") && !File.GetAttributes(f).HasFlag(FileAttributes.ReparsePoint))
    .Order(StringComparer.Ordinal).SelectMany(f => File.ReadAllText(f).Split("\n%\n")).Where(d => d.Length > 0).ToArray();

void Overhead()
{
    const int warmup = 20, batch = 12, window = 65;
    int steps = int.Parse(Arg("--steps", "300"));
    string side = Arg("--side", "trainer");
    var docs = Fortunes().Where((_, i) => i % 10 != 9).ToArray();
    var ctx = new MLContext(seed: 1337);
    ctx.Generative(new GenerativeOptions { Device = Device.Cpu, ProcessTuning = Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "0" });
    var options = new CausalLMOptions
    {
        Gpt = GptOptions.Baby, TrainingContextLength = window - 1, BatchSize = batch, MaxSteps = steps, WarmupSteps = 10, ValidateEveryNSteps = 0,
        ReportEveryNSteps = 1, Seed = 1,
    };
    double ms;
    object? breakdown = null;
    if (side == "trainer")
    {
        TimeSpan at = TimeSpan.Zero, end = TimeSpan.Zero;
        var progress = new SyncProgress(p => { if (p.Step == warmup) at = p.Elapsed; if (p.Step == steps) end = p.Elapsed; });
        using var lm = ctx.Generative().Trainers.CausalLM(options).Fit(ctx.Data.LoadFromEnumerable(docs.Select(t => new TextRow { Text = t })), null, progress);
        ms = (end - at).TotalMilliseconds / (steps - warmup);
    }
    else
    {
        // The trainer's step, written out: same tokenizer, stream, model, AdamW groups, schedule, clipping.
        var tokenizer = Aigc.MLNet.Text.CharTokenizer.FromCorpus(docs.Append("\n\n"));
        var stream = string.Join("\n\n", docs).EnumerateRunes().Select(r => (long)tokenizer.EncodeToIds(r.ToString())[0]).ToArray();
        Engine.ManualSeed(1);
        using var model = new GptModel(GptOptions.Baby, tokenizer.VocabularySize);
        var parameters = model.Parameters().ToList();
        using var optimizer = new Aigc.Torch.Optim.AdamW(
            [new Aigc.Torch.Optim.ParamGroup(parameters.Where(p => p.Dim >= 2), weightDecay: options.WeightDecay),
             new Aigc.Torch.Optim.ParamGroup(parameters.Where(p => p.Dim < 2), weightDecay: 0)],
            options.LearningRate, options.Beta1, options.Beta2);
        var schedule = new Aigc.Torch.Optim.WarmupCosineSchedule(optimizer, options.WarmupSteps, steps, options.MinLearningRateFactor);
        var order = new Random(1);
        var rows = new long[batch * window];
        var clock = Stopwatch.StartNew();
        TimeSpan at = TimeSpan.Zero;
        // Where a step's time goes (CPU ops run synchronously, so each phase's wall time is its cost).
        var phases = new double[4];
        var phase = new Stopwatch();
        void Lap(int i)
        {
            phases[i] += phase.Elapsed.TotalMilliseconds;
            phase.Restart();
        }
        model.Train();
        for (int step = 1; step <= steps; step++)
        {
            if (step == warmup + 1) Array.Clear(phases);
            using var scope = DisposeScope.Enter();
            phase.Restart();
            for (int b = 0; b < batch; b++)
                Array.Copy(stream, order.NextInt64(stream.Length - window), rows, b * window, window);
            var windows = Tensor.FromArray(rows, batch, window);
            var logits = model.Forward(windows.Narrow(1, 0, window - 1));
            var loss = F.CrossEntropy(logits.Reshape(-1, logits.Size(2)), windows.Narrow(1, 1, window - 1).Reshape(-1));
            Lap(0);
            optimizer.ZeroGrad();
            loss.Backward();
            Lap(1);
            Aigc.Torch.Optim.GradClip.ClipGradNorm(model.Parameters(), options.GradientClip);
            Lap(2);
            optimizer.Step();
            schedule.Step();
            _ = loss.Item();
            Lap(3);
            if (step == warmup) at = clock.Elapsed;
        }
        ms = (clock.Elapsed - at).TotalMilliseconds / (steps - warmup);
        int counted = steps - warmup;
        breakdown = new { forward_ms = phases[0] / counted, backward_ms = phases[1] / counted, clip_ms = phases[2] / counted, optimizer_ms = phases[3] / counted };
    }
    Console.WriteLine(JsonSerializer.Serialize(new { side, steps, ms_per_step = ms, breakdown }));
}

void Generate()
{
    int newTokens = int.Parse(Arg("--new-tokens", "256")), rounds = int.Parse(Arg("--rounds", "5"));
    if (Environment.GetEnvironmentVariable("AIGC_PROCESS_TUNING") != "0") ProcessTuning.Apply();
    Engine.ManualSeed(0);
    using var model = new GptModel(GptOptions.Baby with { ContextLength = 32 + newTokens }, 100);
    model.Eval();
    // 100 printable characters from U+00A1 on: one token each.
    var tokenizer = Aigc.MLNet.Text.CharTokenizer.FromCorpus([string.Concat(Enumerable.Range(0xA1, 100).Select(c => (char)c))]);
    var generator = new TextGenerator(model, tokenizer, Device.Cpu);
    var prompt = tokenizer.Decode(Enumerable.Range(0, 32).Select(i => (long)i).ToArray());
    double Best(bool cache)
    {
        var options = new GenerationOptions { DoSample = false, MaxNewTokens = newTokens, UseKvCache = cache };
        double best = double.MaxValue;
        for (int r = 0; r < rounds; r++)
        {
            var clock = Stopwatch.StartNew();
            var result = generator.Generate(prompt, options);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
            if (result.GeneratedTokens != newTokens) throw new InvalidOperationException($"generated {result.GeneratedTokens} tokens");
        }
        return newTokens / best;
    }
    double cached = Best(true), uncached = Best(false);
    Console.WriteLine(JsonSerializer.Serialize(new { tokens_per_second = cached, tokens_per_second_without_cache = uncached, new_tokens = newTokens }));
}

sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => report(value);
}

internal sealed class TextRow
{
    public string Text { get; set; } = "";
}
