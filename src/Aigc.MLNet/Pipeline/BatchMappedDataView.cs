using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Pipeline;

/// <summary>
/// The lazy view a batched transformer returns: its cursor reads up to the batch size of rows from the
/// input cursor, copies them, runs the model once on the batch, and serves the rows — never one model
/// call per row (ML.NET itself never batches). Nothing is computed until rows are read.
/// </summary>
internal sealed class BatchMappedDataView(IDataView input, BatchMapping mapping) : IDataView
{
    public DataViewSchema Schema => mapping.OutputSchema;

    public bool CanShuffle => input.CanShuffle;

    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var inputColumns = mapping.Dependencies(needed).ToList();
        return new Cursor(mapping, input.GetRowCursor(inputColumns, rand), inputColumns, needed.Any(mapping.IsOutput), needed.Select(c => c.Index).ToHashSet());
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        [GetRowCursor(columnsNeeded, rand)];

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchMapping _mapping;
        private readonly DataViewRowCursor _inner;
        private readonly RowBatch _rows;
        private readonly bool _compute;
        private readonly HashSet<int> _active;
        private Array[] _results = [];
        private int _slot = -1;
        private long _position = -1;
        private bool _done;

        public Cursor(BatchMapping mapping, DataViewRowCursor inner, List<DataViewSchema.Column> inputColumns, bool compute, HashSet<int> active)
        {
            (_mapping, _inner, _compute, _active) = (mapping, inner, compute, active);
            _rows = new RowBatch(mapping.InputSchema, inputColumns, mapping.BatchSize);
        }

        public override DataViewSchema Schema => _mapping.OutputSchema;

        public override long Position => _position;

        public override long Batch => 0;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active.Contains(column.Index);

        public override bool MoveNext()
        {
            if (_done) return false;
            if (_slot + 1 >= _rows.Count && !Refill())
            {
                _done = true;
                return false;
            }
            _slot++;
            _position++;
            return true;
        }

        private bool Refill()
        {
            _rows.Reset(_inner);
            _slot = -1;
            while (_rows.Count < _mapping.BatchSize && _inner.MoveNext()) _rows.Add();
            if (_rows.Count == 0) return false;
            if (_compute) _results = _mapping.Run(_rows);
            return true;
        }

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            _mapping.IsOutput(column)
                ? _mapping.OutputGetter<TValue>(column, () => _results, () => _slot)
                : _rows.Getter<TValue>(column, () => _slot);

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId id) => id = _rows.Id(_slot);

        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
