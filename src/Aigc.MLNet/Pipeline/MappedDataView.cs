using Aigc.MLNet.Data;

namespace Aigc.MLNet;

/// <summary>
/// The lazy view behind row-mapping transforms: the input's columns plus one computed column,
/// whose value is computed from the input row only when it is read. A same-named input column is
/// hidden by the new one.
/// </summary>
public sealed class MappedDataView<TIn, TOut> : IDataView
{
    private readonly IDataView _input;
    private readonly DataViewSchema.Column _source;
    private readonly Func<TIn, TOut> _map;

    /// <summary>Adds column <paramref name="outputName"/> of <paramref name="outputType"/>, computed
    /// from input column <paramref name="inputName"/> by <paramref name="map"/>.</summary>
    public MappedDataView(IDataView input, string inputName, string outputName, DataViewType outputType, Func<TIn, TOut> map)
    {
        _input = input ?? throw new ArgumentNullException(nameof(input));
        _source = input.Schema[inputName];
        if (_source.Type.RawType != typeof(TIn))
            throw new SchemaMismatchException(inputName, typeof(TIn).Name, _source.Type, input.Schema);
        if (outputType.RawType != typeof(TOut))
            throw new ArgumentException($"Output type {outputType} does not hold {typeof(TOut).Name}.", nameof(outputType));
        _map = map ?? throw new ArgumentNullException(nameof(map));
        Schema = input.Schema.With((outputName, outputType));
        OutputColumn = Schema[outputName];
    }

    private DataViewSchema.Column OutputColumn { get; }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => _input.CanShuffle;

    /// <inheritdoc />
    public long? GetRowCount() => _input.GetRowCount();

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToList();
        var inputNeeded = needed.Where(c => c.Index != OutputColumn.Index)
            .Select(c => _input.Schema[c.Name]).Append(_source).Distinct().ToList();
        return new Cursor(this, _input.GetRowCursor(inputNeeded, rand));
    }

    private sealed class Cursor(MappedDataView<TIn, TOut> view, DataViewRowCursor inner) : DataViewRowCursor
    {
        private readonly ValueGetter<TIn> _sourceGetter = inner.GetGetter<TIn>(view._source);
        private long _computedFor = -1;
        private TOut _value = default!;

        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (!inner.MoveNext()) return false;
            Position = inner.Position;
            return true;
        }

        public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
        {
            CheckType<T>(column);
            if (column.Index != view.OutputColumn.Index) return inner.GetGetter<T>(view._input.Schema[column.Name]);
            ValueGetter<TOut> getter = (ref TOut value) =>
            {
                if (_computedFor != Position)
                {
                    TIn source = default!;
                    _sourceGetter(ref source);
                    _value = view._map(source);
                    _computedFor = Position;
                }
                value = _value;
            };
            return (ValueGetter<T>)(object)getter;
        }

        public override void Dispose()
        {
            inner.Dispose();
            base.Dispose();
        }
    }
}
