using System.Reflection;

namespace Aigc.MLNet.Data;

/// <summary>Reads whole rows of a cursor as boxed values, for operations that buffer rows
/// (shuffle pools, caching, enumerables). Arrays are copied so buffered rows never share storage.</summary>
internal sealed class RowReader
{
    private static readonly MethodInfo MakeReaderMethod = typeof(RowReader).GetMethod(nameof(MakeReader), BindingFlags.NonPublic | BindingFlags.Static)!;
    private readonly Func<object?>[] _readers;

    public RowReader(DataViewRowCursor cursor, IReadOnlyList<DataViewSchema.Column> columns) =>
        _readers = columns.Select(c => (Func<object?>)MakeReaderMethod.MakeGenericMethod(c.Type.RawType).Invoke(null, [cursor, c])!).ToArray();

    public object?[] Read()
    {
        var row = new object?[_readers.Length];
        for (int i = 0; i < row.Length; i++) row[i] = _readers[i]();
        return row;
    }

    private static Func<object?> MakeReader<T>(DataViewRowCursor cursor, DataViewSchema.Column column)
    {
        var getter = cursor.GetGetter<T>(column);
        return () =>
        {
            T value = default!;
            getter(ref value);
            return value is Array a ? a.Clone() : value;
        };
    }
}

/// <summary>A cursor over rows already read into memory (a shuffle pool's output, a cache).</summary>
internal sealed class BufferedRowCursor(DataViewSchema schema, IEnumerator<object?[]> rows, IDisposable? owner = null) : DataViewRowCursor
{
    public override DataViewSchema Schema => schema;

    public override bool MoveNext()
    {
        if (!rows.MoveNext()) return false;
        Position++;
        return true;
    }

    public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
    {
        CheckType<T>(column);
        return (ref T value) => value = (T)rows.Current[column.Index]!;
    }

    public override void Dispose()
    {
        rows.Dispose();
        owner?.Dispose();
        base.Dispose();
    }
}
