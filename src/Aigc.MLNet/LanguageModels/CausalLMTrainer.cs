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
        ColumnRequirement.TextOrTokens(Options.TextColumn).Check(inputSchema);
        return SchemaShapes.Append(inputSchema, CausalLMTransformer.Outputs(Options));
    }

    /// <inheritdoc />
    public CausalLMTransformer Fit(IDataView input) => Fit(input, null);

    /// <summary>Trains, reporting progress and honouring cancellation.</summary>
    /// <param name="train">Documents in <see cref="CausalLMOptions.TextColumn"/>: text, or token ids (Int32 vectors)
    /// made by <see cref="CausalLMOptions.Tokenizer"/>.</param>
    /// <param name="validation">Optional held-out documents: loss and perplexity every
    /// <see cref="TrainingOptions.ValidateEveryNSteps"/> steps and at the end.</param>
    /// <param name="progress">Receives "loss", "lr" and "grad_norm" per report.</param>
    /// <param name="cancellationToken">Stops within one step.</param>
    /// <exception cref="SchemaMismatchException">The column is missing, or neither text nor Int32 vectors.</exception>
    /// <exception cref="ArgumentException">The text is too short for one window, holds characters the tokenizer cannot
    /// encode, or holds token ids outside the tokenizer's vocabulary (or without a tokenizer set).</exception>
    public CausalLMTransformer Fit(IDataView train, IDataView? validation, IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        CheckMemory(Options, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        Engine.ManualSeed(unchecked((ulong)_seed));
        var trainDocs = Corpus.Read(train, Options.TextColumn);
        var validationDocs = validation is null ? null : Corpus.Read(validation, Options.TextColumn);
        if (trainDocs.Texts is null && Options.Tokenizer is null)
            throw new ArgumentException($"Column '{Options.TextColumn}' holds token ids; set CausalLMOptions.Tokenizer to the tokenizer that produced them.", nameof(train));
        var tokenizer = Options.Tokenizer
            ?? BuildTokenizer(trainDocs.Texts!.Concat(validationDocs?.Texts ?? []).Append(Options.DocumentSeparator));
        var ids = TokenIds.For(tokenizer, Options.TokenizerVocabularySize);
        int window = Options.WindowLength + 1;
        var trainWindows = TokenWindows.Create(trainDocs.ToStream(ids, Options.DocumentSeparator), window, stride: 1);
        var validationWindows = validationDocs is null ? null
            : TokenWindows.Create(validationDocs.ToStream(ids, Options.DocumentSeparator), window, stride: window - 1);
        var model = CausalLMTransformer.CreateModule(Options, ids.VocabularySize);
        try
        {
            model.To(_context.Device);
            // The schedule needs the run's length up front: MaxSteps, or Epochs passes, whichever ends first.
            long rows = trainWindows.GetRowCount()!.Value;
            long stepsPerEpoch = (rows + Options.BatchSize - 1) / Options.BatchSize;
            long totalSteps = Math.Min(Options.MaxSteps ?? long.MaxValue, stepsPerEpoch * (long)Options.Epochs);
            using var task = new CausalLMTrainingTask(model, Options, totalSteps, _context.Device);
            var loop = Options with { Epochs = (int)Math.Min((totalSteps + stepsPerEpoch - 1) / stepsPerEpoch, int.MaxValue), ScheduleSteps = totalSteps };
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

    /// <summary>Refuses, before anything is allocated, a GPT whose attention cannot fit in
    /// <paramref name="availableBytes"/>: training keeps each layer's (batch, heads, T, T) scores and
    /// probabilities for the backward pass, so memory grows with the square of the window.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The window is too long for this machine (names the largest that fits).</exception>
    internal static void CheckMemory(CausalLMOptions o, long availableBytes)
    {
        if (o.Architecture != LanguageModelArchitecture.Gpt) return;
        long t = o.WindowLength, perToken2 = 2L * sizeof(float) * o.BatchSize * o.Gpt.Heads * o.Gpt.Layers;
        long needed = perToken2 * t * t;
        if (needed <= availableBytes) return;
        long fits = (long)Math.Sqrt((double)availableBytes / perToken2);
        throw new ArgumentOutOfRangeException(nameof(CausalLMOptions.TrainingContextLength), t,
            $"must be at most {fits} on this machine: {t} tokens need about {needed / 1e9:F0} GB for attention at BatchSize {o.BatchSize} " +
            $"({o.Gpt.Layers} layers, {o.Gpt.Heads} heads), and it has {availableBytes / 1e9:F0} GB");
    }

    private Microsoft.ML.Tokenizers.Tokenizer BuildTokenizer(IEnumerable<string> corpus) => Options.TokenizerKind switch
    {
        TokenizerKind.Char => CharTokenizer.FromCorpus(corpus),
        _ => BpeTrainer.Train(corpus, Options.BpeVocabularySize, [ByteLevelBpeTokenizer.EndOfText]),
    };
}
