using Microsoft.ML.Tokenizers;

namespace Aigc.MLNet.Text;

/// <summary>The id-level view (<see cref="ITokenIds"/>) of any Microsoft.ML.Tokenizers <see cref="Tokenizer"/>.</summary>
internal static class TokenIds
{
    /// <summary>GPT-2's end-of-text token, the one special token generation looks for.</summary>
    public const string EndOfText = "<|endoftext|>";

    /// <summary>Our tokenizers as they are; any other through an adapter, with the vocabulary size read
    /// from the tokenizer where its type exposes it, else <paramref name="vocabularySize"/>.</summary>
    /// <exception cref="ArgumentException">The size cannot be read and none was given.</exception>
    public static ITokenIds For(Tokenizer tokenizer, int? vocabularySize = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        if (tokenizer is ITokenIds ours) return ours;
        var special = SpecialTokens(tokenizer);
        int size = vocabularySize ?? KnownSize(tokenizer, special)
            ?? throw new ArgumentException($"The vocabulary size of a {tokenizer.GetType().Name} cannot be read from it; set CausalLMOptions.VocabularySize.", nameof(vocabularySize));
        return new Adapter(tokenizer, size, special is not null && special.TryGetValue(EndOfText, out var eot) ? eot : null);
    }

    private static IReadOnlyDictionary<string, int>? SpecialTokens(Tokenizer tokenizer) => tokenizer switch
    {
        TiktokenTokenizer t => t.SpecialTokens,
        BpeTokenizer b => b.SpecialTokens,
        _ => null,
    };

    private static int? KnownSize(Tokenizer tokenizer, IReadOnlyDictionary<string, int>? special)
    {
        int specialMax = special is null || special.Count == 0 ? -1 : special.Values.Max();
        return tokenizer switch
        {
            BpeTokenizer b => Math.Max(b.Vocabulary.Values.Max(), specialMax) + 1,
            TiktokenTokenizer t when TiktokenModels.NameOf(t) is { } name => TiktokenModels.VocabularySize(name),
            _ => null,
        };
    }

    private sealed class Adapter(Tokenizer tokenizer, int size, long? endOfText) : ITokenIds
    {
        public int VocabularySize => size;

        public long? EndOfTextId => endOfText;

        public long[] Encode(string text) => Checked(tokenizer.EncodeToIds(text));

        // Microsoft's tokenizers turn special-token text into its id themselves.
        public long[] EncodePrompt(string text) => Encode(text);

        public string Decode(ReadOnlySpan<long> ids) => tokenizer.Decode(ids.ToArray().Select(i => checked((int)i)));

        private long[] Checked(IReadOnlyList<int> ids)
        {
            var result = new long[ids.Count];
            for (int i = 0; i < result.Length; i++)
                result[i] = ids[i] < size ? ids[i] : throw new ArgumentException($"The tokenizer produced id {ids[i]}, outside the vocabulary size {size}.", "text");
            return result;
        }
    }
}
