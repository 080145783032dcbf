using System.Globalization;
using System.Text;

namespace Aigc.MLNet.Text;

/// <summary>
/// Splits text the way GPT-2's pattern does:
/// <c>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</c>
/// with JavaScript's Unicode semantics (the reference encoder's): classes apply to code points
/// (letters outside the BMP are letters), <c>\s</c> is JavaScript's whitespace set, and at each
/// position the first alternative that matches wins.
/// </summary>
internal static class Gpt2PreTokenizer
{
    private static readonly string[] Contractions = ["s", "t", "re", "ve", "m", "ll", "d"];

    public static IEnumerable<(int Start, int Length)> Split(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            int end = Match(text, i);
            yield return (i, end - i);
            i = end;
        }
    }

    private enum Kind { Letter, Number, Space, Other }

    private static (Kind Kind, int Width) At(string s, int i)
    {
        if (Rune.TryGetRuneAt(s, i, out var r))
        {
            var kind = IsJsSpace(r.Value) ? Kind.Space
                : Rune.GetUnicodeCategory(r) switch
                {
                    UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                        or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter => Kind.Letter,
                    UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber => Kind.Number,
                    _ => Kind.Other,
                };
            return (kind, r.Utf16SequenceLength);
        }
        return (Kind.Other, 1); // a lone surrogate: not space, letter or number
    }

    // JavaScript's \s: WhiteSpace and LineTerminator code points.
    private static bool IsJsSpace(int c) => c is '\t' or '\n' or '\v' or '\f' or '\r' or ' ' or 0xA0 or 0x1680
        or (>= 0x2000 and <= 0x200A) or 0x2028 or 0x2029 or 0x202F or 0x205F or 0x3000 or 0xFEFF;

    private static int Run(string s, int i, Kind kind)
    {
        while (i < s.Length)
        {
            var (k, w) = At(s, i);
            if (k != kind) break;
            i += w;
        }
        return i;
    }

    private static int Match(string s, int i)
    {
        // 's 't 're 've 'm 'll 'd
        if (s[i] == '\'')
            foreach (var c in Contractions)
                if (string.CompareOrdinal(s, i + 1, c, 0, c.Length) == 0) return i + 1 + c.Length;
        // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": one optional space, then a run of one class.
        int j = s[i] == ' ' && i + 1 < s.Length && At(s, i + 1).Kind != Kind.Space ? i + 1 : i;
        var kind = At(s, j).Kind;
        if (kind != Kind.Space) return Run(s, j, kind);
        // "\s+(?!\S)": a whitespace run, minus its last character when a non-space follows;
        // "\s+": a single whitespace character before a non-space.
        int end = Run(s, i, Kind.Space);
        return end == s.Length || end - i == 1 ? end : end - 1; // JavaScript's whitespace is all in the BMP
    }
}
