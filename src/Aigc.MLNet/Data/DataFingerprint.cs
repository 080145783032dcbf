using System.Security.Cryptography;
using System.Text;

namespace Aigc.MLNet.Data;

/// <summary>A short, order-independent fingerprint of a view's contents: SHA-256 over the schema,
/// the row count and the sum of per-row FNV-1a hashes of the chosen columns. The same rows in any
/// order give the same fingerprint; one changed value gives another.</summary>
public static class DataFingerprint
{
    /// <summary>Reads every row once and returns "rows:HEX".</summary>
    public static string Compute(IDataView view, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(view);
        var cols = (columns.Length == 0 ? view.Schema : columns.Select(c => view.Schema[c])).ToList();
        using var cursor = view.GetRowCursor(cols);
        var reader = new RowReader(cursor, cols);
        ulong sum = 0;
        long rows = 0;
        while (cursor.MoveNext())
        {
            ulong h = 14695981039346656037UL;
            foreach (var value in reader.Read()) h = Mix(h, value);
            sum = unchecked(sum + h);
            rows++;
        }
        var text = $"{string.Join(";", cols.Select(c => c.ToString()))}|{rows}|{sum}";
        return $"{rows}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant()}";
    }

    private static ulong Mix(ulong h, object? value)
    {
        ReadOnlySpan<byte> bytes = value switch
        {
            float[] f => System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.AsSpan()),
            byte[] b => b,
            long[] l => System.Runtime.InteropServices.MemoryMarshal.AsBytes(l.AsSpan()),
            string s => Encoding.UTF8.GetBytes(s),
            null => [],
            _ => Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
        };
        foreach (var b in bytes) h = unchecked((h ^ b) * 1099511628211UL);
        return unchecked((h ^ 0xFF) * 1099511628211UL); // column separator
    }
}
