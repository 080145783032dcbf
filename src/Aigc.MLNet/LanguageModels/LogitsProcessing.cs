namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// The per-token arithmetic of decoding, on one row of logits in host memory: penalties, the n-gram
/// ban, and the choice of the next token (argmax, or sampling after temperature, top-k, min-p and
/// top-p). Kept in C# so that a seed gives the same text on any device and thread.
/// </summary>
internal static class LogitsProcessing
{
    /// <summary>Applies the repetition, frequency and presence penalties and the n-gram ban in place.</summary>
    /// <param name="logits">One row of next-token logits.</param>
    /// <param name="context">Prompt and output tokens so far (repetition penalty and n-gram ban).</param>
    /// <param name="outputStart">Where the output begins in <paramref name="context"/> (frequency and presence penalties count output tokens only).</param>
    /// <param name="options">The settings.</param>
    public static void ApplyPenalties(Span<float> logits, IReadOnlyList<long> context, int outputStart, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        if (options.RepetitionPenalty != 1.0)
        {
            var seen = new HashSet<long>();
            float p = (float)options.RepetitionPenalty;
            foreach (var id in context)
                if ((ulong)id < (ulong)logits.Length && seen.Add(id))
                    logits[(int)id] = logits[(int)id] < 0 ? logits[(int)id] * p : logits[(int)id] / p;
        }
        if (options.FrequencyPenalty != 0 || options.PresencePenalty != 0)
        {
            var counts = new Dictionary<long, int>();
            for (int i = outputStart; i < context.Count; i++) counts[context[i]] = counts.GetValueOrDefault(context[i]) + 1;
            foreach (var (id, n) in counts)
                if ((ulong)id < (ulong)logits.Length)
                    logits[(int)id] -= (float)(options.FrequencyPenalty * n + options.PresencePenalty);
        }
        if (options.NoRepeatNGramSize > 0) BanRepeatedNGrams(logits, context, options.NoRepeatNGramSize);
    }

    /// <summary>Sets to −∞ every token that would complete an n-gram already in <paramref name="context"/>.</summary>
    public static void BanRepeatedNGrams(Span<float> logits, IReadOnlyList<long> context, int n)
    {
        if (n < 1 || context.Count < n) return;
        int prefix = n - 1, start = context.Count - prefix;
        for (int i = 0; i + n <= context.Count; i++)
        {
            bool match = true;
            for (int j = 0; j < prefix && match; j++) match = context[i + j] == context[start + j];
            long banned = context[i + prefix];
            if (match && (ulong)banned < (ulong)logits.Length) logits[(int)banned] = float.NegativeInfinity;
        }
    }

    /// <summary>The index of the largest logit (the first one on ties).</summary>
    public static int ArgMax(ReadOnlySpan<float> logits)
    {
        int best = 0;
        for (int i = 1; i < logits.Length; i++)
            if (logits[i] > logits[best]) best = i;
        return best;
    }

    /// <summary>Picks the next token: argmax when the options are greedy, otherwise a draw from the
    /// distribution left after temperature, top-k, min-p and top-p. <paramref name="logits"/> is overwritten.</summary>
    /// <exception cref="InvalidOperationException">Every token was banned (all logits are −∞ or NaN).</exception>
    public static int Choose(Span<float> logits, GenerationOptions options, Random random)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(random);
        int argmax = ArgMax(logits);
        if (!float.IsFinite(logits[argmax]))
            throw new InvalidOperationException("No token is allowed: every logit is -infinity or NaN (check the penalties and the n-gram ban).");
        if (options.IsGreedy) return argmax;
        var probs = Probabilities(logits, options);
        double u = random.NextDouble(), total = 0;
        for (int i = 0; i < probs.Length; i++) total += probs[i];
        u *= total;
        double cumulative = 0;
        int last = argmax;
        for (int i = 0; i < probs.Length; i++)
        {
            if (probs[i] <= 0) continue;
            cumulative += probs[i];
            last = i;
            if (u < cumulative) return i;
        }
        return last;
    }

    /// <summary>The sampling distribution of one row after temperature, top-k, min-p and top-p
    /// (unnormalised where tokens were cut: entries are 0 for removed tokens).</summary>
    public static double[] Probabilities(ReadOnlySpan<float> logits, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int v = logits.Length;
        double t = options.Temperature, max = double.NegativeInfinity;
        for (int i = 0; i < v; i++) max = Math.Max(max, logits[i] / t);
        var p = new double[v];
        double sum = 0;
        for (int i = 0; i < v; i++)
        {
            p[i] = float.IsFinite(logits[i]) ? Math.Exp(logits[i] / t - max) : 0;
            sum += p[i];
        }
        for (int i = 0; i < v; i++) p[i] /= sum;
        if (options.TopK > 0 && options.TopK < v || options.TopP < 1 || options.MinP > 0)
        {
            var order = Enumerable.Range(0, v).ToArray();
            Array.Sort(order, (a, b) => p[b].CompareTo(p[a]) is var c && c != 0 ? c : a.CompareTo(b));
            int keep = options.TopK > 0 ? Math.Min(options.TopK, v) : v;
            // Top-p counts probability within what top-k kept (renormalised), as Hugging Face does.
            double mass = 0;
            for (int r = 0; r < keep; r++) mass += p[order[r]];
            double floor = options.MinP * p[order[0]];
            double cumulative = 0;
            for (int r = 0; r < keep; r++)
            {
                if (p[order[r]] < floor) { keep = r; break; }
                cumulative += p[order[r]];
                if (cumulative >= options.TopP * mass) { keep = r + 1; break; }
            }
            keep = Math.Max(keep, 1);
            for (int r = keep; r < v; r++) p[order[r]] = 0;
        }
        return p;
    }
}
