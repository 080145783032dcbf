namespace Aigc.MLNet.Onnx;

/// <summary>Runs a graph over many rows in slices, so ONNX Runtime's working memory stays bounded
/// whatever the count, checking for cancellation between slices.</summary>
internal static class Batches
{
    /// <summary>Rows per run (the libtorch path uses the same).</summary>
    public const int SliceRows = 256;

    /// <summary>Calls <paramref name="run"/>(start, rows) for consecutive slices of <paramref name="count"/> rows.</summary>
    public static void ForEach(int count, CancellationToken cancellation, Action<int, int> run)
    {
        for (int start = 0; start < count; start += SliceRows)
        {
            cancellation.ThrowIfCancellationRequested();
            run(start, Math.Min(SliceRows, count - start));
        }
    }

    /// <summary>Rows [start, start + rows) of a row-major array with <paramref name="size"/> values per row, in place.</summary>
    public static Memory<T> Rows<T>(T[] values, int start, int rows, int size) => values.AsMemory(start * size, rows * size);
}
