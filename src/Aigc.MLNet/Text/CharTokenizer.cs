using System.Buffers;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Aigc.MLNet.Text;

/// <summary>
/// One token per Unicode code point (a surrogate pair is one character), with a vocabulary built
/// from a corpus: ids follow the sorted code points, as nanoGPT's character-level models do.
/// A character outside the vocabulary is an error naming it and its position. A Microsoft.ML.Tokenizers
/// <see cref="Tokenizer"/>, so it works wherever ML.NET takes one.
/// </summary>
public sealed class CharTokenizer : Tokenizer, ITokenIds
{
    private readonly Dictionary<int, long> _ids;
    private readonly int[] _codePoints;

    private CharTokenizer(IEnumerable<int> codePoints)
    {
        _codePoints = codePoints.Distinct().Order().ToArray();
        if (_codePoints.Length == 0) throw new ArgumentException("The vocabulary is empty: the corpus has no characters.", nameof(codePoints));
        _ids = _codePoints.Select((c, i) => (c, (long)i)).ToDictionary(x => x.c, x => x.Item2);
    }

    /// <summary>Builds the vocabulary from every character of <paramref name="corpus"/>.</summary>
    public static CharTokenizer FromCorpus(IEnumerable<string> corpus)
    {
        ArgumentNullException.ThrowIfNull(corpus);
        return new(corpus.SelectMany(s => s.EnumerateRunes()).Select(r => r.Value));
    }

    /// <summary>How many distinct ids encoding can produce.</summary>
    public int VocabularySize => _codePoints.Length;

    long? ITokenIds.EndOfTextId => null;

    /// <summary>The vocabulary, in id order.</summary>
    public IReadOnlyList<string> Vocabulary => _codePoints.Select(c => char.ConvertFromUtf32(c)).ToArray();

    /// <summary>The ids of <paramref name="text"/>, one per character.</summary>
    /// <exception cref="ArgumentException">A character is not in the vocabulary (or is a lone surrogate).</exception>
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new long[text.Length];
        int n = 0, index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            ids[n++] = Id(rune, index);
            index += rune.Utf16SequenceLength;
        }
        return ids[..n];
    }

    private long Id(Rune rune, int index) => _ids.TryGetValue(rune.Value, out long id) ? id
        : throw new ArgumentException($"Character '{rune}' (U+{rune.Value:X4}) at index {index} is not in the {VocabularySize}-character vocabulary.", "text");

    long[] ITokenIds.EncodePrompt(string text) => Encode(text);

    TokenText ITokenIds.Streaming => TokenText.Characters;

    private List<EncodedToken> Tokens(ReadOnlySpan<char> text)
    {
        var tokens = new List<EncodedToken>(text.Length);
        int index = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            tokens.Add(new EncodedToken((int)Id(rune, index), rune.ToString(), new Range(index, index + rune.Utf16SequenceLength)));
            index += rune.Utf16SequenceLength;
        }
        return tokens;
    }

    /// <inheritdoc />
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var span = text is null ? textSpan : text.AsSpan();
        return TokenizerContract.Results(Tokens(span), span.Length, settings);
    }

    /// <inheritdoc />
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings) =>
        TokenizerContract.Ids(EncodeToTokens(text, textSpan, settings));

    /// <inheritdoc />
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten) =>
        TokenizerContract.Decode(ids, id => char.ConvertFromUtf32(_codePoints[TokenizerContract.CheckId(id, VocabularySize, nameof(ids))]),
            destination, out idsConsumed, out charsWritten);

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Decode(ids.Select(i => (long)i).ToArray());
    }

    /// <summary>The text of <paramref name="ids"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(ReadOnlySpan<long> ids)
    {
        var sb = new StringBuilder(ids.Length);
        foreach (var id in ids)
        {
            if (id < 0 || id >= _codePoints.Length)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary (size {VocabularySize}).");
            sb.Append(char.ConvertFromUtf32(_codePoints[id]));
        }
        return sb.ToString();
    }

    /// <summary>The vocabulary as JSON (an array of code points), for model files.</summary>
    public string ToJson() => JsonSerializer.Serialize(_codePoints);

    /// <summary>Reads what <see cref="ToJson"/> wrote.</summary>
    /// <exception cref="InvalidDataException">Malformed JSON or invalid code points.</exception>
    public static CharTokenizer FromJson(string json)
    {
        int[]? points;
        try
        {
            points = JsonSerializer.Deserialize<int[]>(json);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"Character vocabulary is malformed JSON ({e.Message}).", e);
        }
        if (points is null || points.Length == 0) throw new InvalidDataException("Character vocabulary is empty.");
        if (points.Any(p => !Rune.IsValid(p))) throw new InvalidDataException("Character vocabulary holds a value that is not a Unicode scalar value.");
        if (points.Distinct().Count() != points.Length) throw new InvalidDataException("Character vocabulary holds a character twice.");
        return new CharTokenizer(points);
    }
}
