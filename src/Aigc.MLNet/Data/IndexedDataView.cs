using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>Fills <paramref name="value"/> with row <paramref name="row"/>'s value of one column.</summary>
internal delegate void RowFill<T>(long row, ref T value);

/// <summary>One column of an <see cref="IndexedDataView"/>: how to read any row's value by index.</summary>
internal abstract class IndexedColumn(string name, DataViewType type)
{
    public string Name { get; } = name;

    public DataViewType Type { get; } = type;

    /// <summary>A getter reading the row that <paramref name="currentRow"/> names when called.</summary>
    public abstract Delegate MakeGetter(Func<long> currentRow);

    /// <summary>A column whose values <paramref name="fill"/> computes from the row index.</summary>
    public static IndexedColumn Of<T>(string name, DataViewType type, RowFill<T> fill) => new Typed<T>(name, type, fill);

    /// <summary>Scalars held in an array.</summary>
    public static IndexedColumn Scalars<T>(string name, DataViewType type, T[] values) =>
        Of(name, type, (long row, ref T v) => v = values[row]);

    /// <summary>Fixed-size vectors held back to back in one array.</summary>
    public static IndexedColumn Vectors<T>(string name, VectorDataViewType type, T[] flat)
    {
        int size = type.Size;
        return Of(name, type, (long row, ref VBuffer<T> v) => ValueCopy.ToVBuffer<T>(flat.AsSpan(checked((int)(row * size)), size), ref v));
    }

    /// <summary>Text held in an array.</summary>
    public static IndexedColumn Texts(string name, IReadOnlyList<string> values) =>
        Of(name, TextDataViewType.Instance, (long row, ref ReadOnlyMemory<char> v) => v = values[checked((int)row)].AsMemory());

    private sealed class Typed<T>(string name, DataViewType type, RowFill<T> fill) : IndexedColumn(name, type)
    {
        public override Delegate MakeGetter(Func<long> currentRow) => (ValueGetter<T>)((ref T value) =>
        {
            long row = currentRow();
            if (row < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
            fill(row, ref value);
        });
    }
}

/// <summary>
/// A view whose rows are addressed by index: in-memory data sets and files read on demand (IDX, image
/// folders, token windows). It can shuffle: a cursor given a <see cref="Random"/> visits the rows in a
/// random permutation drawn from it.
/// </summary>
internal sealed class IndexedDataView : IDataView
{
    private readonly IndexedColumn[] _columns;
    private readonly long _rows;

    /// <summary>Creates the view over <paramref name="rows"/> rows.</summary>
    public IndexedDataView(long rows, IReadOnlyList<IndexedColumn> columns, IReadOnlyDictionary<string, DataViewSchema.Annotations>? annotations = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        _rows = rows;
        _columns = [.. columns];
        var builder = new DataViewSchema.Builder();
        foreach (var c in _columns)
            builder.AddColumn(c.Name, c.Type, annotations is not null && annotations.TryGetValue(c.Name, out var a) ? a : null);
        Schema = builder.ToSchema();
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => true;

    public long? GetRowCount() => _rows;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        long[]? order = null;
        if (rand is not null)
        {
            order = new long[_rows];
            for (long i = 0; i < _rows; i++) order[i] = i;
            rand.Shuffle(order);
        }
        return new Cursor(this, order, columnsNeeded.Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor(IndexedDataView view, long[]? order, HashSet<int> active) : DataViewRowCursor
    {
        private long _position = -1;
        private long _row = -1;

        public override DataViewSchema Schema => view.Schema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool MoveNext()
        {
            if (_position + 1 >= view._rows)
            {
                _row = -1;
                return false;
            }
            _position++;
            _row = order?[_position] ?? _position;
            return true;
        }

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            var c = view._columns[column.Index];
            if (typeof(TValue) != c.Type.RawType)
                throw new InvalidOperationException($"Column '{c.Name}' holds {c.Type} ({c.Type.RawType.Name}); a getter of {typeof(TValue).Name} was asked for.");
            return (ValueGetter<TValue>)c.MakeGetter(() => _row);
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() =>
            (ref DataViewRowId id) => id = new DataViewRowId((ulong)_row, 0);
    }
}
