using System.Buffers;
using Microsoft.ML.Tokenizers;

namespace Aigc.MLNet.Text;

/// <summary>The parts of Microsoft.ML.Tokenizers' <see cref="Tokenizer"/> contract that our
/// tokenizers share: token-count limits and decoding into a caller's span.</summary>
internal static class TokenizerContract
{
    /// <summary>The tokens of a text of <paramref name="textLength"/> chars, cut at <see cref="EncodeSettings.MaxTokenCount"/>.</summary>
    public static EncodeResults<EncodedToken> Results(IReadOnlyList<EncodedToken> tokens, int textLength, EncodeSettings settings)
    {
        int max = settings.MaxTokenCount;
        if (max <= 0) throw new ArgumentOutOfRangeException(nameof(settings), max, "MaxTokenCount must be positive.");
        if (tokens.Count <= max)
            return new EncodeResults<EncodedToken> { Tokens = tokens, CharsConsumed = textLength };
        var kept = tokens.Take(max).ToList();
        return new EncodeResults<EncodedToken> { Tokens = kept, CharsConsumed = kept[^1].Offset.End.Value };
    }

    /// <summary>The ids of the tokens, cut the same way.</summary>
    public static EncodeResults<int> Ids(EncodeResults<EncodedToken> tokens) =>
        new() { Tokens = tokens.Tokens.Select(t => t.Id).ToList(), CharsConsumed = tokens.CharsConsumed };

    /// <summary>Writes whole tokens' text into <paramref name="destination"/> while they fit.</summary>
    public static OperationStatus Decode(IEnumerable<int> ids, Func<int, string> tokenText, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        idsConsumed = 0;
        charsWritten = 0;
        foreach (var id in ids)
        {
            var text = tokenText(id);
            if (text.Length > destination.Length - charsWritten) return OperationStatus.DestinationTooSmall;
            text.CopyTo(destination[charsWritten..]);
            charsWritten += text.Length;
            idsConsumed++;
        }
        return OperationStatus.Done;
    }

    /// <summary>Checks an id against the vocabulary size.</summary>
    public static long CheckId(long id, int vocabularySize, string paramName) =>
        id >= 0 && id < vocabularySize ? id
            : throw new ArgumentOutOfRangeException(paramName, id, $"Token id {id} is not in the vocabulary (size {vocabularySize}).");
}
