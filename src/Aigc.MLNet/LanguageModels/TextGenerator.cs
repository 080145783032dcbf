using System.Runtime.CompilerServices;
using Aigc.MLNet.Text;

using Aigc.Torch;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Generates text from a trained <see cref="LanguageModule"/> and its tokenizer: one prompt or many
/// at once (left-padded, with attention masks), all at once or streamed piece by piece, by greedy
/// decoding, sampling or beam search (<see cref="GenerationOptions"/>). Safe to call from several
/// threads at once; each call keeps its own decoding state.
/// </summary>
public sealed class TextGenerator
{
    /// <summary>Wraps a model in evaluation mode, with any Microsoft.ML.Tokenizers tokenizer
    /// (<paramref name="vocabularySize"/> for one whose type does not expose its size).</summary>
    public TextGenerator(LanguageModule model, Microsoft.ML.Tokenizers.Tokenizer tokenizer, Device device, int? vocabularySize = null)
        : this(model, TokenIds.For(tokenizer ?? throw new ArgumentNullException(nameof(tokenizer)), vocabularySize), device)
    {
    }

    internal TextGenerator(LanguageModule model, ITokenIds tokenizer, Device device)
    {
        Model = model ?? throw new ArgumentNullException(nameof(model));
        Tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));
        if (tokenizer.VocabularySize > model.VocabularySize)
            throw new ArgumentException($"The tokenizer has {tokenizer.VocabularySize} tokens but the model only {model.VocabularySize}.", nameof(tokenizer));
        Device = device;
        EndOfTextId = tokenizer.EndOfTextId;
    }

    /// <summary>The network.</summary>
    public LanguageModule Model { get; }

    /// <summary>The tokenizer's id-level view.</summary>
    internal ITokenIds Tokenizer { get; }

    /// <summary>Where the model runs.</summary>
    public Device Device { get; }

    /// <summary>The end-of-text token, when the tokenizer has one.</summary>
    public long? EndOfTextId { get; }

    /// <summary>The ids the model sees for <paramref name="prompt"/>: an empty prompt starts from the
    /// end-of-text token when there is one; a prompt longer than the context keeps its last tokens.</summary>
    /// <exception cref="ArgumentException">The prompt is empty and there is no end-of-text token, or it
    /// holds text the tokenizer cannot encode.</exception>
    public (long[] Ids, bool Truncated) EncodePrompt(string prompt)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        long[] ids = Tokenizer.EncodePrompt(prompt);
        if (ids.Length == 0 && EndOfTextId is null)
            throw new ArgumentException("The prompt is empty, and this model's tokenizer has no end-of-text token to start from; give at least one character.", nameof(prompt));
        return ToContext(ids);
    }

    /// <summary>Checks prompt token ids: each must be a token of the vocabulary; an empty prompt starts
    /// from the end-of-text token when there is one; a prompt longer than the context keeps its last tokens.</summary>
    /// <exception cref="ArgumentException">An id is outside [0, vocabulary size), or the prompt is empty
    /// and there is no end-of-text token.</exception>
    public (long[] Ids, bool Truncated) CheckPromptTokens(IReadOnlyList<long> promptTokens)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        for (int i = 0; i < promptTokens.Count; i++)
            if (promptTokens[i] < 0 || promptTokens[i] >= Tokenizer.VocabularySize)
                throw new ArgumentException($"Prompt token {i} is {promptTokens[i]}, outside this model's vocabulary [0, {Tokenizer.VocabularySize}).", nameof(promptTokens));
        if (promptTokens.Count == 0 && EndOfTextId is null)
            throw new ArgumentException("The prompt has no tokens, and this model's tokenizer has no end-of-text token to start from.", nameof(promptTokens));
        return ToContext([.. promptTokens]);
    }

    // An empty prompt starts from end-of-text; a long one keeps the last tokens the context holds.
    private (long[] Ids, bool Truncated) ToContext(long[] ids)
    {
        if (ids.Length == 0) ids = [EndOfTextId!.Value];
        if (Model.ContextLength is { } ctx && ids.Length > ctx) return (ids[^ctx..], true);
        return (ids, false);
    }

    /// <summary>Completes one prompt.</summary>
    public GenerationResult Generate(string prompt, GenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        Generate([prompt], options, cancellationToken)[0];

    /// <summary>Completes many prompts in one batch (beam search runs them one after another).</summary>
    /// <exception cref="ArgumentException">A prompt is empty without an end-of-text token, or cannot be encoded.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between tokens.</exception>
    public IReadOnlyList<GenerationResult> Generate(IReadOnlyList<string> prompts, GenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        if (prompts.Count == 0) return [];
        return Run(prompts.Select(EncodePrompt).ToArray(), options, cancellationToken);
    }

    /// <summary>Completes prompts given as token ids (as a token column of a pipeline holds them), in one batch.</summary>
    /// <exception cref="ArgumentException">An id is outside the vocabulary, or a prompt is empty without an end-of-text token.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between tokens.</exception>
    public IReadOnlyList<GenerationResult> GenerateFromTokens(IReadOnlyList<IReadOnlyList<long>> promptTokens, GenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptTokens);
        if (promptTokens.Count == 0) return [];
        return Run(promptTokens.Select(CheckPromptTokens).ToArray(), options, cancellationToken);
    }

    private IReadOnlyList<GenerationResult> Run((long[] Ids, bool Truncated)[] encoded, GenerationOptions? options, CancellationToken cancellationToken)
    {
        options ??= new GenerationOptions();
        options.Validate();
        if (options.NumBeams > 1)
            return encoded.Select(p => new BeamSearch(this, p.Ids, p.Truncated, options).Run(cancellationToken)).ToArray();
        using var run = new DecodeRun(this, encoded, options);
        while (run.Step()) cancellationToken.ThrowIfCancellationRequested();
        return run.Rows.Select(r => r.Result()).ToArray();
    }

    /// <summary>Streams one completion: an update per decoded piece (whole characters only; text that may
    /// begin a stop sequence is held back until it is known not to), then a final update carrying the
    /// <see cref="GenerationResult"/>. With beam search the whole text arrives in the final update.</summary>
    public async IAsyncEnumerable<GenerationUpdate> GenerateStreamingAsync(string prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new GenerationOptions();
        options.Validate();
        var encoded = EncodePrompt(prompt);
        await Task.Yield();
        if (options.NumBeams > 1)
        {
            var result = new BeamSearch(this, encoded.Ids, encoded.Truncated, options).Run(cancellationToken);
            yield return new GenerationUpdate(result.Text, result);
            yield break;
        }
        using var run = new DecodeRun(this, [encoded], options);
        var row = run.Rows[0];
        bool more = true;
        while (more)
        {
            cancellationToken.ThrowIfCancellationRequested();
            more = run.Step();
            var piece = row.Text.TakeReady(final: !more);
            if (more && piece.Length > 0) yield return new GenerationUpdate(piece);
            else if (!more) yield return new GenerationUpdate(piece, row.Result());
            await Task.Yield();
        }
    }

    /// <summary>Streams only the text of one completion (see <see cref="GenerateStreamingAsync"/>).</summary>
    public async IAsyncEnumerable<string> GenerateTextStreamAsync(string prompt, GenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in GenerateStreamingAsync(prompt, options, cancellationToken).ConfigureAwait(false))
            if (update.Text.Length > 0) yield return update.Text;
    }

    /// <summary>Runs each row's newest tokens (at most the context) from scratch: the next-token logits
    /// on the host, (rows × vocabulary), and the state to continue from.</summary>
    internal (float[] Logits, DecodingState State) Prefill(IReadOnlyList<List<long>> rows)
    {
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var (tokens, valid) = Pad(rows);
        var (logits, state) = Model.Prefill(tokens, valid);
        return (ToHost(logits), state);
    }

    /// <summary>Feeds each row's newest token through <paramref name="state"/>; the next-token logits on the host.</summary>
    internal float[] DecodeNext(IReadOnlyList<List<long>> rows, DecodingState state)
    {
        using var noGrad = Engine.NoGrad();
        using var scope = DisposeScope.Enter();
        var tokens = Tensor.FromArray(rows.Select(r => r[^1]).ToArray(), rows.Count).To(Device);
        return ToHost(Model.Decode(tokens, state));
    }

    private static float[] ToHost(Tensor logits) => logits.To(Torch.Device.Cpu, ScalarType.Float32).ToArray<float>();

    /// <summary>Left-pads the newest tokens of each row (at most the context) into (B, T) on the
    /// device, with a Bool mask of real tokens, or null when every row has the same length.</summary>
    private (Tensor Tokens, Tensor? Valid) Pad(IReadOnlyList<List<long>> rows)
    {
        int ctx = Model.ContextLength ?? int.MaxValue;
        var windows = rows.Select(r => r.Count > ctx ? r.GetRange(r.Count - ctx, ctx) : r).ToArray();
        int t = windows.Max(w => w.Count);
        var ids = new long[rows.Count * t];
        var valid = new bool[rows.Count * t];
        for (int i = 0; i < windows.Length; i++)
        {
            int pad = t - windows[i].Count;
            for (int j = 0; j < windows[i].Count; j++)
            {
                ids[i * t + pad + j] = windows[i][j];
                valid[i * t + pad + j] = true;
            }
        }
        var tokens = Tensor.FromArray(ids, rows.Count, t).To(Device);
        if (windows.All(w => w.Count == t)) return (tokens, null);
        return (tokens, Tensor.FromArray(valid, rows.Count, t).To(Device));
    }
}
