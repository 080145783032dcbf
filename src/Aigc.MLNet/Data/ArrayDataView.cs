namespace Aigc.MLNet.Data;

/// <summary>
/// A view over columns held in memory: each column an array with one entry per row (scalars as
/// <c>float[]</c>, <c>long[]</c>, ...; text as <c>string[]</c>; vectors as <c>float[][]</c>, ...).
/// Supports shuffled cursors.
/// </summary>
public sealed class ArrayDataView : IDataView
{
    private readonly Array[] _columns;
    private readonly int _rows;

    /// <summary>Creates the view; every column must have the same number of rows, and fixed-size
    /// vector columns must hold vectors of that size.</summary>
    public ArrayDataView(IEnumerable<(string Name, DataViewType Type, Array Values)> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        var list = columns.ToList();
        Schema = new DataViewSchema(list.Select(c => (c.Name, c.Type)));
        _columns = list.Select(c => c.Values).ToArray();
        _rows = list.Count == 0 ? 0 : list[0].Values.Length;
        foreach (var (name, type, values) in list)
        {
            if (values.GetType().GetElementType() != type.RawType)
                throw new ArgumentException($"Column '{name}' is {type} but its values are {values.GetType().Name}.", nameof(columns));
            if (values.Length != _rows)
                throw new ArgumentException($"Column '{name}' has {values.Length} rows; the first column has {_rows}.", nameof(columns));
            if (type is VectorDataViewType { IsKnownSize: true } v)
                for (int i = 0; i < values.Length; i++)
                    if (values.GetValue(i) is not Array a || a.Length != v.Size)
                        throw new ArgumentException($"Column '{name}', row {i}: expected {v.Size} values for {v}.", nameof(columns));
        }
    }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => true;

    /// <inheritdoc />
    public long? GetRowCount() => _rows;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        int[]? order = null;
        if (rand is not null)
        {
            order = Enumerable.Range(0, _rows).ToArray();
            rand.Shuffle(order);
        }
        return new Cursor(this, order);
    }

    private sealed class Cursor(ArrayDataView view, int[]? order) : DataViewRowCursor
    {
        private int _row = -1;

        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (Position + 1 >= view._rows) return false;
            Position++;
            _row = order?[Position] ?? (int)Position;
            return true;
        }

        public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
        {
            CheckType<T>(column);
            var values = (T[])view._columns[column.Index];
            return (ref T value) =>
            {
                if (_row < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
                value = values[_row];
            };
        }
    }
}
