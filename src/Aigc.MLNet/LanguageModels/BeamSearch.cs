using Aigc.Torch;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Beam search for one prompt: keeps the <see cref="GenerationOptions.NumBeams"/> most likely
/// continuations (by summed log-probability after penalties), sets aside a hypothesis when it emits
/// end-of-text or completes a stop sequence, and returns the finished hypothesis with the best score
/// / (generated length)^<see cref="GenerationOptions.LengthPenalty"/>.
/// </summary>
internal sealed class BeamSearch(TextGenerator generator, long[] prompt, bool truncated, GenerationOptions options)
{
    private sealed record Hypothesis(List<long> Context, double Score, TextAccumulator Text);

    private sealed record Finished(List<long> Context, double Score, string Text, FinishReason Reason);

    private double Normalised(double score, int generated) => score / Math.Pow(Math.Max(generated, 1), options.LengthPenalty);

    public GenerationResult Run(CancellationToken cancellationToken)
    {
        int beams = options.NumBeams, v = generator.Model.VocabularySize;
        var finished = new List<Finished>();
        var live = new List<Hypothesis> { new([.. prompt], 0, NewText()) };
        DecodingState? state = null;
        try
        {
            float[] logits = Prefill(live, ref state);
            for (int step = 1; step <= options.MaxNewTokens && live.Count > 0; step++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                // Score every (beam, token) continuation.
                var candidates = new List<(double Score, int Beam, int Token)>();
                for (int b = 0; b < live.Count; b++)
                {
                    var row = logits.AsSpan(b * v, v);
                    LogitsProcessing.ApplyPenalties(row, live[b].Context, prompt.Length, options);
                    var logProbs = LogSoftmax(row);
                    foreach (int token in TopIndices(logProbs, 2 * beams))
                        if (double.IsFinite(logProbs[token])) candidates.Add((live[b].Score + logProbs[token], b, token));
                }
                candidates.Sort((x, y) => y.Score.CompareTo(x.Score));
                var next = new List<Hypothesis>();
                var rows = new List<long>();
                foreach (var (score, b, token) in candidates)
                {
                    if (next.Count == beams) break;
                    var context = new List<long>(live[b].Context) { token };
                    if (options.StopAtEndOfText && token == generator.EndOfTextId)
                    {
                        var before = Replay(live[b].Context);
                        before.Flush();
                        finished.Add(new(context, Normalised(score, step), before.Text, FinishReason.EndOfText));
                        continue;
                    }
                    var text = Replay(context);
                    if (text.Stopped)
                    {
                        finished.Add(new(context, Normalised(score, step), text.Text, FinishReason.StopSequence));
                        continue;
                    }
                    next.Add(new Hypothesis(context, score, text));
                    rows.Add(b);
                }
                live = next;
                if (live.Count == 0 || Done(finished, live, step)) break;
                if (step == options.MaxNewTokens) break;
                logits = Continue(live, rows, ref state);
            }
            foreach (var h in live)
            {
                h.Text.Flush();
                finished.Add(new(h.Context, Normalised(h.Score, h.Context.Count - prompt.Length), h.Text.Text, FinishReason.Length));
            }
            var best = finished.MaxBy(f => f.Score) ?? throw new InvalidOperationException("Beam search found no continuation: every token was banned.");
            return new GenerationResult(best.Text, best.Context.Skip(prompt.Length).ToArray(), prompt.Length, best.Reason, truncated);
        }
        finally
        {
            state?.Dispose();
        }
    }

    // Early stopping ends once enough hypotheses are finished; otherwise also when no live beam can
    // beat the worst of the best finished ones (log-probabilities only fall as a beam grows).
    private bool Done(List<Finished> finished, List<Hypothesis> live, int step)
    {
        if (finished.Count < options.NumBeams) return false;
        if (options.EarlyStopping) return true;
        double worstKept = finished.Select(f => f.Score).OrderDescending().ElementAt(options.NumBeams - 1);
        double bestLive = live.Max(h => h.Score);
        return options.LengthPenalty <= 0 ? Normalised(bestLive, step) <= worstKept : Normalised(bestLive, options.MaxNewTokens) <= worstKept;
    }

    private TextAccumulator NewText() => new(generator.Tokenizer, options.StopSequences);

    private TextAccumulator Replay(List<long> context)
    {
        var text = NewText();
        for (int i = prompt.Length; i < context.Count && !text.Stopped; i++) text.Add(context[i]);
        return text;
    }

    private float[] Prefill(List<Hypothesis> live, ref DecodingState? state)
    {
        state?.Dispose();
        state = null;
        (var logits, state) = generator.Prefill(live.Select(h => h.Context).ToArray());
        return logits;
    }

    private float[] Continue(List<Hypothesis> live, List<long> parentRows, ref DecodingState? state)
    {
        if (!options.UseKvCache || state is null || state.IsFull) return Prefill(live, ref state);
        using (var scope = DisposeScope.Enter())
            state.Reorder(Tensor.FromArray(parentRows.ToArray(), parentRows.Count).To(generator.Device));
        return generator.DecodeNext(live.Select(h => h.Context).ToArray(), state);
    }

    private static double[] LogSoftmax(ReadOnlySpan<float> logits)
    {
        double max = double.NegativeInfinity;
        foreach (var x in logits) if (x > max) max = x;
        double sum = 0;
        foreach (var x in logits) sum += float.IsFinite(x) ? Math.Exp(x - max) : 0;
        double log = max + Math.Log(sum);
        var result = new double[logits.Length];
        for (int i = 0; i < logits.Length; i++) result[i] = float.IsFinite(logits[i]) ? logits[i] - log : double.NegativeInfinity;
        return result;
    }

    private static IEnumerable<int> TopIndices(double[] values, int k) =>
        Enumerable.Range(0, values.Length).OrderByDescending(i => values[i]).ThenBy(i => i).Take(k);
}
