namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// How text is generated: one serialisable object shared by <see cref="CausalLMTransformer"/>, the
/// chat client and the command-line tool. The strategy follows from the settings: beam search when
/// <see cref="NumBeams"/> &gt; 1, greedy when <see cref="DoSample"/> is false or
/// <see cref="Temperature"/> is 0, otherwise sampling (temperature, then top-k, min-p and top-p).
/// Penalties and the n-gram ban apply to every strategy. Prompts longer than the model's context are
/// cut from the left (the newest tokens are kept) and the result says so.
/// </summary>
public sealed record GenerationOptions
{
    /// <summary>The largest <see cref="MaxNewTokens"/> accepted (2^20), so a mistyped count cannot run for days.</summary>
    public const int MaxTokensLimit = 1 << 20;

    /// <summary>The most tokens to generate, in [1, <see cref="MaxTokensLimit"/>].</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Sample (true) or take the most likely token (false).</summary>
    public bool DoSample { get; init; } = true;

    /// <summary>Divides the logits before sampling; lower is more conservative. 0 means greedy.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the k most likely tokens (0: no limit).</summary>
    public int TopK { get; init; }

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches p, in (0, 1].</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Drop tokens less likely than this fraction of the most likely one, in [0, 1).</summary>
    public double MinP { get; init; }

    /// <summary>CTRL's repetition penalty over prompt and output tokens (&gt; 1 discourages repeats; 1 is off).</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Subtracted from a token's logit once per earlier occurrence in the output (OpenAI's frequency penalty).</summary>
    public double FrequencyPenalty { get; init; }

    /// <summary>Subtracted from a token's logit once it occurs in the output (OpenAI's presence penalty).</summary>
    public double PresencePenalty { get; init; }

    /// <summary>Never repeat an n-gram of this size (0: off).</summary>
    public int NoRepeatNGramSize { get; init; }

    /// <summary>Beams in beam search (1: no beam search).</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam scores are divided by (generated length)^LengthPenalty; &gt; 1 favours longer outputs.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>End beam search as soon as <see cref="NumBeams"/> hypotheses are finished.</summary>
    public bool EarlyStopping { get; init; }

    /// <summary>Strings that end generation; they may span tokens and are not included in the output.</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Stop when the model emits the tokenizer's end-of-text token (when it has one).</summary>
    public bool StopAtEndOfText { get; init; } = true;

    /// <summary>Seeds sampling; the same seed, prompt and options give the same text. Null: a fresh seed.
    /// Row i of a batch uses seed + i.</summary>
    public int? Seed { get; init; }

    /// <summary>Reuse attention keys and values between steps (identical logits, much faster).</summary>
    public bool UseKvCache { get; init; } = true;

    /// <summary>True when tokens are picked by argmax (greedy or beam search).</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public bool IsGreedy => !DoSample || Temperature == 0 || NumBeams > 1;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (MaxNewTokens is < 1 or > MaxTokensLimit) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, $"must be in [1, {MaxTokensLimit}]");
        if (!(Temperature >= 0) || double.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be a finite number >= 0");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "must be >= 0 (0 disables it)");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "must be in (0, 1]");
        if (!(MinP >= 0 && MinP < 1)) throw new ArgumentOutOfRangeException(nameof(MinP), MinP, "must be in [0, 1)");
        if (!(RepetitionPenalty > 0) || double.IsInfinity(RepetitionPenalty)) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "must be a finite number > 0");
        if (!double.IsFinite(FrequencyPenalty)) throw new ArgumentOutOfRangeException(nameof(FrequencyPenalty), FrequencyPenalty, "must be finite");
        if (!double.IsFinite(PresencePenalty)) throw new ArgumentOutOfRangeException(nameof(PresencePenalty), PresencePenalty, "must be finite");
        if (NoRepeatNGramSize < 0) throw new ArgumentOutOfRangeException(nameof(NoRepeatNGramSize), NoRepeatNGramSize, "must be >= 0 (0 disables it)");
        if (NumBeams is < 1 or > 256) throw new ArgumentOutOfRangeException(nameof(NumBeams), NumBeams, "must be in [1, 256]");
        if (NumBeams > 1 && DoSample && Temperature != 0)
            throw new ArgumentOutOfRangeException(nameof(NumBeams), NumBeams, "beam search picks the most likely continuations; set DoSample = false to use it");
        if (!double.IsFinite(LengthPenalty)) throw new ArgumentOutOfRangeException(nameof(LengthPenalty), LengthPenalty, "must be finite");
        if (StopSequences is null) throw new ArgumentOutOfRangeException(nameof(StopSequences), "must not be null (use an empty list)");
        foreach (var s in StopSequences)
            if (string.IsNullOrEmpty(s)) throw new ArgumentOutOfRangeException(nameof(StopSequences), "stop sequences must be non-empty strings");
    }
}
