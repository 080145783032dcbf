using System.Runtime.CompilerServices;
using System.Text.Json;
using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Text;
using Microsoft.ML.OnnxRuntimeGenAI;
using Files = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// A language model exported by Aigc.MLNet: a GPT generates on ONNX Runtime GenAI (its search, with
/// the KV cache), an LSTM on ONNX Runtime with its state fed back each step (greedy or top-k/top-p
/// sampling here). The prompt is encoded with the model's own tokenizer (from the files beside the
/// graph), and the text is decoded as it arrives (whole characters only; stop sequences found across
/// tokens), as the libtorch generator does. Greedy decoding gives the libtorch generator's text.
/// Calls may run concurrently, each with its own GenAI generator.
/// </summary>
public sealed class OnnxLanguageModel : IDisposable
{
    private readonly Model? _model;
    private readonly ITokenIds _tokenizer;
    private readonly int _endOfText;
    private readonly LstmDecoder? _lstm;

    private OnnxLanguageModel(Model? model, LstmDecoder? lstm, ITokenIds tokenizer, int? contextLength, int endOfText, OnnxGenerationOptions defaults) =>
        (_model, _lstm, _tokenizer, ContextLength, _endOfText, DefaultGeneration) = (model, lstm, tokenizer, contextLength, endOfText, defaults);

    /// <summary>Opens a folder written by <c>ExportToOnnx</c> for a language model: a GPT (model.onnx,
    /// genai_config.json, the tokenizer files) generates on ONNX Runtime GenAI, an LSTM (model.onnx and
    /// the tokenizer files) on ONNX Runtime with this class's own decoding loop.</summary>
    /// <exception cref="FileNotFoundException">A file of the export is missing.</exception>
    /// <exception cref="InvalidDataException">A file is damaged (not JSON, missing settings, a graph the runtime cannot load).</exception>
    public static OnnxLanguageModel Load(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var manifestPath = Path.Combine(directory, Files.Manifest);
        var (lstm, defaults) = ReadManifest(manifestPath);
        var tokenizer = ExportedTokenizer.Load(directory);
        if (lstm)
        {
            var decoder = LstmDecoder.Open(Path.Combine(directory, Files.File));
            return new OnnxLanguageModel(null, decoder, tokenizer, null, (int)(tokenizer.EndOfTextId ?? -1), defaults);
        }
        var configPath = Path.Combine(directory, Files.GenAIConfig);
        if (!File.Exists(configPath)) throw new FileNotFoundException($"No language-model export in '{directory}': {Files.GenAIConfig} is missing.", configPath);
        int context, eos;
        try
        {
            using var config = JsonDocument.Parse(File.ReadAllText(configPath));
            var model = Get(config.RootElement, "model", configPath);
            (context, eos) = (Get(model, "context_length", configPath).GetInt32(), Get(model, "eos_token_id", configPath).GetInt32());
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            throw new InvalidDataException($"'{configPath}' is not a valid GenAI configuration: {e.Message}", e);
        }
        if (context < 1) throw new InvalidDataException($"'{configPath}' has context_length {context}.");
        Model genai;
        try
        {
            genai = new Model(directory);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            throw new InvalidDataException($"ONNX Runtime GenAI cannot open '{directory}': {e.Message}", e);
        }
        return new OnnxLanguageModel(genai, null, tokenizer, context, eos, defaults);
    }

    // aigc-lm.json: the architecture and the model's generation defaults.
    private static (bool Lstm, OnnxGenerationOptions Defaults) ReadManifest(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing: the folder is not a complete language-model export.", path);
        try
        {
            using var manifest = JsonDocument.Parse(File.ReadAllText(path));
            var root = manifest.RootElement;
            var defaults = new OnnxGenerationOptions
            {
                MaxNewTokens = Get(root, "maxNewTokens", path).GetInt32(),
                DoSample = Get(root, "doSample", path).GetBoolean(),
                Temperature = Get(root, "temperature", path).GetDouble(),
                TopK = Get(root, "topK", path).GetInt32(),
                TopP = Get(root, "topP", path).GetDouble(),
                RepetitionPenalty = Get(root, "repetitionPenalty", path).GetDouble(),
                NoRepeatNGramSize = Get(root, "noRepeatNGramSize", path).GetInt32(),
                NumBeams = Get(root, "numBeams", path).GetInt32(),
                LengthPenalty = Get(root, "lengthPenalty", path).GetDouble(),
                StopSequences = Get(root, "stopSequences", path).EnumerateArray().Select(e => e.GetString() ?? "").ToArray(),
            };
            defaults.Validate();
            return (Get(root, "architecture", path).GetString() == "lstm", defaults);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentOutOfRangeException)
        {
            throw new InvalidDataException($"'{path}' is not a valid language-model manifest: {e.Message}", e);
        }
    }

    private static JsonElement Get(JsonElement parent, string name, string path) =>
        parent.ValueKind == JsonValueKind.Object && parent.TryGetProperty(name, out var value) ? value
            : throw new InvalidDataException($"'{path}' lacks \"{name}\".");

    /// <summary>The most tokens (prompt and generated) one call sees; null for an LSTM, which has no limit.</summary>
    public int? ContextLength { get; }

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
        int context = ContextLength ?? int.MaxValue;
        bool truncated = ids.Length > context - 1;
        if (truncated) ids = ids[^(context - 1)..];   // keep room for one new token
        int budget = (int)Math.Min(options.MaxNewTokens, (long)context - ids.Length);
        if (_lstm is not null)
        {
            foreach (var step in _lstm.Run(ids, budget, truncated, options, _tokenizer, cancellationToken)) yield return step;
            yield break;
        }

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

    /// <summary>Releases the GenAI model or the ONNX Runtime session.</summary>
    public void Dispose()
    {
        _model?.Dispose();
        _lstm?.Dispose();
    }
}
