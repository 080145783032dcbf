// Also compiled into Aigc.MLNet.Onnx, whose language model streams text the same way.
namespace Aigc.MLNet.Text;

/// <summary>
/// The id-level view of a tokenizer that language models train and generate with: Int64 ids (what
/// tensors hold), the vocabulary size (the embedding's rows), the end-of-text id, and prompt encoding
/// that turns a special token's text into its id. Our tokenizers implement it directly;
/// <see cref="TokenIds.For"/> wraps any other Microsoft.ML.Tokenizers <c>Tokenizer</c>.
/// </summary>
internal interface ITokenIds
{
    /// <summary>How many distinct ids encoding can produce.</summary>
    int VocabularySize { get; }

    /// <summary>The end-of-text id, when the vocabulary has one.</summary>
    long? EndOfTextId { get; }

    /// <summary>The ids of training text (special-token text is ordinary text).</summary>
    /// <exception cref="ArgumentException">The text holds something the tokenizer cannot encode; the message says what and where.</exception>
    long[] Encode(string text);

    /// <summary>The ids of a prompt: special-token text becomes its id.</summary>
    long[] EncodePrompt(string text);

    /// <summary>The text of <paramref name="ids"/>.</summary>
    string Decode(ReadOnlySpan<long> ids);

    /// <summary>How generated ids become text token by token: a byte-level tokenizer gives each
    /// token's bytes (a character may span tokens), a character tokenizer one whole character per
    /// token; any other is re-decoded whole.</summary>
    TokenText Streaming => TokenText.Redecode;

    /// <summary>The UTF-8 bytes of <paramref name="ids"/>, for <see cref="TokenText.Bytes"/> tokenizers.</summary>
    byte[] DecodeBytes(ReadOnlySpan<long> ids) => throw new NotSupportedException("This tokenizer does not decode to bytes.");
}

/// <summary>See <see cref="ITokenIds.Streaming"/>.</summary>
internal enum TokenText
{
    Redecode,
    Bytes,
    Characters,
}
