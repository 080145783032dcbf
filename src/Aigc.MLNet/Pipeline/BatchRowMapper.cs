using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Pipeline;

/// <summary>
/// The row-to-row mapper ML.NET's prediction engines use: a batch of one, computed when an output
/// column is first read for a new input position and shared by all output columns of that row.
/// </summary>
internal sealed class BatchRowMapper(BatchMapping mapping) : IRowToRowMapper
{
    public DataViewSchema InputSchema => mapping.InputSchema;

    public DataViewSchema OutputSchema => mapping.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        mapping.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new Row(mapping, input, activeColumns.Select(c => c.Index).ToHashSet());

    private sealed class Row(BatchMapping mapping, DataViewRow input, HashSet<int> active) : DataViewRow
    {
        private readonly RowBatch _one = new(mapping.InputSchema, mapping.Sources, 1);
        private Array[] _results = [];
        private long _computedFor = -1;
        private bool _computed;

        public override DataViewSchema Schema => mapping.OutputSchema;

        public override long Position => input.Position;

        public override long Batch => input.Batch;

        public override bool IsColumnActive(DataViewSchema.Column column) => active.Contains(column.Index);

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) =>
            mapping.IsOutput(column)
                ? mapping.OutputGetter<TValue>(column, Results, () => 0)
                : input.GetGetter<TValue>(mapping.InputSchema[column.Index]);

        private Array[] Results()
        {
            if (_computed && _computedFor == input.Position) return _results;
            _one.Reset(input);
            _one.Add();
            _results = mapping.Run(_one);
            (_computed, _computedFor) = (true, input.Position);
            return _results;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();
    }
}
