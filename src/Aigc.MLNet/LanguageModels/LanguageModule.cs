using Aigc.Torch;
using Aigc.Torch.Nn;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// A causal language model as generation sees it: a full forward pass for training and scoring,
/// plus a prefill of (left-padded) prompts and one-token steps that continue from a
/// <see cref="DecodingState"/> (a key/value cache, or recurrent state).
/// </summary>
public abstract class LanguageModule : Module
{
    /// <summary>Distinct token ids.</summary>
    public abstract int VocabularySize { get; }

    /// <summary>The most positions the model can attend over, or null when unbounded (recurrent models).</summary>
    public abstract int? ContextLength { get; }

    /// <summary>Next-token logits (B, T, vocabulary) for every position of Int64 tokens (B, T).</summary>
    public abstract Tensor Forward(Tensor tokens);

    /// <summary>Runs prompts (B, T) whose valid tokens are marked by the Bool <paramref name="valid"/>
    /// (B, T) — left padding is false — and returns the next-token logits after each prompt's last
    /// token (B, vocabulary) with the state to continue from. Null <paramref name="valid"/> means no padding.</summary>
    public abstract (Tensor Logits, DecodingState State) Prefill(Tensor tokens, Tensor? valid);

    /// <summary>Feeds one more token per row (B) and returns the next-token logits (B, vocabulary).</summary>
    /// <exception cref="InvalidOperationException">The state is full (<see cref="DecodingState.IsFull"/>).</exception>
    public abstract Tensor Decode(Tensor tokens, DecodingState state);
}

/// <summary>What a <see cref="LanguageModule"/> remembers between decoding steps.</summary>
public abstract class DecodingState : IDisposable
{
    /// <summary>Positions consumed, padding included.</summary>
    public abstract long Length { get; }

    /// <summary>True when one more token does not fit (the model's context is exhausted).</summary>
    public abstract bool IsFull { get; }

    /// <summary>Keeps the batch rows <paramref name="rows"/> in that order (beam search).</summary>
    public abstract void Reorder(Tensor rows);

    /// <inheritdoc />
    public abstract void Dispose();
}
