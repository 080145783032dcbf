using Aigc.MLNet.LanguageModels;
using Aigc.MLNet.Text;
using Names = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// Generation from an exported LSTM on ONNX Runtime: the prompt runs once from a zero state, then
/// each chosen token runs with the state the previous call returned. Tokens are chosen greedily or
/// sampled (repetition penalty, temperature, top-k, top-p) with a seeded .NET generator, so sampled
/// text is reproducible here but differs from the libtorch generator's draws; greedy text is the same.
/// </summary>
internal sealed class LstmDecoder : IDisposable
{
    private readonly OnnxModelSession _session;
    private readonly int _layers, _hidden, _vocabulary;

    private LstmDecoder(OnnxModelSession session)
    {
        _session = session;
        var state = session.InputDims(Names.Hidden);   // (layers, batch, hidden)
        (_layers, _hidden) = (state[0], state[2]);
        _vocabulary = session.OutputDims(Names.Logits)[2];
    }

    /// <summary>Opens an exported LSTM's model.onnx, checking its metadata.</summary>
    public static LstmDecoder Open(string path) => OnnxModelSession.Open(path, "causal-lm", "lstm", null, session => new LstmDecoder(session));

    public IEnumerable<(string Piece, OnnxGenerationResult? Final)> Run(long[] prompt, int budget, bool truncated, OnnxGenerationOptions options,
        ITokenIds tokenizer, CancellationToken cancellationToken)
    {
        if (options.NumBeams > 1 || options.NoRepeatNGramSize > 0)
            throw new NotSupportedException("The LSTM's ONNX generator has no beam search or no-repeat n-grams; generate from the model file for those.");
        var random = new Random(options.Seed ?? 0);
        var text = new TextAccumulator(tokenizer, options.StopSequences);
        var generated = new List<long>();
        var seen = new HashSet<long>(prompt);
        var reason = OnnxFinishReason.Length;
        var (hidden, cell) = (new float[_layers * _hidden], new float[_layers * _hidden]);
        var logits = Step(prompt, ref hidden, ref cell);
        for (int i = 0; i < budget; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            long next = Choose(logits, options, seen, random);
            if (next == tokenizer.EndOfTextId) { reason = OnnxFinishReason.EndOfText; break; }
            generated.Add(next);
            seen.Add(next);
            if (text.Add(next)) { reason = OnnxFinishReason.StopSequence; break; }
            yield return (text.TakeReady(), null);
            if (i + 1 < budget) logits = Step([next], ref hidden, ref cell);
        }
        text.Flush();
        yield return (text.TakeReady(final: true), new OnnxGenerationResult(text.Text, generated, prompt.Length, reason, truncated));
    }

    // Runs tokens from the state; returns the last position's logits and leaves the new state.
    private float[] Step(long[] tokens, ref float[] hidden, ref float[] cell)
    {
        int t = tokens.Length;
        var all = new float[t * _vocabulary];
        var (nextHidden, nextCell) = (new float[hidden.Length], new float[cell.Length]);
        long[] state = [_layers, 1, _hidden];
        _session.Run(
            [OnnxInput.Of(Names.InputIds, tokens.AsMemory(), 1, t), OnnxInput.Of(Names.Hidden, hidden.AsMemory(), state), OnnxInput.Of(Names.Cell, cell.AsMemory(), state)],
            [new OnnxOutput(Names.Logits, all, [1, t, _vocabulary]), new OnnxOutput(Names.HiddenOut, nextHidden, state), new OnnxOutput(Names.CellOut, nextCell, state)]);
        (hidden, cell) = (nextHidden, nextCell);
        return all[((t - 1) * _vocabulary)..];
    }

    private static long Choose(float[] logits, OnnxGenerationOptions o, HashSet<long> seen, Random random)
    {
        var scores = (float[])logits.Clone();
        if (o.RepetitionPenalty != 1.0)
            foreach (var id in seen)
                scores[id] = scores[id] > 0 ? (float)(scores[id] / o.RepetitionPenalty) : (float)(scores[id] * o.RepetitionPenalty);
        if (!o.DoSample) return ArgMax(scores);
        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ToArray();
        int keep = o.TopK > 0 ? Math.Min(o.TopK, order.Length) : order.Length;
        double max = scores[order[0]];
        var weights = order.Take(keep).Select(i => Math.Exp((scores[i] - max) / o.Temperature)).ToArray();
        double total = weights.Sum(), mass = 0;
        int kept = 0;
        while (kept < weights.Length && (kept == 0 || mass < o.TopP * total)) mass += weights[kept++];
        double draw = random.NextDouble() * mass;
        for (int i = 0; i < kept; i++)
            if ((draw -= weights[i]) <= 0) return order[i];
        return order[kept - 1];
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return best;
    }

    public void Dispose() => _session.Dispose();
}
