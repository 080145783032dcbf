using Aigc.MLNet.Data;
using Aigc.Torch;

namespace Aigc.MLNet;

/// <summary>
/// A lazy view that runs a model on batches: its cursor reads up to <c>batchSize</c> input rows,
/// stacks the input column into one tensor (batch, shape...), calls the model once, and serves the
/// results row by row — never one model call per row. Output columns are fixed-size Single vectors.
/// </summary>
public sealed class BatchMappedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly DataViewSchema.Column _source;
    private readonly long[] _sourceShape;
    private readonly (string Name, VectorDataViewType Type)[] _outputs;
    private readonly Func<Tensor, Tensor?, Tensor[]> _model;
    private readonly DataViewSchema.Column? _label;
    private readonly int _batchSize;
    private readonly Device _device;

    /// <summary>Creates the view.</summary>
    /// <param name="input">The rows.</param>
    /// <param name="inputColumn">A fixed-size Single vector column fed to the model.</param>
    /// <param name="outputs">The columns the model produces, in the order it returns them.</param>
    /// <param name="model">Maps (batch, shape...) to one tensor per output column, each (batch, shape...).
    /// It runs without gradient recording, inside a dispose scope.</param>
    /// <param name="batchSize">Rows per model call.</param>
    /// <param name="device">Where the model runs.</param>
    /// <param name="labelColumn">An optional Int64 column passed to the model as a (batch) tensor
    /// (class labels of a conditional model).</param>
    public BatchMappedDataView(IDataView input, string inputColumn, IReadOnlyList<(string Name, VectorDataViewType Type)> outputs,
        Func<Tensor, Tensor?, Tensor[]> model, int batchSize, Device device, string? labelColumn = null)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _source = input.Schema.Require(inputColumn, "a fixed-size Single vector",
            t => t is VectorDataViewType { IsKnownSize: true } v && v.ItemType.Equals(NumberDataViewType.Single));
        _sourceShape = ((VectorDataViewType)_source.Type).Dimensions.Select(d => (long)d).ToArray();
        _outputs = [.. outputs];
        _model = model ?? throw new ArgumentNullException(nameof(model));
        _label = labelColumn is null ? null : input.Schema.Require(labelColumn, NumberDataViewType.Int64);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        (_batchSize, _device) = (batchSize, device);
        Schema = input.Schema.With(_outputs.Select(o => (o.Name, (DataViewType)o.Type)).ToArray());
    }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => _input.CanShuffle;

    /// <inheritdoc />
    public long? GetRowCount() => _input.GetRowCount();

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var outputNames = _outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        var passThrough = columnsNeeded.Where(c => !outputNames.Contains(c.Name)).Select(c => _input.Schema[c.Name])
            .Append(_source).Concat(_label is null ? [] : [_label]).Distinct().ToList();
        return new Cursor(this, _input.GetRowCursor(passThrough, rand), passThrough);
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly BatchMappedDataView _view;
        private readonly DataViewRowCursor _inner;
        private readonly RowReader _reader;
        private readonly Dictionary<string, int> _inputIndex;
        private readonly int _sourceIndex;
        private readonly int _labelIndex;
        private readonly List<object?[]> _rows = [];
        private float[][][] _results = [];
        private int _current = -1;

        public Cursor(BatchMappedDataView view, DataViewRowCursor inner, List<DataViewSchema.Column> columns)
        {
            (_view, _inner) = (view, inner);
            _reader = new RowReader(inner, columns);
            _inputIndex = columns.Select((c, i) => (c.Name, i)).ToDictionary(x => x.Name, x => x.i, StringComparer.Ordinal);
            _sourceIndex = _inputIndex[view._source.Name];
            _labelIndex = view._label is null ? -1 : _inputIndex[view._label.Name];
        }

        public override DataViewSchema Schema => _view.Schema;

        public override bool MoveNext()
        {
            if (_current + 1 >= _rows.Count && !Refill()) return false;
            _current++;
            Position++;
            return true;
        }

        private bool Refill()
        {
            _rows.Clear();
            _current = -1;
            while (_rows.Count < _view._batchSize && _inner.MoveNext()) _rows.Add(_reader.Read());
            if (_rows.Count == 0) return false;
            int size = _rows[0][_sourceIndex] is float[] f ? f.Length : 0;
            var flat = new float[_rows.Count * size];
            for (int i = 0; i < _rows.Count; i++) ((float[])_rows[i][_sourceIndex]!).CopyTo(flat, i * size);
            using var scope = DisposeScope.Enter();
            using var noGrad = Engine.NoGrad();
            var batch = Tensor.FromArray(flat, [_rows.Count, .. _view._sourceShape]).To(_view._device);
            var labels = _labelIndex < 0 ? null : Tensor.FromArray(_rows.Select(r => (long)r[_labelIndex]!).ToArray()).To(_view._device);
            var outputs = _view._model(batch, labels);
            _results = new float[outputs.Length][][];
            for (int o = 0; o < outputs.Length; o++)
            {
                var values = outputs[o].To(Device.Cpu, ScalarType.Float32).Contiguous().ToArray<float>();
                int per = values.Length / _rows.Count;
                _results[o] = new float[_rows.Count][];
                for (int i = 0; i < _rows.Count; i++) _results[o][i] = values.AsSpan(i * per, per).ToArray();
            }
            return true;
        }

        public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
        {
            CheckType<T>(column);
            int output = Array.FindIndex(_view._outputs, o => o.Name == column.Name);
            if (output >= 0)
                return (ValueGetter<T>)(object)(ValueGetter<float[]>)((ref float[] v) => v = _results[output][_current]);
            int index = _inputIndex.TryGetValue(column.Name, out var k) ? k
                : throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was opened.");
            return (ref T v) => v = (T)_rows[_current][index]!;
        }

        public override void Dispose()
        {
            _inner.Dispose();
            base.Dispose();
        }
    }
}
