namespace Aigc.MLNet.LanguageModels;

/// <summary>Why generation ended.</summary>
public enum FinishReason
{
    /// <summary><see cref="GenerationOptions.MaxNewTokens"/> tokens were generated.</summary>
    Length,
    /// <summary>A stop sequence appeared (it is not part of the text).</summary>
    StopSequence,
    /// <summary>The model emitted the end-of-text token.</summary>
    EndOfText,
}

/// <summary>One completion.</summary>
/// <param name="Text">The generated text (without the prompt, a stop sequence or end-of-text).</param>
/// <param name="Tokens">The generated token ids (including the ones that formed a stop sequence).</param>
/// <param name="PromptTokens">Tokens of the prompt the model saw (after any truncation).</param>
/// <param name="FinishReason">Why it ended.</param>
/// <param name="PromptTruncated">True when the prompt was longer than the context and its start was cut.</param>
public sealed record GenerationResult(string Text, IReadOnlyList<long> Tokens, int PromptTokens, FinishReason FinishReason, bool PromptTruncated)
{
    /// <summary>Tokens generated.</summary>
    public int GeneratedTokens => Tokens.Count;
}

/// <summary>A piece of a streamed completion.</summary>
/// <param name="Text">New text: whole characters only, possibly empty when a token completed nothing yet.</param>
/// <param name="Result">On the last update only: the whole completion, its token counts and finish reason.</param>
public sealed record GenerationUpdate(string Text, GenerationResult? Result = null)
{
    /// <summary>True on the last update.</summary>
    public bool IsFinal => Result is not null;
}
