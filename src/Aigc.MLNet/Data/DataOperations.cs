namespace Aigc.MLNet.Data;

/// <summary>Rows in a random order. Views that can shuffle (in memory) are permuted fully; streaming
/// views are shuffled through a pool of <c>poolSize</c> rows, as ML.NET's ShuffleRows does.</summary>
internal sealed class ShuffledDataView(IDataView source, int seed, int poolSize) : IDataView
{
    public DataViewSchema Schema => source.Schema;

    public bool CanShuffle => true;

    public long? GetRowCount() => source.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        rand ??= new Random(seed);
        if (source.CanShuffle) return source.GetRowCursor(columnsNeeded, rand);
        var inner = source.GetRowCursor(Schema, null);
        return new BufferedRowCursor(Schema, Pool(inner, rand), inner);
    }

    private IEnumerator<object?[]> Pool(DataViewRowCursor inner, Random rand)
    {
        var reader = new RowReader(inner, Schema);
        var pool = new List<object?[]>(poolSize);
        while (inner.MoveNext())
        {
            pool.Add(reader.Read());
            if (pool.Count < poolSize) continue;
            int i = rand.Next(pool.Count);
            yield return pool[i];
            pool[i] = pool[^1];
            pool.RemoveAt(pool.Count - 1);
        }
        rand.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(pool));
        foreach (var row in pool) yield return row;
    }
}

/// <summary>Rows whose source position passes a predicate (the source is read in its own order,
/// so the selection is stable).</summary>
internal sealed class FilteredDataView(IDataView source, Func<long, bool> keep) : IDataView
{
    public DataViewSchema Schema => source.Schema;

    public bool CanShuffle => false;

    public long? GetRowCount() => null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new Cursor(source.GetRowCursor(columnsNeeded, null), keep);

    private sealed class Cursor(DataViewRowCursor inner, Func<long, bool> keep) : DataViewRowCursor
    {
        public override DataViewSchema Schema => inner.Schema;

        public override bool MoveNext()
        {
            while (inner.MoveNext())
            {
                if (!keep(inner.Position)) continue;
                Position++;
                return true;
            }
            return false;
        }

        public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column) => inner.GetGetter<T>(column);

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }
}

/// <summary>Seeded, order-independent assignment of row positions to the test split.</summary>
internal static class SplitHash
{
    /// <summary>A uniform value in [0, 1) from (seed, position), by the SplitMix64 finaliser.</summary>
    public static double Unit(int seed, long position)
    {
        ulong z = unchecked((ulong)position + 0x9E3779B97F4A7C15UL * (ulong)(uint)seed + 0x9E3779B97F4A7C15UL);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBUL);
        z ^= z >> 31;
        return (z >> 11) * (1.0 / (1UL << 53));
    }
}
