using System.Runtime.CompilerServices;
using System.Text.Json;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Text;
using Microsoft.ML.OnnxRuntimeGenAI;
using Files = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// A GPT exported by Aigc.MLNet, generating on ONNX Runtime GenAI: the prompt is encoded with the
/// model's own tokenizer (from the files beside the graph), GenAI runs the search with the KV
/// cache, and the text is decoded as it arrives (whole characters only; stop sequences found across
/// tokens), as the libtorch generator does. Greedy decoding gives the libtorch generator's text.
/// Calls may run concurrently, each with its own GenAI generator.
/// </summary>
public sealed class OnnxLanguageModel : IDisposable
{
    private readonly Model _model;
    private readonly ITokenIds _tokenizer;
    private readonly int _endOfText;

    private OnnxLanguageModel(Model model, ITokenIds tokenizer, int contextLength, int endOfText, OnnxGenerationOptions defaults) =>
        (_model, _tokenizer, ContextLength, _endOfText, DefaultGeneration) = (model, tokenizer, contextLength, endOfText, defaults);

    /// <summary>Opens a folder written by <c>ExportToOnnx</c> for a GPT (model.onnx, genai_config.json,
    /// the tokenizer files).</summary>
    /// <exception cref="FileNotFoundException">A file of the export is missing.</exception>
    /// <exception cref="InvalidDataException">A file is damaged (not JSON, missing settings, a graph GenAI cannot load).</exception>
    /// <exception cref="NotSupportedException">The folder holds an LSTM export (GenAI runs GPTs only).</exception>
    public static OnnxLanguageModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var configPath = Path.Combine(directory, Files.GenAIConfig);
        if (!File.Exists(configPath) && IsLstm(Path.Combine(directory, Files.Manifest)))
            throw new NotSupportedException($"'{directory}' holds an LSTM export: ONNX Runtime GenAI has no LSTM, and this package has no LSTM generator yet; run its model.onnx with ONNX Runtime.");
        if (!File.Exists(configPath)) throw new FileNotFoundException($"No language-model export in '{directory}': {Files.GenAIConfig} is missing.", configPath);
        int context, eos;
        OnnxGenerationOptions defaults;
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllText(configPath));
            var model = Get(config.RootElement, "model", configPath);
            (context, eos) = (Get(model, "context_length", configPath).GetInt32(), Get(model, "eos_token_id", configPath).GetInt32());
            var search = Get(config.RootElement, "search", configPath);
            defaults = new OnnxGenerationOptions
            {
                DoSample = Get(search, "do_sample", configPath).GetBoolean(),
                Temperature = Get(search, "temperature", configPath).GetDouble(),
                TopK = Get(search, "top_k", configPath).GetInt32(),
                TopP = Get(search, "top_p", configPath).GetDouble(),
                RepetitionPenalty = Get(search, "repetition_penalty", configPath).GetDouble(),
                NoRepeatNGramSize = Get(search, "no_repeat_ngram_size", configPath).GetInt32(),
                NumBeams = Get(search, "num_beams", configPath).GetInt32(),
                LengthPenalty = Get(search, "length_penalty", configPath).GetDouble(),
            };
            defaults = WithManifest(defaults, Path.Combine(directory, Files.Manifest));
            defaults.Validate();
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"'{configPath}' is not a valid GenAI configuration: {e.Message}", e);
        }
        if (context < 1) throw new InvalidDataException($"'{configPath}' has context_length {context}.");
        var tokenizer = ExportedTokenizer.Load(directory);
        Model genai;
        try
        {
            genai = new Model(directory);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            throw new InvalidDataException($"ONNX Runtime GenAI cannot open '{directory}': {e.Message}", e);
        }
        return new OnnxLanguageModel(genai, tokenizer, context, eos, defaults);
    }

    private static bool IsLstm(string manifest)
    {
        if (!File.Exists(manifest)) return false;
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(manifest));
            return doc.RootElement.TryGetProperty("architecture", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() == "lstm";
        }
        catch (JsonException)
        {
            return false;   // reported with its path when the manifest is read
        }
    }

    // The generation defaults GenAI's configuration has no place for.
    private static OnnxGenerationOptions WithManifest(OnnxGenerationOptions defaults, string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing: the folder is not a complete language-model export.", path);
        using var manifest = JsonDocument.Parse(File.ReadAllText(path));
        var root = manifest.RootElement;
        if (root.TryGetProperty("maxNewTokens", out var max)) defaults = defaults with { MaxNewTokens = max.GetInt32() };
        if (root.TryGetProperty("stopSequences", out var stops)) defaults = defaults with { StopSequences = stops.EnumerateArray().Select(s => s.GetString() ?? "").ToArray() };
        return defaults;
    }

    private static JsonElement Get(JsonElement parent, string name, string path) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value
            : throw new InvalidDataException($"'{path}' lacks \"{name}\".");

    /// <summary>The most tokens (prompt and generated) one call sees.</summary>
    public int ContextLength { get; }

    /// <summary>The generation settings exported with the model (used when none are given).</summary>
    public OnnxGenerationOptions DefaultGeneration { get; }

    /// <summary>The token ids of <paramref name="text"/> in the model's vocabulary.</summary>
    /// <exception cref="ArgumentException">The text holds something the tokenizer cannot encode.</exception>
    public IReadOnlyList<long> Encode(string text) => _tokenizer.EncodePrompt(text);

    /// <summary>Completes <paramref name="prompt"/>.</summary>
    /// <exception cref="ArgumentException">The prompt is empty without an end-of-text token, or cannot be encoded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between tokens.</exception>
    public OnnxGenerationResult Generate(string prompt, OnnxGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        OnnxGenerationResult? result = null;
        foreach (var (_, final) in Run(prompt, options, cancellationToken)) result = final ?? result;
        return result!;
    }

    /// <summary>Completes <paramref name="prompt"/>, yielding text as it is decoded (whole characters,
    /// never the start of a possible stop sequence); the last update carries the result. The pieces
    /// join to <see cref="Generate"/>'s text.</summary>
    public async IAsyncEnumerable<OnnxGenerationUpdate> GenerateStreamingAsync(string prompt, OnnxGenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var steps = Run(prompt, options, cancellationToken).GetEnumerator();
        // GenAI's steps are synchronous: each runs on the thread pool so the caller's thread stays free.
        while (await Task.Run(steps.MoveNext, cancellationToken).ConfigureAwait(false))
            if (steps.Current.Piece.Length > 0 || steps.Current.Final is not null)
                yield return new OnnxGenerationUpdate(steps.Current.Piece, steps.Current.Final);
    }

    /// <summary>The text of <see cref="GenerateStreamingAsync"/> alone.</summary>
    public async IAsyncEnumerable<string> GenerateTextStreamAsync(string prompt, OnnxGenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in GenerateStreamingAsync(prompt, options, cancellationToken).ConfigureAwait(false))
            if (update.Text.Length > 0) yield return update.Text;
    }

    internal IEnumerable<(string Piece, OnnxGenerationResult? Final)> Run(string prompt, OnnxGenerationOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= DefaultGeneration;
        options.Validate();
        long[] ids = _tokenizer.EncodePrompt(prompt);
        if (ids.Length == 0)
            ids = _tokenizer.EndOfTextId is { } start ? [start]
                : throw new ArgumentException("The prompt is empty, and this model's tokenizer has no end-of-text token to start from; give at least one character.", nameof(prompt));
        bool truncated = ids.Length > ContextLength - 1;
        if (truncated) ids = ids[^(ContextLength - 1)..];   // keep room for one new token
        int budget = Math.Min(options.MaxNewTokens, ContextLength - ids.Length);

        using var search = new GeneratorParams(_model);
        search.SetSearchOption("max_length", ids.Length + budget);
        search.SetSearchOption("min_length", 0);
        search.SetSearchOption("do_sample", options.DoSample);
        search.SetSearchOption("temperature", options.Temperature);
        search.SetSearchOption("top_k", options.TopK == 0 ? _tokenizer.VocabularySize : options.TopK);
        search.SetSearchOption("top_p", options.TopP);
        search.SetSearchOption("repetition_penalty", options.RepetitionPenalty);
        search.SetSearchOption("no_repeat_ngram_size", options.NoRepeatNGramSize);
        search.SetSearchOption("num_beams", options.NumBeams);
        search.SetSearchOption("length_penalty", options.LengthPenalty);
        if (options.Seed is { } seed) search.SetSearchOption("random_seed", seed);
        using var generator = new Generator(_model, search);
        generator.AppendTokens(ids.Select(id => (int)id).ToArray());

        var text = new TextAccumulator(_tokenizer, options.StopSequences);
        var generated = new List<long>();
        var reason = OnnxFinishReason.Length;
        bool streams = options.NumBeams == 1;   // beams only settle at the end
        while (!generator.IsDone())
        {
            cancellationToken.ThrowIfCancellationRequested();
            generator.GenerateNextToken();
            if (!streams) continue;
            int next = generator.GetNextTokens()[0];
            if (next == _endOfText && _tokenizer.EndOfTextId is not null) { reason = OnnxFinishReason.EndOfText; break; }
            generated.Add(next);
            if (text.Add(next)) { reason = OnnxFinishReason.StopSequence; break; }
            yield return (text.TakeReady(), null);
        }
        if (!streams)
        {
            var sequence = generator.GetSequence(0).ToArray()[ids.Length..];
            foreach (var id in sequence)
            {
                if (id == _endOfText && _tokenizer.EndOfTextId is not null) { reason = OnnxFinishReason.EndOfText; break; }
                generated.Add(id);
                if (text.Add(id)) { reason = OnnxFinishReason.StopSequence; break; }
            }
        }
        text.Flush();
        yield return (text.TakeReady(final: true), new OnnxGenerationResult(text.Text, generated, ids.Length, reason, truncated));
    }

    /// <summary>An <see cref="Microsoft.Extensions.AI.IChatClient"/> over this model (messages become a
    /// "User: …/Assistant:" prompt, as the libtorch model's chat client writes it).</summary>
    public Microsoft.Extensions.AI.IChatClient AsChatClient(string modelId = "aigc-onnx-causal-lm") => new OnnxChatClient(this, modelId);

    /// <summary>Releases the GenAI model.</summary>
    public void Dispose() => _model.Dispose();
}
