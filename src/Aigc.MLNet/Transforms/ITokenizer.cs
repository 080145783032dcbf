namespace Aigc.MLNet.Transforms;

/// <summary>Turns text into token ids and back. The language-model family supplies the char-level
/// and GPT-2 byte-level BPE tokenizers; language models take any implementation.</summary>
public interface ITokenizer
{
    /// <summary>How many distinct ids <see cref="Encode"/> can produce.</summary>
    int VocabularySize { get; }

    /// <summary>The ids of <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException">The text holds something the tokenizer cannot encode
    /// (e.g. a character outside a char-level vocabulary); the message says what and where.</exception>
    long[] Encode(string text);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(ReadOnlySpan<long> ids);
}
