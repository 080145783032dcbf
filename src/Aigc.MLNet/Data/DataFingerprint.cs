using System.Reflection;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>A short, order-independent fingerprint of a view's contents: SHA-256 over the schema,
/// the row count and the sum of per-row FNV-1a hashes of the chosen columns. The same rows in any
/// order give the same fingerprint; one changed value gives another.</summary>
internal static class DataFingerprint
{
    private static readonly MethodInfo HasherMethod = typeof(DataFingerprint).GetMethod(nameof(Hasher), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Reads every row once and returns "rows:HEX".</summary>
    public static string Compute(IDataView view, params string[] columns)
    {
        ArgumentNullException.ThrowIfNull(view);
        var cols = (columns.Length == 0 ? view.Schema.Where(c => !c.IsHidden) : columns.Select(c => view.Schema[c])).ToList();
        using var cursor = view.GetRowCursor(cols);
        var hashers = cols.Select(c => (Func<ulong, ulong>)HasherMethod.MakeGenericMethod(c.Type.RawType).Invoke(null, [cursor, c])!).ToArray();
        ulong sum = 0;
        long rows = 0;
        while (cursor.MoveNext())
        {
            ulong h = 14695981039346656037UL;
            foreach (var hash in hashers) h = hash(h);
            sum = unchecked(sum + h);
            rows++;
        }
        var text = $"{string.Join(";", cols.Select(c => $"{c.Name}: {c.Type}"))}|{rows}|{sum}";
        return $"{rows}:{Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)))[..16].ToLowerInvariant()}";
    }

    private static Func<ulong, ulong> Hasher<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        T value = default!;
        return h =>
        {
            getter(ref value);
            return Mix(h, Bytes(value));
        };
    }

    private static ReadOnlySpan<byte> Bytes<T>(T value) => value switch
    {
        VBuffer<float> f => MemoryMarshal.AsBytes(f.DenseValues().ToArray().AsSpan()),
        VBuffer<byte> b => b.DenseValues().ToArray(),
        VBuffer<long> l => MemoryMarshal.AsBytes(l.DenseValues().ToArray().AsSpan()),
        ReadOnlyMemory<char> s => Encoding.UTF8.GetBytes(s.ToString()),
        null => [],
        _ => Encoding.UTF8.GetBytes(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""),
    };

    private static ulong Mix(ulong h, ReadOnlySpan<byte> bytes)
    {
        foreach (var b in bytes) h = unchecked((h ^ b) * 1099511628211UL);
        return unchecked((h ^ 0xFF) * 1099511628211UL); // column separator
    }
}
