using System.Reflection;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

// Also compiled into Aigc.MLNet.Onnx (its ML.NET transformers batch rows the same way); the tensor
// helpers are in RowBatch.Tensors.cs.
namespace Aigc.MLNet.Pipeline;

/// <summary>
/// Copies of some columns of up to N rows, read from a cursor or row: the input of one batched model
/// call. Values are copied as they are read (never aliasing a reused VBuffer), so every buffered row
/// stays valid while the batch is served.
/// </summary>
internal sealed partial class RowBatch
{
    private static readonly MethodInfo MakeBufferMethod = typeof(RowBatch).GetMethod(nameof(MakeBuffer), BindingFlags.NonPublic | BindingFlags.Static)!;
    private readonly Dictionary<int, ColumnBuffer> _buffers;
    private readonly DataViewSchema _schema;
    private readonly DataViewRowId[] _ids;
    private ValueGetter<DataViewRowId>? _idGetter;

    /// <summary>Prepares to buffer <paramref name="columns"/> of <paramref name="schema"/>, <paramref name="capacity"/> rows at a time.</summary>
    public RowBatch(DataViewSchema schema, IEnumerable<DataViewSchema.Column> columns, int capacity)
    {
        _schema = schema;
        _buffers = columns.DistinctBy(c => c.Index).ToDictionary(c => c.Index,
            c => (ColumnBuffer)MakeBufferMethod.MakeGenericMethod(c.Type.RawType).Invoke(null, [c, capacity])!);
        _ids = new DataViewRowId[capacity];
    }

    /// <summary>Rows held.</summary>
    public int Count { get; private set; }

    /// <summary>Forgets the rows held and takes getters from <paramref name="row"/> if it is a new one.</summary>
    public void Reset(DataViewRow row)
    {
        Count = 0;
        foreach (var b in _buffers.Values) b.Bind(row);
        _idGetter ??= row.GetIdGetter();
    }

    /// <summary>Copies the row's current values into the next slot.</summary>
    public void Add()
    {
        foreach (var b in _buffers.Values) b.Read(Count);
        _idGetter!(ref _ids[Count]);
        Count++;
    }

    /// <summary>A getter serving the buffered value of <paramref name="column"/> in the slot <paramref name="slot"/> names.</summary>
    public ValueGetter<T> Getter<T>(DataViewSchema.Column column, Func<int> slot) =>
        _buffers.TryGetValue(column.Index, out var b) ? ((ColumnBuffer<T>)b).Getter(slot)
            : throw new InvalidOperationException($"Column '{column.Name}' was not requested when the cursor was opened.");

    /// <summary>The row id of a slot.</summary>
    public DataViewRowId Id(int slot) => _ids[slot];

    /// <summary>Copies the dense values of a vector column's row <paramref name="slot"/> into <paramref name="destination"/>.</summary>
    public void Vector<T>(string column, int slot, Span<T> destination)
    {
        var values = (VBuffer<T>[])_buffers[_schema[column].Index].Values;
        if (values[slot].Length != destination.Length)
            throw new InvalidDataException($"Column '{column}' should hold {destination.Length} values per row; a row has {values[slot].Length}.");
        ValueCopy.ToDense(values[slot], destination);
    }

    /// <summary>A label column as 0-based classes (keys are 1-based in ML.NET).</summary>
    public long[] Labels(string column)
    {
        var col = _schema[column];
        var values = _buffers[col.Index].Values;
        var result = new long[Count];
        for (int i = 0; i < Count; i++)
        {
            long v = Convert.ToInt64(values.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            result[i] = col.Type is KeyDataViewType ? LabelValues.ToClass(v, column, i) : v;
        }
        return result;
    }

    /// <summary>An integer column (e.g. per-row seeds) as Int64 values.</summary>
    public long[] Integers(string column)
    {
        var values = _buffers[_schema[column].Index].Values;
        return Enumerable.Range(0, Count).Select(i => Convert.ToInt64(values.GetValue(i), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>A text column.</summary>
    public string[] Texts(string column)
    {
        var values = (ReadOnlyMemory<char>[])_buffers[_schema[column].Index].Values;
        return values.Take(Count).Select(v => v.ToString()).ToArray();
    }

    /// <summary>A token-id column (vectors of Int32 of any length) as Int64 ids per row.</summary>
    public long[][] Tokens(string column)
    {
        var values = (VBuffer<int>[])_buffers[_schema[column].Index].Values;
        var result = new long[Count][];
        for (int i = 0; i < Count; i++)
        {
            var row = new int[values[i].Length];
            ValueCopy.ToDense(values[i], row);
            result[i] = Array.ConvertAll(row, id => (long)id);
        }
        return result;
    }

    /// <summary>Token ids as a variable-length Int32 vector column.</summary>
    public static VBuffer<int>[] TokenRows(IEnumerable<IReadOnlyList<long>> rows) =>
        rows.Select(r => new VBuffer<int>(r.Count, r.Select(id => checked((int)id)).ToArray())).ToArray();

    /// <summary>Per-row Single vectors from row-major values, <paramref name="size"/> per row, as an output column.</summary>
    public static VBuffer<float>[] VectorRows(float[] values, int rows, int size)
    {
        var result = new VBuffer<float>[rows];
        for (int i = 0; i < rows; i++) result[i] = new VBuffer<float>(size, values.AsSpan(i * size, size).ToArray());
        return result;
    }

    /// <summary>Text values as an output column.</summary>
    public static ReadOnlyMemory<char>[] TextRows(IEnumerable<string> texts) => texts.Select(t => t.AsMemory()).ToArray();

    private static ColumnBuffer MakeBuffer<T>(DataViewSchema.Column column, int capacity) => new ColumnBuffer<T>(column, capacity);

    private abstract class ColumnBuffer
    {
        public abstract Array Values { get; }

        public abstract void Bind(DataViewRow row);

        public abstract void Read(int slot);
    }

    private sealed class ColumnBuffer<T>(DataViewSchema.Column column, int capacity) : ColumnBuffer
    {
        private static readonly ValueCopy.Copier<T> Copy = ValueCopy.For<T>();
        private readonly T[] _values = new T[capacity];
        private DataViewRow? _row;
        private ValueGetter<T> _getter = null!;
        private T _scratch = default!;

        public override Array Values => _values;

        public override void Bind(DataViewRow row)
        {
            if (ReferenceEquals(row, _row)) return;
            _row = row;
            _getter = row.GetGetter<T>(row.Schema[column.Index]);
        }

        public override void Read(int slot)
        {
            _getter(ref _scratch);
            Copy(in _scratch, ref _values[slot]);
        }

        public ValueGetter<T> Getter(Func<int> slot) => (ref T value) => Copy(in _values[slot()], ref value);
    }
}
