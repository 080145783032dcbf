using System.Text;
using Aigc.MLNet.Data;

namespace Aigc.MLNet.Transforms;

/// <summary>Normalises text: Unicode NFC, optional lower-casing, runs of whitespace collapsed to
/// one space and trimmed (unless kept).</summary>
public sealed class TextNormalizingTransformer(string inputColumn, string outputColumn, bool lowerCase = false, bool collapseWhitespace = true)
    : ColumnTransformer<string, string>(inputColumn, outputColumn)
{
    /// <inheritdoc />
    protected override string ExpectedInput => "Text";

    /// <inheritdoc />
    protected override DataViewType? OutputTypeFor(DataViewType inputType) => inputType is TextDataViewType ? inputType : null;

    /// <inheritdoc />
    protected override Func<string, string> MapperFor(DataViewType inputType) => Normalize;

    private string Normalize(string value)
    {
        var s = (value ?? string.Empty).Normalize(NormalizationForm.FormC);
        if (lowerCase) s = s.ToLowerInvariant();
        if (!collapseWhitespace) return s;
        var sb = new StringBuilder(s.Length);
        bool space = false;
        foreach (var ch in s)
        {
            if (char.IsWhiteSpace(ch))
            {
                space = sb.Length > 0;
                continue;
            }
            if (space) sb.Append(' ');
            space = false;
            sb.Append(ch);
        }
        return sb.ToString();
    }
}
