using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.ModelFiles;
using Aigc.MLNet.Text;
using Aigc.MLNet.Training;

using Aigc.Torch;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Trains a causal language model on a text column (<c>mlContext.Generative().Trainers.CausalLM(...)</c>):
/// builds or takes a tokenizer, tokenises the documents into one stream, and trains a GPT or LSTM on
/// random windows of it through the shared training loop. The result maps a prompt column to a
/// completion column and generates text directly.
/// </summary>
public sealed class CausalLMTrainer : IEstimator<CausalLMTransformer>
{
    private readonly GenerativeCatalog _context;
    private readonly int _seed;

    /// <summary>Creates the trainer; the options are validated now.</summary>
    public CausalLMTrainer(GenerativeCatalog context, CausalLMOptions options)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        Options = options ?? throw new ArgumentNullException(nameof(options));
        options.Validate();
        _seed = options.Seed ?? context.NextSeed();
    }

    /// <summary>The options.</summary>
    public CausalLMOptions Options { get; }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        ColumnRequirement.Text(Options.TextColumn).Check(inputSchema);
        return SchemaShapes.Append(inputSchema, CausalLMTransformer.Outputs(Options));
    }

    /// <inheritdoc />
    public CausalLMTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation.</summary>
    /// <param name="train">Documents in <see cref="CausalLMOptions.TextColumn"/>.</param>
    /// <param name="validation">Optional held-out documents: loss and perplexity every
    /// <see cref="TrainingOptions.ValidateEveryNSteps"/> steps and at the end.</param>
    /// <param name="progress">Receives "loss", "lr" and "grad_norm" per report.</param>
    /// <param name="cancellationToken">Stops within one step.</param>
    /// <exception cref="SchemaMismatchException">The text column is missing or not text.</exception>
    /// <exception cref="ArgumentException">The text is too short for one window, or holds characters the tokenizer cannot encode.</exception>
    public CausalLMTransformer Fit(IDataView train, IDataView? validation, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        Engine.ManualSeed(unchecked((ulong)_seed));
        var trainDocs = ReadDocuments(train, Options.TextColumn);
        var validationDocs = validation is null ? null : ReadDocuments(validation, Options.TextColumn);
        var tokenizer = Options.Tokenizer ?? BuildTokenizer(trainDocs.Concat(validationDocs ?? []).Append(Options.DocumentSeparator));
        var ids = TokenIds.For(tokenizer, Options.TokenizerVocabularySize);
        int window = Options.WindowLength + 1;
        var trainWindows = TokenWindows.Create(Tokenize(ids, trainDocs, Options.DocumentSeparator), window, stride: 1);
        var validationWindows = validationDocs is null ? null
            : TokenWindows.Create(Tokenize(ids, validationDocs, Options.DocumentSeparator), window, stride: window - 1);
        var model = CausalLMTransformer.CreateModule(Options, ids.VocabularySize);
        try
        {
            model.To(_context.Device);
            // The schedule needs the run's length up front: MaxSteps, or Epochs passes, whichever ends first.
            long rows = trainWindows.GetRowCount()!.Value;
            long stepsPerEpoch = (rows + Options.BatchSize - 1) / Options.BatchSize;
            long totalSteps = Math.Min(Options.MaxSteps ?? long.MaxValue, stepsPerEpoch * (long)Options.Epochs);
            using var task = new CausalLMTrainingTask(model, Options, totalSteps, _context.Device);
            var loop = Options with { Epochs = (int)Math.Min((totalSteps + stepsPerEpoch - 1) / stepsPerEpoch, int.MaxValue) };
            var result = new TrainingLoop(_context, _seed).Run(task, trainWindows, validationWindows, loop, progress, cancellationToken);
            var summary = FamilyFiles.Summary(result, _seed, train, Options.TextColumn);
            return new CausalLMTransformer(_context, model, tokenizer, ids, Options, summary);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Every document of a text column, in order.</summary>
    internal static List<string> ReadDocuments(IDataView data, string column)
    {
        var col = data.Schema.Require(column, TextDataViewType.Instance);
        var docs = new List<string>();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(col);
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            if (!value.IsEmpty) docs.Add(value.ToString());
        }
        if (docs.Count == 0) throw new ArgumentException($"Column '{column}' holds no text.", nameof(data));
        return docs;
    }

    private Microsoft.ML.Tokenizers.Tokenizer BuildTokenizer(IEnumerable<string> corpus) => Options.TokenizerKind switch
    {
        TokenizerKind.Char => CharTokenizer.FromCorpus(corpus),
        _ => BpeTrainer.Train(corpus, Options.BpeVocabularySize, [ByteLevelBpeTokenizer.EndOfText]),
    };

    /// <summary>The documents as one token stream, joined by end-of-text (when the tokenizer has it)
    /// or by the encoded separator.</summary>
    internal static long[] Tokenize(ITokenIds tokenizer, IReadOnlyList<string> docs, string separator)
    {
        long[] join = tokenizer.EndOfTextId is { } eot ? [eot]
            : separator.Length == 0 ? [] : tokenizer.Encode(separator);
        var stream = new List<long>();
        for (int i = 0; i < docs.Count; i++)
        {
            if (i > 0) stream.AddRange(join);
            try
            {
                stream.AddRange(tokenizer.Encode(docs[i]));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"Document {i} cannot be tokenised: {e.Message}", nameof(docs), e);
            }
        }
        return [.. stream];
    }
}
