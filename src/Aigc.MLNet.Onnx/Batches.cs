namespace Aigc.MLNet.Onnx;

/// <summary>Runs a graph over many rows in slices, so memory stays bounded whatever the count,
/// checking for cancellation between slices.</summary>
internal static class Batches
{
    /// <summary>Rows per run (the libtorch path uses the same).</summary>
    public const int Rows = 256;

    /// <summary>Calls <paramref name="run"/>(start, rows) for consecutive slices and joins each of its
    /// outputs; output k has <paramref name="sizes"/>[k] values per row.</summary>
    public static float[][] Map(int count, int[] sizes, CancellationToken cancellation, Func<int, int, float[][]> run)
    {
        var results = sizes.Select(s => new float[(long)count * s]).ToArray();
        for (int start = 0; start < count; start += Rows)
        {
            cancellation.ThrowIfCancellationRequested();
            int rows = Math.Min(Rows, count - start);
            var parts = run(start, rows);
            for (int k = 0; k < sizes.Length; k++) parts[k].CopyTo(results[k], (long)start * sizes[k]);
        }
        return results;
    }

    /// <summary>Rows [start, start + rows) of a row-major array with <paramref name="size"/> values per row.</summary>
    public static T[] Slice<T>(T[] values, int start, int rows, int size) => values.AsSpan(start * size, rows * size).ToArray();
}
