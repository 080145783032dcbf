using System.Text.Json.Serialization;

namespace Aigc.MLNet.LanguageModels;

/// <summary>The network a causal language model uses.</summary>
public enum LanguageModelArchitecture
{
    /// <summary>A GPT-style transformer decoder (<see cref="GptOptions"/>).</summary>
    Gpt,
    /// <summary>An embedding, stacked LSTM and projection (<see cref="LstmOptions"/>).</summary>
    Lstm,
}

/// <summary>Which tokenizer the trainer builds when none is given.</summary>
public enum TokenizerKind
{
    /// <summary>One token per character seen in the training text.</summary>
    Char,
    /// <summary>Byte-level BPE trained on the training text to <see cref="CausalLMOptions.BpeVocabularySize"/>.</summary>
    Bpe,
}

/// <summary>The shape of a GPT-style decoder. Presets: <see cref="Baby"/>, <see cref="Small"/>, <see cref="Gpt2"/>.</summary>
public sealed record GptOptions
{
    /// <summary>Transformer blocks.</summary>
    public int Layers { get; init; } = 4;

    /// <summary>Attention heads per block; must divide <see cref="EmbeddingDim"/>.</summary>
    public int Heads { get; init; } = 4;

    /// <summary>The model width C.</summary>
    public int EmbeddingDim { get; init; } = 128;

    /// <summary>The most tokens the model attends over (the block size).</summary>
    public int ContextLength { get; init; } = 64;

    /// <summary>Dropout on embeddings, attention weights and residual branches in training.</summary>
    public double Dropout { get; init; }

    /// <summary>Biases in linear layers and LayerNorms (GPT-2 has them).</summary>
    public bool Bias { get; init; } = true;

    /// <summary>nanoGPT's "baby" CPU model: 4 layers, 4 heads, 128 wide, context 64 (≈0.8M parameters).</summary>
    public static GptOptions Baby => new();

    /// <summary>nanoGPT's Shakespeare-char model: 6 layers, 6 heads, 384 wide, context 256, dropout 0.2.</summary>
    public static GptOptions Small => new() { Layers = 6, Heads = 6, EmbeddingDim = 384, ContextLength = 256, Dropout = 0.2 };

    /// <summary>GPT-2 small's shape: 12 layers, 12 heads, 768 wide, context 1024 (use with the GPT-2 tokenizer).</summary>
    public static GptOptions Gpt2 => new() { Layers = 12, Heads = 12, EmbeddingDim = 768, ContextLength = 1024, Dropout = 0.1 };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate()
    {
        // Upper bounds keep a hostile model file from forcing huge allocations.
        if (Layers is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "must be in [1, 256]");
        if (Heads is < 1 or > 1024) throw new ArgumentOutOfRangeException(nameof(Heads), Heads, "must be in [1, 1024]");
        if (EmbeddingDim is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(EmbeddingDim), EmbeddingDim, "must be in [1, 65536]");
        if (EmbeddingDim % Heads != 0)
            throw new ArgumentOutOfRangeException(nameof(Heads), Heads, $"must divide EmbeddingDim ({EmbeddingDim})");
        if (ContextLength is < 1 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(ContextLength), ContextLength, "must be in [1, 1048576]");
        if (Dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "must be in [0, 1)");
    }
}

/// <summary>The shape of an LSTM language model.</summary>
public sealed record LstmOptions
{
    /// <summary>Token embedding width.</summary>
    public int EmbeddingDim { get; init; } = 128;

    /// <summary>State size of every LSTM layer.</summary>
    public int HiddenSize { get; init; } = 256;

    /// <summary>Stacked LSTM layers.</summary>
    public int Layers { get; init; } = 2;

    /// <summary>Dropout on embeddings, between layers and before the projection, in training.</summary>
    public double Dropout { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (EmbeddingDim is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(EmbeddingDim), EmbeddingDim, "must be in [1, 65536]");
        if (HiddenSize is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(HiddenSize), HiddenSize, "must be in [1, 65536]");
        if (Layers is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(Layers), Layers, "must be in [1, 64]");
        if (Dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "must be in [0, 1)");
    }
}

/// <summary>
/// Options of the causal language-model trainer (<c>mlContext.Generative().Trainers.CausalLM</c>). Training
/// follows nanoGPT: random windows of <see cref="TrainingContextLength"/> + 1 tokens from the
/// tokenised corpus, next-token cross-entropy, AdamW (weight decay on matrices only), linear warmup
/// then cosine decay, gradient clipping, and bf16 autocast on CUDA.
/// </summary>
// Run settings (epochs, batch, learning rate, seed, checkpoints) come from TrainingOptions; the few
// properties marked [JsonIgnore] here are this family's own run settings. Model files hold only the rest.
public sealed record CausalLMOptions : Training.TrainingOptions
{
    /// <summary>Creates the options with this family's run defaults.</summary>
    public CausalLMOptions()
    {
        BatchSize = 12;
        MaxSteps = 2000;
        ValidateEveryNSteps = 500;
        ReportEveryNSteps = 100;
        Epochs = int.MaxValue;
    }

    /// <summary>The training column, one document per row: text, or token ids (a vector of Int32) made by
    /// <see cref="Tokenizer"/>.</summary>
    public string TextColumn { get; init; } = "Text";

    /// <summary>The column the transformer reads prompts from: text, or token ids (a vector of Int32).</summary>
    public string PromptColumn { get; init; } = "Prompt";

    /// <summary>The column the transformer writes completions to.</summary>
    public string CompletionColumn { get; init; } = "Completion";

    /// <summary>The column the transformer writes the generated token ids to (variable-length Int32).</summary>
    public string CompletionTokensColumn { get; init; } = "CompletionTokens";

    /// <summary>GPT or LSTM.</summary>
    public LanguageModelArchitecture Architecture { get; init; } = LanguageModelArchitecture.Gpt;

    /// <summary>The GPT shape (with <see cref="LanguageModelArchitecture.Gpt"/>).</summary>
    public GptOptions Gpt { get; init; } = GptOptions.Baby;

    /// <summary>The LSTM shape (with <see cref="LanguageModelArchitecture.Lstm"/>).</summary>
    public LstmOptions Lstm { get; init; } = new();

    /// <summary>The tokenizer built from the training text when <see cref="Tokenizer"/> is null.</summary>
    public TokenizerKind TokenizerKind { get; init; } = TokenizerKind.Char;

    /// <summary>The vocabulary size of a trained BPE tokenizer (at least 257: 256 bytes plus end-of-text).</summary>
    [JsonIgnore]
    public int BpeVocabularySize { get; init; } = 1024;

    /// <summary>A ready tokenizer: any Microsoft.ML.Tokenizers <c>Tokenizer</c>, e.g. GPT-2's
    /// (<see cref="Text.ByteLevelBpeTokenizer.Load"/>, or <c>TiktokenTokenizer.CreateForModel("gpt2")</c>).
    /// Model files hold our <see cref="Text.CharTokenizer"/> and <see cref="Text.ByteLevelBpeTokenizer"/>
    /// and name GPT-2's Tiktoken vocabulary; other tokenizers train and generate but cannot be saved.</summary>
    [JsonIgnore]
    public Microsoft.ML.Tokenizers.Tokenizer? Tokenizer { get; init; }

    /// <summary>The vocabulary size of a <see cref="Tokenizer"/> whose type does not expose it (ours,
    /// Tiktoken's GPT-2 and Microsoft's <c>BpeTokenizer</c> do); null otherwise.</summary>
    [JsonIgnore]
    public int? TokenizerVocabularySize { get; init; }

    /// <summary>Joins documents when the tokenizer has no end-of-text token (which is used otherwise).</summary>
    public string DocumentSeparator { get; init; } = "\n\n";

    /// <summary>Tokens per training window (the GPT uses at most its context length).</summary>
    public int TrainingContextLength { get; init; } = 64;

    /// <summary>The learning rate at the end of the cosine decay, as a fraction of the peak.</summary>
    [JsonIgnore]
    public double MinLearningRateFactor { get; init; } = 0.1;

    /// <summary>Linear warmup steps (capped below the run's length when the run is shorter).</summary>
    [JsonIgnore]
    public long WarmupSteps { get; init; } = 100;

    /// <summary>AdamW's decoupled weight decay, applied to weight matrices and embeddings only.</summary>
    [JsonIgnore]
    public double WeightDecay { get; init; } = 0.1;

    /// <summary>AdamW's β1.</summary>
    [JsonIgnore]
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's β2 (nanoGPT uses 0.99 for small models).</summary>
    [JsonIgnore]
    public double Beta2 { get; init; } = 0.99;

    /// <summary>Clip the global gradient norm to this (0 disables).</summary>
    [JsonIgnore]
    public double GradientClip { get; init; } = 1.0;

    /// <summary>Cap on validation windows per measurement (null: every non-overlapping window).</summary>
    [JsonIgnore]
    public int? MaxValidationWindows { get; init; } = 200;

    /// <summary>Use bf16 autocast for the forward pass on CUDA (ignored on the CPU).</summary>
    public bool MixedPrecision { get; init; } = true;

    /// <summary>The defaults used when generating from the trained model.</summary>
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>A tiny configuration for tests and smoke runs.</summary>
    public static CausalLMOptions Nano => new()
    {
        Gpt = new GptOptions { Layers = 2, Heads = 2, EmbeddingDim = 32, ContextLength = 32 },
        Lstm = new LstmOptions { EmbeddingDim = 32, HiddenSize = 48, Layers = 2 },
        TrainingContextLength = 32, BatchSize = 8, MaxSteps = 50, WarmupSteps = 5, ValidateEveryNSteps = 0, MaxValidationWindows = 16,
        ReportEveryNSteps = 10,
    };

    /// <summary>The context length windows use: the training length, capped by a GPT's context.</summary>
    [JsonIgnore]
    public int WindowLength => Architecture == LanguageModelArchitecture.Gpt ? Math.Min(TrainingContextLength, Gpt.ContextLength) : TrainingContextLength;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public override void Validate()
    {
        if (string.IsNullOrEmpty(TextColumn)) throw new ArgumentOutOfRangeException(nameof(TextColumn), "must be set");
        if (string.IsNullOrEmpty(PromptColumn)) throw new ArgumentOutOfRangeException(nameof(PromptColumn), "must be set");
        if (string.IsNullOrEmpty(CompletionColumn)) throw new ArgumentOutOfRangeException(nameof(CompletionColumn), "must be set");
        if (string.IsNullOrEmpty(CompletionTokensColumn) || CompletionTokensColumn == CompletionColumn)
            throw new ArgumentOutOfRangeException(nameof(CompletionTokensColumn), CompletionTokensColumn, "must be set, and differ from CompletionColumn");
        if (Gpt is null) throw new ArgumentOutOfRangeException(nameof(Gpt), "must be set");
        if (Lstm is null) throw new ArgumentOutOfRangeException(nameof(Lstm), "must be set");
        if (Architecture == LanguageModelArchitecture.Gpt) Gpt.Validate();
        else Lstm.Validate();
        if (BpeVocabularySize is < 257 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(BpeVocabularySize), BpeVocabularySize, "must be in [257, 1048576]");
        ArgumentNullException.ThrowIfNull(DocumentSeparator, nameof(DocumentSeparator));
        if (TrainingContextLength is < 1 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(TrainingContextLength), TrainingContextLength, "must be in [1, 1048576]");
        if (!(MinLearningRateFactor is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(MinLearningRateFactor), MinLearningRateFactor, "must be in [0, 1]");
        if (WarmupSteps < 0 || (MaxSteps is { } max && WarmupSteps >= max))
            throw new ArgumentOutOfRangeException(nameof(WarmupSteps), WarmupSteps, $"must be in [0, MaxSteps = {MaxSteps})");
        if (!(WeightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(WeightDecay), WeightDecay, "must be >= 0");
        if (!(Beta1 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta1), Beta1, "must be in [0, 1)");
        if (!(Beta2 is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(Beta2), Beta2, "must be in [0, 1)");
        if (!(GradientClip >= 0)) throw new ArgumentOutOfRangeException(nameof(GradientClip), GradientClip, "must be >= 0");
        if (ValidateEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(ValidateEveryNSteps), ValidateEveryNSteps, "must be >= 0");
        if (MaxValidationWindows is < 1) throw new ArgumentOutOfRangeException(nameof(MaxValidationWindows), MaxValidationWindows, "must be at least 1 when set");
        if (Generation is null) throw new ArgumentOutOfRangeException(nameof(Generation), "must be set");
        Generation.Validate();
        base.Validate();
    }
}
