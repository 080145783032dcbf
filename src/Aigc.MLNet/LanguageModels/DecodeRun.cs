namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// One greedy or sampling generation over a batch of prompts, advanced a token at a time by
/// <see cref="Step"/>. Every native call happens inside a step, under its own no-grad and dispose
/// scopes, so a run may be advanced from different threads (as an async stream is).
/// </summary>
internal sealed class DecodeRun : IDisposable
{
    private readonly TextGenerator _generator;
    private readonly GenerationOptions _options;
    private readonly Row[] _rows;
    private DecodingState? _state;
    private float[] _logits = [];
    private int _generated;

    internal sealed class Row(long[] prompt, bool truncated, TextAccumulator text, Random random)
    {
        public readonly List<long> Context = [.. prompt];
        public readonly int PromptLength = prompt.Length;
        public readonly bool Truncated = truncated;
        public readonly TextAccumulator Text = text;
        public readonly Random Random = random;
        public FinishReason? Finish;

        public GenerationResult Result() =>
            new(Text.Text, Context.Skip(PromptLength).ToArray(), PromptLength, Finish ?? FinishReason.Length, Truncated);
    }

    public DecodeRun(TextGenerator generator, IReadOnlyList<(long[] Ids, bool Truncated)> prompts, GenerationOptions options)
    {
        (_generator, _options) = (generator, options);
        int seed = options.Seed ?? Random.Shared.Next();
        _rows = prompts.Select((p, i) => new Row(p.Ids, p.Truncated, new TextAccumulator(generator.Tokenizer, options.StopSequences),
            new Random(unchecked(seed + i)))).ToArray();
        Refill();
    }

    public IReadOnlyList<Row> Rows => _rows;

    public bool Done => _rows.All(r => r.Finish is not null);

    /// <summary>Chooses one token per unfinished row and computes the next logits. Returns false once every row is done.</summary>
    public bool Step()
    {
        if (Done) return false;
        int v = _generator.Model.VocabularySize;
        _generated++;
        for (int i = 0; i < _rows.Length; i++)
        {
            var row = _rows[i];
            if (row.Finish is not null) continue;
            var logits = _logits.AsSpan(i * v, v);
            LogitsProcessing.ApplyPenalties(logits, row.Context, row.PromptLength, _options);
            long token = LogitsProcessing.Choose(logits, _options, row.Random);
            row.Context.Add(token);
            if (_options.StopAtEndOfText && token == _generator.EndOfTextId) row.Finish = FinishReason.EndOfText;
            else if (row.Text.Add(token)) row.Finish = FinishReason.StopSequence;
            else if (_generated >= _options.MaxNewTokens) row.Finish = FinishReason.Length;
            if (row.Finish is not null) row.Text.Flush();
        }
        if (Done) return false;
        if (_options.UseKvCache && _state is { IsFull: false }) Advance();
        else Refill();
        return true;
    }

    // Feeds every row's newest token (finished rows repeat theirs; their outputs are ignored).
    private void Advance() => _logits = _generator.DecodeNext(Contexts, _state!);

    // Runs each row's newest tokens from scratch: the first step, every step without the cache, and
    // every step once the context is full.
    private void Refill()
    {
        _state?.Dispose();
        _state = null;
        (_logits, _state) = _generator.Prefill(Contexts);
    }

    private List<long>[] Contexts => _rows.Select(r => r.Context).ToArray();

    public void Dispose()
    {
        _state?.Dispose();
        _state = null;
    }
}
