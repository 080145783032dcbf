namespace Aigc.MLNet.Onnx;

/// <summary>
/// How <see cref="OnnxLanguageModel"/> generates: the settings of <c>Aigc.MLNet.LanguageModels.GenerationOptions</c>
/// that ONNX Runtime GenAI's search has, with the same meaning and defaults. GenAI has no min-p,
/// frequency or presence penalty, and always stops at the end-of-text token, so those are not here.
/// </summary>
public sealed record OnnxGenerationOptions
{
    /// <summary>Tokens to generate at most (fewer when the context fills up first).</summary>
    public int MaxNewTokens { get; init; } = 128;

    /// <summary>Sample from the distribution (true) or take the most likely token (false).</summary>
    public bool DoSample { get; init; } = true;

    /// <summary>Softmax temperature when sampling.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep the k most likely tokens when sampling (0: all).</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens holding this probability mass.</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>&gt; 1 discourages tokens already in the text.</summary>
    public double RepetitionPenalty { get; init; } = 1.0;

    /// <summary>Never repeat an n-gram of this size (0: off).</summary>
    public int NoRepeatNGramSize { get; init; }

    /// <summary>Beam search with this many beams (1: none). Beam search does not stream.</summary>
    public int NumBeams { get; init; } = 1;

    /// <summary>Beam search's length penalty exponent.</summary>
    public double LengthPenalty { get; init; } = 1.0;

    /// <summary>Text that ends generation (not included in the result).</summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>Seed of GenAI's sampler; null leaves GenAI's own.</summary>
    public int? Seed { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (MaxNewTokens is < 1 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "must be in [1, 1048576]");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be a finite number > 0");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "must be >= 0");
        if (!(TopP is > 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "must be in (0, 1]");
        if (!(RepetitionPenalty > 0) || double.IsInfinity(RepetitionPenalty)) throw new ArgumentOutOfRangeException(nameof(RepetitionPenalty), RepetitionPenalty, "must be a finite number > 0");
        if (NoRepeatNGramSize < 0) throw new ArgumentOutOfRangeException(nameof(NoRepeatNGramSize), NoRepeatNGramSize, "must be >= 0");
        if (NumBeams is < 1 or > 64) throw new ArgumentOutOfRangeException(nameof(NumBeams), NumBeams, "must be in [1, 64]");
        if (!double.IsFinite(LengthPenalty)) throw new ArgumentOutOfRangeException(nameof(LengthPenalty), LengthPenalty, "must be finite");
        if (StopSequences is null || StopSequences.Any(string.IsNullOrEmpty)) throw new ArgumentOutOfRangeException(nameof(StopSequences), "must not hold empty strings");
    }
}

/// <summary>Why generation ended.</summary>
public enum OnnxFinishReason
{
    /// <summary>The token budget (or the context) was used up.</summary>
    Length,
    /// <summary>A stop sequence appeared (it is not part of the text).</summary>
    StopSequence,
    /// <summary>The model emitted the end-of-text token.</summary>
    EndOfText,
}

/// <summary>One completion.</summary>
/// <param name="Text">The generated text (without the prompt, a stop sequence or end-of-text).</param>
/// <param name="Tokens">The generated token ids.</param>
/// <param name="PromptTokens">Tokens of the prompt the model saw (after any truncation).</param>
/// <param name="FinishReason">Why it ended.</param>
/// <param name="PromptTruncated">True when the prompt was cut to its last tokens to fit the context.</param>
public sealed record OnnxGenerationResult(string Text, IReadOnlyList<long> Tokens, int PromptTokens, OnnxFinishReason FinishReason, bool PromptTruncated);

/// <summary>A piece of streamed text; the last update of a completion also carries its <paramref name="Result"/>.</summary>
public sealed record OnnxGenerationUpdate(string Text, OnnxGenerationResult? Result = null);
