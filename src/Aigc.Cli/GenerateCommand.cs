using Microsoft.ML;
using System.CommandLine;
using System.Globalization;
using Aigc.MLNet;
using Aigc.MLNet.Diffusion;
using Aigc.MLNet.Gan;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Onnx;
using Aigc.MLNet.Vae;
using Aigc.Torch;

namespace Aigc.Cli;

/// <summary><c>aigc generate model.aigc</c>: images (a grid plus single PNGs) or text (streamed).</summary>
internal static class GenerateCommand
{
    private static readonly Argument<string> ModelPath = new("model") { Description = "A model file written by aigc train or ctx.Model.SaveGenerative, or a folder written by aigc export" };
    private static readonly Option<int> Count = new("--count") { Description = "Images, or text completions, to generate", DefaultValueFactory = _ => 1 };
    private static readonly Option<string> Out = new("--out") { Description = "Folder for images (grid.png and image-NNN.png)", DefaultValueFactory = _ => "generated" };
    private static readonly Option<long[]> Labels = new("--label") { Description = "Class label(s) for a conditional model (repeated to --count)", AllowMultipleArgumentsPerToken = true };
    private static readonly Option<string> Sampler = new("--sampler") { Description = "diffusion: ddim or ddpm", DefaultValueFactory = _ => "ddim" };
    private static readonly Option<int?> SamplingSteps = new("--sampling-steps") { Description = "diffusion: DDIM steps" };
    private static readonly Option<double?> Eta = new("--eta") { Description = "diffusion: DDIM eta (0 deterministic)" };
    private static readonly Option<double?> Guidance = new("--guidance") { Description = "diffusion: classifier-free guidance scale" };
    private static readonly Option<string> Prompt = new("--prompt") { Description = "Text models: the prompt", DefaultValueFactory = _ => "" };
    private static readonly Option<int?> MaxTokens = new("--max-tokens") { Description = "Text: tokens to generate" };
    private static readonly Option<double?> Temperature = new("--temperature") { Description = "Text: sampling temperature (0 = greedy)" };
    private static readonly Option<int?> TopK = new("--top-k") { Description = "Text: keep the k most likely tokens" };
    private static readonly Option<double?> TopP = new("--top-p") { Description = "Text: nucleus sampling mass in (0, 1]" };
    private static readonly Option<double?> MinP = new("--min-p") { Description = "Text: drop tokens below this fraction of the best" };
    private static readonly Option<double?> RepetitionPenalty = new("--repetition-penalty") { Description = "Text: > 1 discourages repeats" };
    private static readonly Option<int?> NoRepeatNGram = new("--no-repeat-ngram") { Description = "Text: never repeat n-grams of this size" };
    private static readonly Option<int?> Beams = new("--beams") { Description = "Text: beam search with this many beams (greedy)" };
    private static readonly Option<double?> LengthPenalty = new("--length-penalty") { Description = "Text: beam length penalty" };
    private static readonly Option<double?> FrequencyPenalty = new("--frequency-penalty") { Description = "Text: subtract per earlier occurrence in the output" };
    private static readonly Option<double?> PresencePenalty = new("--presence-penalty") { Description = "Text: subtract once a token occurs in the output" };
    private static readonly Option<bool> EarlyStopping = new("--early-stopping") { Description = "Text: end beam search once enough beams are finished" };
    private static readonly Option<bool> IgnoreEndOfText = new("--ignore-eos") { Description = "Text: keep going past the end-of-text token" };
    private static readonly Option<bool> NoKvCache = new("--no-kv-cache") { Description = "Text: recompute every step (same text, slower; for comparison)" };
    private static readonly Option<string[]> Stop = new("--stop") { Description = "Text: stop sequence(s)" };
    private static readonly Option<bool> NoStream = new("--no-stream") { Description = "Text: print when done instead of streaming" };

    public static Command Create()
    {
        var command = new Command("generate", """
            Generate images or text from a saved model. Text options default to the settings saved with the model.
            Examples:
              aigc generate gan.aigc --count 64 --label 9 --out boots
              aigc generate diffusion.aigc --count 16 --sampling-steps 50 --guidance 3
              aigc generate fortunes.aigc --prompt "Q: " --max-tokens 200 --temperature 0.8 --top-k 40
              aigc generate vae-onnx --count 16     (a folder from aigc export, sampled on ONNX Runtime)
            """)
        {
            ModelPath, Count, Out, Labels, Sampler, SamplingSteps, Eta, Guidance, Prompt, MaxTokens, Temperature, TopK, TopP, MinP,
            RepetitionPenalty, NoRepeatNGram, Beams, LengthPenalty, FrequencyPenalty, PresencePenalty, EarlyStopping, IgnoreEndOfText, NoKvCache, Stop, NoStream, CommonOptions.Device, CommonOptions.Seed, CommonOptions.Threads, CommonOptions.Verbose,
        };
        command.SetAction(r => CommonOptions.Guard(r, () => Run(r)));
        return command;
    }

    private static int Run(ParseResult r)
    {
        int count = r.GetValue(Count), seed = r.GetValue(CommonOptions.Seed);
        if (count is < 1 or > 100_000) throw new CliException($"--count must be in [1, 100000], not {count}.");
        var path = r.GetValue(ModelPath)!;
        if (Directory.Exists(path)) return FromOnnx(r, path, count, seed);
        var ctx = CommonOptions.Context(r);
        var model = CommonOptions.LoadModel(ctx, path, "generate",
            typeof(GanTransformer), typeof(VaeTransformer), typeof(DiffusionTransformer), typeof(CausalLMTransformer));
        using var owned = (IDisposable)model;
        string family = ((ISavableModel)model).Family;
        RejectInapplicable(r, family);
        if (model is CausalLMTransformer lm) return Text(r, lm, count, seed);
        int? classes = model switch { GanTransformer { IsConditional: true } g => g.Options.NumClasses, DiffusionTransformer { IsConditional: true } dm => dm.Options.NumClasses, _ => null };
        var labels = LabelsFor(r, family, count, classes);
        var sampling = model is DiffusionTransformer d ? Sampling(r, d.Options.Sampling) : null;
        return WriteImages(r, count, seed, labels, model is VaeTransformer ? PixelRange.ZeroToOne : PixelRange.MinusOneToOne, (n, s, l) => model switch
        {
            GanTransformer gan => gan.Generate(n, s, l),
            DiffusionTransformer diffusion => diffusion.Generate(n, s, l, sampling),
            _ => ((VaeTransformer)model).Sample(n, s),
        });
    }

    // An exported folder runs on ONNX Runtime's CPU provider: the same seeds give the same images as the model file.
    private static int FromOnnx(ParseResult r, string directory, int count, int seed)
    {
        foreach (var option in new Option[] { CommonOptions.Device, CommonOptions.Threads })
            if (CommonOptions.Given(r, option))
                throw new CliException($"{option.Name} applies to model files; an exported folder runs on ONNX Runtime's CPU provider.");
        if (ExportedModel.Family(directory) == "causal-lm") return OnnxText(r, directory, count, seed);
        using var folder = OnnxFolder.Open(directory);
        RejectInapplicable(r, folder.Family);
        var labels = LabelsFor(r, folder.Family, count, folder.NumClasses);
        OnnxSamplingOptions? sampling = null;
        if (folder.DefaultSampling is { } defaults)
        {
            var s = Sampling(r, new SamplingOptions
            {
                Sampler = defaults.Sampler == OnnxSampler.Ddpm ? SamplerKind.Ddpm : SamplerKind.Ddim, Steps = defaults.Steps, Eta = defaults.Eta,
                GuidanceScale = defaults.GuidanceScale, ClipDenoised = defaults.ClipDenoised,
            });
            sampling = new OnnxSamplingOptions
            {
                Sampler = s.Sampler == SamplerKind.Ddpm ? OnnxSampler.Ddpm : OnnxSampler.Ddim, Steps = s.Steps, Eta = s.Eta, GuidanceScale = s.GuidanceScale, ClipDenoised = s.ClipDenoised,
            };
        }
        return WriteImages(r, count, seed, labels, folder.Family == "vae" ? PixelRange.ZeroToOne : PixelRange.MinusOneToOne,
            (n, s, l) => folder.Images(n, s, l, sampling));
    }

    private static void RejectInapplicable(ParseResult r, string family)
    {
        string[] text = ["causal-lm"], imageFamilies = ["gan", "vae", "diffusion"], diffusionOnly = ["diffusion"];
        CommonOptions.RejectInapplicable(r, family,
            (Out, imageFamilies), (Labels, ["gan", "diffusion"]), (Sampler, diffusionOnly), (SamplingSteps, diffusionOnly), (Eta, diffusionOnly), (Guidance, diffusionOnly),
            (Prompt, text), (MaxTokens, text), (Temperature, text), (TopK, text), (TopP, text), (MinP, text), (RepetitionPenalty, text),
            (NoRepeatNGram, text), (Beams, text), (LengthPenalty, text), (FrequencyPenalty, text), (PresencePenalty, text),
            (EarlyStopping, text), (IgnoreEndOfText, text), (NoKvCache, text), (Stop, text), (NoStream, text));
    }

    /// <summary>The --label values repeated to <paramref name="count"/>, checked against the model's classes; a
    /// conditional model without --label shows every class in turn.</summary>
    private static long[]? LabelsFor(ParseResult r, string family, int count, int? classes)
    {
        long[]? labels = r.GetValue(Labels) is { Length: > 0 } given ? Enumerable.Range(0, count).Select(i => given[i % given.Length]).ToArray() : null;
        if (labels is not null && classes is null)
            throw new CliException($"--label applies to class-conditional models; this {family} model is unconditional (train it with --conditional).");
        if (labels?.Where(l => l < 0 || l >= classes).Cast<long?>().FirstOrDefault() is { } bad)
            throw new CliException($"--label {bad} is not one of this model's classes, 0 to {classes - 1}.");
        if (classes is { } all) labels ??= CommonOptions.CycleLabels(count, all);
        return labels;
    }

    private static int WriteImages(ParseResult r, int count, int seed, long[]? labels, PixelRange range, Func<int, int, long[]?, Tensor> generate)
    {
        var folder = r.GetValue(Out)!;
        // Batches of GridLimit images: memory stays bounded for any --count, and the grid shows the first batch.
        for (int start = 0; start < count; start += GridLimit)
        {
            int n = Math.Min(GridLimit, count - start);
            using var images = generate(n, seed + start / GridLimit, labels?[start..(start + n)]);
            if (start == 0)
            {
                Directory.CreateDirectory(folder); // only once there are images: a failed generate leaves no folder behind
                ImageGrid.Save(Path.Combine(folder, "grid.png"), images, range: range);
            }
            for (int i = 0; i < n; i++)
                using (var one = images.Narrow(0, i, 1))
                    ImageGrid.Save(Path.Combine(folder, $"image-{start + i:D3}.png"), one, columns: 1, padding: 0, range: range);
        }
        Console.WriteLine(count <= GridLimit
            ? $"wrote grid.png and {count} image(s) to {folder}"
            : $"wrote {count} images and grid.png (the first {GridLimit} of them) to {folder}");
        return 0;
    }

    /// <summary>The most images one grid shows and one batch generates.</summary>
    internal const int GridLimit = 256;

    private static SamplingOptions Sampling(ParseResult r, SamplingOptions defaults)
    {
        var sampling = defaults with
        {
            Sampler = r.GetValue(Sampler) switch { "ddim" => SamplerKind.Ddim, "ddpm" => SamplerKind.Ddpm, var s => throw new CliException($"--sampler is ddim or ddpm, not '{s}'.") },
        };
        return sampling with
        {
            Steps = r.GetValue(SamplingSteps) ?? sampling.Steps, Eta = r.GetValue(Eta) ?? sampling.Eta, GuidanceScale = r.GetValue(Guidance) ?? sampling.GuidanceScale,
        };
    }

    /// <summary>The model's default generation settings overridden by the command line.</summary>
    internal static GenerationOptions TextOptions(ParseResult r, GenerationOptions defaults, int seed)
    {
        var g = defaults with { Seed = seed };
        if (r.GetValue(MaxTokens) is { } max) g = g with { MaxNewTokens = max };
        if (r.GetValue(Temperature) is { } t) g = g with { Temperature = t, DoSample = t > 0 };
        if (r.GetValue(TopK) is { } k) g = g with { TopK = k };
        if (r.GetValue(TopP) is { } p) g = g with { TopP = p };
        if (r.GetValue(MinP) is { } mp) g = g with { MinP = mp };
        if (r.GetValue(RepetitionPenalty) is { } rp) g = g with { RepetitionPenalty = rp };
        if (r.GetValue(NoRepeatNGram) is { } n) g = g with { NoRepeatNGramSize = n };
        if (r.GetValue(Beams) is { } b)
        {
            RejectSamplingWithBeams(r, b, Temperature, TopK, TopP, MinP);
            g = g with { NumBeams = b, DoSample = b > 1 ? false : g.DoSample };
        }
        if (r.GetValue(LengthPenalty) is { } lp) g = g with { LengthPenalty = lp };
        if (r.GetValue(FrequencyPenalty) is { } fp) g = g with { FrequencyPenalty = fp };
        if (r.GetValue(PresencePenalty) is { } pp) g = g with { PresencePenalty = pp };
        if (r.GetValue(EarlyStopping)) g = g with { EarlyStopping = true };
        if (r.GetValue(IgnoreEndOfText)) g = g with { StopAtEndOfText = false };
        if (r.GetValue(NoKvCache)) g = g with { UseKvCache = false };
        if (r.GetValue(Stop) is { Length: > 0 } stops) g = g with { StopSequences = stops };
        g.Validate();
        return g;
    }

    // A GPT's export generates on ONNX Runtime GenAI, with the settings GenAI's search has.
    private static int OnnxText(ParseResult r, string directory, int count, int seed)
    {
        RejectInapplicable(r, "causal-lm");
        foreach (var option in new Option[] { MinP, FrequencyPenalty, PresencePenalty, IgnoreEndOfText, NoKvCache, EarlyStopping })
            if (CommonOptions.Given(r, option))
                throw new CliException($"{option.Name} applies to model files: ONNX Runtime GenAI, which runs exported language models, has no such setting.");
        using var lm = OnnxLanguageModel.Load(directory);
        var o = lm.DefaultGeneration;
        if (r.GetValue(MaxTokens) is { } max) o = o with { MaxNewTokens = max };
        if (r.GetValue(Temperature) is { } t) o = t > 0 ? o with { Temperature = t, DoSample = true } : o with { DoSample = false };
        if (r.GetValue(TopK) is { } k) o = o with { TopK = k };
        if (r.GetValue(TopP) is { } p) o = o with { TopP = p };
        if (r.GetValue(RepetitionPenalty) is { } rp) o = o with { RepetitionPenalty = rp };
        if (r.GetValue(NoRepeatNGram) is { } n) o = o with { NoRepeatNGramSize = n };
        if (r.GetValue(Beams) is { } b)
        {
            RejectSamplingWithBeams(r, b, Temperature, TopK, TopP);
            o = o with { NumBeams = b, DoSample = b > 1 ? false : o.DoSample };
        }
        if (r.GetValue(LengthPenalty) is { } lp) o = o with { LengthPenalty = lp };
        if (r.GetValue(Stop) is { Length: > 0 } stops) o = o with { StopSequences = stops };
        o.Validate();
        string prompt = r.GetValue(Prompt)!;
        CheckPrompt(() => lm.Encode(prompt));
        WriteCompletions(r, prompt, count, i => OnnxPieces(lm, prompt, o with { Seed = seed + i }));
        return 0;
    }

    private static async IAsyncEnumerable<(string Text, string? Summary)> OnnxPieces(OnnxLanguageModel lm, string prompt, OnnxGenerationOptions o)
    {
        await foreach (var update in lm.GenerateStreamingAsync(prompt, o).ConfigureAwait(false))
        {
            string? summary = null;
            if (update.Result is { } result)
            {
                // The exported graph stops at its context, where the libtorch generator would slide on: say so.
                bool contextFull = result.FinishReason == OnnxFinishReason.Length && result.Tokens.Count < o.MaxNewTokens;
                summary = string.Create(CultureInfo.InvariantCulture,
                    $"[{result.Tokens.Count} tokens, finish: {result.FinishReason}{(contextFull ? $", the {lm.ContextLength}-token context is full" : "")}{(result.PromptTruncated ? ", prompt truncated to the context" : "")}]");
            }
            yield return (update.Text, summary);
        }
    }

    private static int Text(ParseResult r, CausalLMTransformer lm, int count, int seed)
    {
        var options = TextOptions(r, lm.Options.Generation, seed);
        string prompt = r.GetValue(Prompt)!;
        CheckPrompt(() => lm.Generator.EncodePrompt(prompt));
        WriteCompletions(r, prompt, count, i => Pieces(lm, prompt, options with { Seed = seed + i }));
        return 0;
    }

    private static async IAsyncEnumerable<(string Text, string? Summary)> Pieces(CausalLMTransformer lm, string prompt, GenerationOptions o)
    {
        await foreach (var update in lm.GenerateStreamingAsync(prompt, o).ConfigureAwait(false))
            yield return (update.Text, update.Result is { } result
                ? string.Create(CultureInfo.InvariantCulture, $"[{result.GeneratedTokens} tokens, finish: {result.FinishReason}{(result.PromptTruncated ? ", prompt truncated to the context" : "")}]")
                : null);
    }

    // Fails before anything is printed when the prompt cannot be encoded.
    private static void CheckPrompt(Action encode)
    {
        try
        {
            encode();
        }
        catch (ArgumentException e)
        {
            throw new CliException($"--prompt: {e.Message.Split(" (Parameter")[0]}");
        }
    }

    // Beam search keeps the most likely continuations; it never samples, so sampling flags would be ignored.
    private static void RejectSamplingWithBeams(ParseResult r, int beams, params Option[] sampling)
    {
        if (beams > 1 && sampling.Any(option => CommonOptions.Given(r, option)))
            throw new CliException($"--beams searches for the most likely text and does not sample: leave out {CommonOptions.List(sampling.Select(o => o.Name).ToList())}, or drop --beams.");
    }

    /// <summary>Writes <paramref name="count"/> completions: a numbered header when there are several
    /// (a completion may contain blank lines itself), the prompt, the text as it comes (all at once
    /// with --no-stream), and the completion's summary line on standard error.</summary>
    private static void WriteCompletions(ParseResult r, string prompt, int count, Func<int, IAsyncEnumerable<(string Text, string? Summary)>> completion)
    {
        bool stream = !r.GetValue(NoStream);
        for (int i = 0; i < count; i++)
        {
            if (count > 1) Console.WriteLine($"── completion {i + 1} of {count} ──");
            Console.Write(prompt);
            var text = new System.Text.StringBuilder();
            string? summary = null;
            var pieces = completion(i).GetAsyncEnumerator();
            try
            {
                while (pieces.MoveNextAsync().AsTask().GetAwaiter().GetResult())
                {
                    if (stream) Console.Write(pieces.Current.Text);
                    else text.Append(pieces.Current.Text);
                    summary = pieces.Current.Summary ?? summary;
                }
            }
            finally
            {
                pieces.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
            Console.Write(text.ToString());
            Console.WriteLine();
            Console.Error.WriteLine(summary);
        }
    }
}
