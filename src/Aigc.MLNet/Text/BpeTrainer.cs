using System.Text;
using System.Text.Json;

namespace Aigc.MLNet.Text;

/// <summary>
/// Learns a byte-level BPE vocabulary from a corpus, in GPT-2's format: the 256 byte symbols, then
/// one token per merge — repeatedly the most frequent adjacent pair within pre-tokenized pieces (ties
/// broken by ordinal order of the pair, so training is deterministic) — then special tokens.
/// Pair counts are updated incrementally: a merge only revisits the pieces that contain its pair.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains a tokenizer with exactly <paramref name="vocabularySize"/> tokens (fewer only when
    /// the corpus runs out of pairs to merge).</summary>
    /// <param name="corpus">Documents to learn from.</param>
    /// <param name="vocabularySize">256 byte symbols + merges + special tokens.</param>
    /// <param name="specialTokens">Tokens given their own ids at the end (default: "&lt;|endoftext|&gt;").</param>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> corpus, int vocabularySize, IReadOnlyList<string>? specialTokens = null)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        specialTokens ??= [ByteLevelBpeTokenizer.EndOfText];
        int merges = vocabularySize - 256 - specialTokens.Count;
        if (merges < 0)
            throw new ArgumentOutOfRangeException(nameof(vocabularySize), vocabularySize, $"must be at least {256 + specialTokens.Count} (256 bytes + special tokens)");

        // Distinct pieces with their frequencies, each as a list of symbols.
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var doc in corpus)
            foreach (var (start, length) in Gpt2PreTokenizer.Split(doc))
            {
                var piece = string.Concat(Encoding.UTF8.GetBytes(doc.Substring(start, length)).Select(b => ByteLevel.ByteToChar[b]));
                counts[piece] = counts.GetValueOrDefault(piece) + 1;
            }
        var words = counts.Select(kv => (Symbols: kv.Key.Select(c => c.ToString()).ToList(), Count: kv.Value)).ToList();
        var pairCounts = new Dictionary<(string, string), long>();
        var pairWords = new Dictionary<(string, string), HashSet<int>>();
        for (int w = 0; w < words.Count; w++) Count(words[w].Symbols, words[w].Count, w, +1, pairCounts, pairWords);

        var mergeList = new List<(string, string)>();
        var tokens = new HashSet<string>(ByteLevel.ByteToChar.Select(c => c.ToString()), StringComparer.Ordinal);
        int wanted = 256 + merges; // two merges can make the same string; count distinct tokens
        while (tokens.Count < wanted)
        {
            (string, string) best = default;
            long bestCount = 0;
            foreach (var (pair, c) in pairCounts)
                if (c > bestCount || (c == bestCount && c > 0 && Compare(pair, best) < 0)) (best, bestCount) = (pair, c);
            if (bestCount == 0) break;
            mergeList.Add(best);
            tokens.Add(best.Item1 + best.Item2);
            foreach (int w in pairWords[best].ToList())
            {
                var (symbols, count) = words[w];
                Count(symbols, count, w, -1, pairCounts, pairWords);
                words[w] = (Merge(symbols, best), count);
                Count(words[w].Symbols, count, w, +1, pairCounts, pairWords);
            }
        }

        var encoder = new Dictionary<string, long>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++) encoder[ByteLevel.ByteToChar[b].ToString()] = b;
        foreach (var (a, b) in mergeList) encoder.TryAdd(a + b, encoder.Count);
        foreach (var s in specialTokens) encoder.TryAdd(s, encoder.Count);
        var vocab = "#version: 0.2\n" + string.Concat(mergeList.Select(m => $"{m.Item1} {m.Item2}\n"));
        return ByteLevelBpeTokenizer.FromContents(JsonSerializer.Serialize(encoder), vocab, "trained encoder", "trained merges");
    }

    private static int Compare((string, string) x, (string, string) y)
    {
        int c = string.CompareOrdinal(x.Item1, y.Item1);
        return c != 0 ? c : string.CompareOrdinal(x.Item2, y.Item2);
    }

    private static void Count(List<string> symbols, int count, int word, int sign,
        Dictionary<(string, string), long> pairCounts, Dictionary<(string, string), HashSet<int>> pairWords)
    {
        for (int i = 0; i + 1 < symbols.Count; i++)
        {
            var pair = (symbols[i], symbols[i + 1]);
            pairCounts[pair] = pairCounts.GetValueOrDefault(pair) + sign * count;
            if (sign > 0)
            {
                if (!pairWords.TryGetValue(pair, out var set)) pairWords[pair] = set = [];
                set.Add(word);
            }
            else if (pairCounts[pair] == 0)
            {
                pairCounts.Remove(pair);
                pairWords.Remove(pair);
            }
        }
    }

    private static List<string> Merge(List<string> symbols, (string, string) pair)
    {
        var merged = new List<string>(symbols.Count);
        for (int i = 0; i < symbols.Count; i++)
        {
            if (i + 1 < symbols.Count && symbols[i] == pair.Item1 && symbols[i + 1] == pair.Item2)
            {
                merged.Add(pair.Item1 + pair.Item2);
                i++;
            }
            else merged.Add(symbols[i]);
        }
        return merged;
    }
}
