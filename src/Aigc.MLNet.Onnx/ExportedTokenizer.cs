using System.Globalization;
using System.Text.Json;
using Aigc.MLNet.Text;
using Microsoft.ML.Tokenizers;
using Files = Aigc.MLNet.Onnx.OnnxContract.LanguageModel;

namespace Aigc.MLNet.Onnx;

/// <summary>
/// The tokenizer an exported language model was trained with, rebuilt from the files beside it:
/// a character vocabulary (code points; id = index), a byte-level BPE (GPT-2's encoder.json and
/// vocab.bpe, read by Microsoft.ML.Tokenizers' BpeTokenizer with GPT-2's pre-tokenizer, which gives
/// our tokenizer's ids), or GPT-2's Tiktoken vocabulary by name.
/// </summary>
internal static class ExportedTokenizer
{
    public static ITokenIds Load(string directory)
    {
        var manifest = Path.Combine(directory, Files.Manifest);
        using var doc = Json(manifest);
        string kind = doc.RootElement.TryGetProperty("tokenizer", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString()!
            : throw new InvalidDataException($"'{manifest}' does not say which tokenizer the model uses (\"tokenizer\").");
        switch (kind)
        {
            case "char":
                var vocabulary = Path.Combine(directory, Files.CharVocabulary);
                using (var points = Json(vocabulary))
                {
                    try
                    {
                        return new CodePoints(points.RootElement.EnumerateArray().Select(e => e.GetInt32()).ToArray(), vocabulary);
                    }
                    catch (Exception e) when (e is InvalidOperationException or FormatException)
                    {
                        throw new InvalidDataException($"'{vocabulary}' is not a list of code points.", e);
                    }
                }
            case "bpe":
                string encoder = Path.Combine(directory, "encoder.json"), merges = Path.Combine(directory, "vocab.bpe");
                foreach (var f in new[] { encoder, merges })
                    if (!File.Exists(f)) throw new FileNotFoundException($"The BPE model's vocabulary file '{f}' is missing.", f);
                var options = new BpeOptions(encoder, merges) { ByteLevel = true, PreTokenizer = TiktokenModels.Create("gpt2").PreTokenizer };
                using (var vocab = Json(encoder))
                    if (vocab.RootElement.TryGetProperty(TokenIds.EndOfText, out var eot))
                        options.SpecialTokens = new Dictionary<string, int> { [TokenIds.EndOfText] = eot.GetInt32() };
                return TokenIds.For(BpeTokenizer.Create(options));
            case "tiktoken":
                var name = doc.RootElement.TryGetProperty("tiktokenModel", out var n) ? n.GetString() ?? "" : "";
                return TokenIds.For(TiktokenModels.Create(name));
            default:
                throw new InvalidDataException($"'{manifest}' names an unknown tokenizer kind '{kind}'.");
        }
    }

    private static JsonDocument Json(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"'{path}' is missing: the folder is not a complete language-model export.", path);
        try
        {
            return JsonDocument.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>A character vocabulary: each code point one token.</summary>
    private sealed class CodePoints : ITokenIds
    {
        private readonly int[] _points;
        private readonly Dictionary<int, long> _ids = [];

        public CodePoints(int[] points, string path)
        {
            _points = points;
            for (int i = 0; i < points.Length; i++)
                if (points[i] is < 0 or > 0x10FFFF || (points[i] is >= 0xD800 and <= 0xDFFF) || !_ids.TryAdd(points[i], i))
                    throw new InvalidDataException($"'{path}' holds an invalid or repeated code point {points[i]} at position {i}.");
        }

        public int VocabularySize => _points.Length;

        public long? EndOfTextId => null;

        public TokenText Streaming => TokenText.Characters;

        public long[] Encode(string text)
        {
            ArgumentNullException.ThrowIfNull(text);
            var ids = new List<long>(text.Length);
            int index = 0;
            foreach (var rune in text.EnumerateRunes())
            {
                ids.Add(_ids.TryGetValue(rune.Value, out var id) ? id
                    : throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                        $"Character '{rune}' (U+{rune.Value:X4}) at index {index} is not in the model's vocabulary."), nameof(text)));
                index += rune.Utf16SequenceLength;
            }
            return [.. ids];
        }

        public long[] EncodePrompt(string text) => Encode(text);

        public string Decode(ReadOnlySpan<long> ids)
        {
            var sb = new System.Text.StringBuilder(ids.Length);
            foreach (var id in ids)
                sb.Append(char.ConvertFromUtf32(id >= 0 && id < _points.Length ? _points[id]
                    : throw new ArgumentOutOfRangeException(nameof(ids), id, $"Ids must be in [0, {_points.Length}).")));
            return sb.ToString();
        }
    }
}
