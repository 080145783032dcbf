namespace Aigc.MLNet.Data;

/// <summary>A view over an <see cref="IEnumerable{T}"/>: each element is a row, each mapped
/// property a column. The sequence is enumerated afresh by each cursor, so it may be lazy or larger
/// than memory.</summary>
internal sealed class EnumerableDataView<T> : IDataView where T : class
{
    private readonly IEnumerable<T> _rows;
    private readonly RowMapping<T> _mapping = RowMapping<T>.Create();

    public EnumerableDataView(IEnumerable<T> rows)
    {
        _rows = rows ?? throw new ArgumentNullException(nameof(rows));
        Schema = _mapping.Schema;
    }

    public DataViewSchema Schema { get; }

    public bool CanShuffle => false;

    public long? GetRowCount() => _rows is IReadOnlyCollection<T> c ? c.Count : null;

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) => new Cursor(this);

    private sealed class Cursor(EnumerableDataView<T> view) : DataViewRowCursor
    {
        private readonly IEnumerator<T> _e = view._rows.GetEnumerator();

        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (!_e.MoveNext()) return false;
            if (_e.Current is null) throw new InvalidOperationException($"Row {Position + 1} of the sequence is null.");
            Position++;
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CheckType<TValue>(column);
            var member = view._mapping.Members[column.Index];
            return (ref TValue value) =>
            {
                var v = (TValue)member.Property.GetValue(_e.Current)!;
                if (member.Type is VectorDataViewType { IsKnownSize: true } vt && v is Array a && a.Length != vt.Size)
                    throw new InvalidDataException($"Row {Position}, column '{column.Name}': expected {vt.Size} values for {vt}, got {a.Length}.");
                value = v;
            };
        }

        public override void Dispose()
        {
            _e.Dispose();
            base.Dispose();
        }
    }
}
