using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Windows of a token stream as rows: row i holds tokens [i·stride, i·stride + length) in an Int64
/// vector column "Tokens". With stride 1 and a shuffled cursor, reading rows is drawing random
/// windows as nanoGPT's get_batch does (without replacement within an epoch). Windows are cut when
/// read, so a stride of 1 costs no memory beyond the stream.
/// </summary>
internal static class TokenWindows
{
    /// <summary>The column holding the windows.</summary>
    public const string ColumnName = "Tokens";

    /// <summary>The windows of <paramref name="tokens"/>.</summary>
    /// <exception cref="ArgumentException">The stream is shorter than one window.</exception>
    public static IDataView Create(long[] tokens, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (tokens.Length < length)
            throw new ArgumentException($"The text has {tokens.Length} tokens, fewer than one window of {length}; give more text or a shorter context.", nameof(tokens));
        long rows = (tokens.Length - length) / stride + 1;
        return new IndexedDataView(rows, [IndexedColumn.Of(ColumnName, new VectorDataViewType(NumberDataViewType.Int64, length),
            (long row, ref VBuffer<long> v) => ValueCopy.ToVBuffer<long>(tokens.AsSpan(checked((int)(row * stride)), length), ref v))]);
    }
}
