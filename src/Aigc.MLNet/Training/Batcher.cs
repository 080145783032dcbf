using System.Reflection;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.Torch;

namespace Aigc.MLNet.Training;

/// <summary>Reads rows from a cursor into <see cref="Batch"/>es of tensors, column by column,
/// into reusable host buffers. Fixed-size vectors keep their item type and shape; label columns
/// (keys, 1-based in ML.NET, or integers) become 0-based Int64 classes; Single scalars stay Single.</summary>
internal sealed class Batcher
{
    private static readonly MethodInfo MakeColumnMethod = typeof(Batcher).GetMethod(nameof(MakeColumn), BindingFlags.NonPublic | BindingFlags.Static)!;
    private readonly ColumnReader[] _columns;
    private readonly int _batchSize;
    private readonly Device _device;

    /// <summary>Prepares to batch <paramref name="columns"/> of <paramref name="schema"/>.</summary>
    /// <exception cref="SchemaMismatchException">A column is missing, or is text or a variable-length vector.</exception>
    public Batcher(DataViewSchema schema, IEnumerable<string> columns, int batchSize, Device device)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _batchSize = batchSize;
        _device = device;
        _columns = columns.Select(name =>
        {
            var col = schema.Require(name, "a label, a Single, or a fixed-size numeric vector",
                t => LabelValues.IsLabelType(t) || t == NumberDataViewType.Single || t is VectorDataViewType { IsKnownSize: true, ItemType: NumberDataViewType });
            if (col.Type is VectorDataViewType v)
                return (ColumnReader)MakeColumnMethod.MakeGenericMethod(v.ItemType.RawType).Invoke(null, [col, batchSize])!;
            return col.Type == NumberDataViewType.Single ? new SingleReader(col, batchSize) : new LabelReader(col, batchSize);
        }).ToArray();
    }

    /// <summary>The columns read, for <see cref="IDataView.GetRowCursor"/>.</summary>
    public IEnumerable<DataViewSchema.Column> Columns => _columns.Select(c => c.Column);

    /// <summary>Reads up to the batch size of rows; null when the cursor is exhausted.</summary>
    public Batch? Next(DataViewRowCursor cursor)
    {
        foreach (var c in _columns) c.Bind(cursor);
        int n = 0;
        while (n < _batchSize && cursor.MoveNext())
        {
            foreach (var c in _columns) c.Read(n);
            n++;
        }
        if (n == 0) return null;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var c in _columns) tensors[c.Column.Name] = c.ToTensor(n, _device);
        return new Batch(tensors, n);
    }

    /// <summary>This rank's share of the next global batch of <paramref name="world"/> batches: it skips the
    /// rows of lower ranks, reads its own, and skips those of higher ranks. Null unless the whole global
    /// batch was there (every rank reads the same rows, so all agree on the end).</summary>
    public Batch? NextShard(DataViewRowCursor cursor, int rank, int world)
    {
        if (world == 1) return Next(cursor);
        if (!Skip(cursor, (long)rank * _batchSize)) return null;
        var batch = Next(cursor);
        if (batch is null) return null;
        if (batch.Count < _batchSize || !Skip(cursor, (long)(world - 1 - rank) * _batchSize))
        {
            batch.Dispose();
            return null;
        }
        return batch;
    }

    /// <summary>Moves past <paramref name="rows"/> rows without reading them; false when the cursor ran out first.</summary>
    public static bool Skip(DataViewRowCursor cursor, long rows)
    {
        for (long i = 0; i < rows; i++)
            if (!cursor.MoveNext()) return false;
        return true;
    }

    private static ColumnReader MakeColumn<T>(DataViewSchema.Column column, int batchSize) where T : unmanaged =>
        new VectorReader<T>(column, (VectorDataViewType)column.Type, batchSize);

    private abstract class ColumnReader(DataViewSchema.Column column)
    {
        public DataViewSchema.Column Column { get; } = column;

        private DataViewRowCursor? _bound;

        protected long CurrentRow => _bound?.Position ?? -1;

        public void Bind(DataViewRowCursor cursor)
        {
            if (ReferenceEquals(_bound, cursor)) return;
            _bound = cursor;
            // By name: the cursor may come from a view derived from the one this batcher was made for
            // (a shuffled copy), whose schema holds the same columns as other objects.
            CreateGetter(cursor, cursor.Schema[Column.Name]);
        }

        protected abstract void CreateGetter(DataViewRowCursor cursor, DataViewSchema.Column column);

        public abstract void Read(int row);

        public abstract Tensor ToTensor(int rows, Device device);

        protected static Tensor Place(Tensor host, Device device)
        {
            if (device.Type == DeviceType.Cpu) return host.DetachFromDisposeScope();
            using (host) return host.To(device).DetachFromDisposeScope();
        }
    }

    private sealed class SingleReader(DataViewSchema.Column column, int batchSize) : ColumnReader(column)
    {
        private readonly float[] _buffer = new float[batchSize];
        private ValueGetter<float> _getter = null!;

        protected override void CreateGetter(DataViewRowCursor cursor, DataViewSchema.Column column) => _getter = cursor.GetGetter<float>(column);

        public override void Read(int row) => _getter(ref _buffer[row]);

        public override Tensor ToTensor(int rows, Device device) => Place(Tensor.FromArray<float>(_buffer.AsSpan(0, rows), rows), device);
    }

    private sealed class LabelReader(DataViewSchema.Column column, int batchSize) : ColumnReader(column)
    {
        private readonly long[] _buffer = new long[batchSize];
        private Func<long> _getter = null!;

        protected override void CreateGetter(DataViewRowCursor cursor, DataViewSchema.Column column) => _getter = LabelValues.Reader(cursor, column);

        public override void Read(int row) => _buffer[row] = _getter();

        public override Tensor ToTensor(int rows, Device device) => Place(Tensor.FromArray<long>(_buffer.AsSpan(0, rows), rows), device);
    }

    private sealed class VectorReader<T>(DataViewSchema.Column column, VectorDataViewType type, int batchSize) : ColumnReader(column) where T : unmanaged
    {
        private readonly int _size = type.Size;
        private readonly long[] _dims = type.Dimensions.Length > 0 ? type.Dimensions.Select(d => (long)d).ToArray() : [type.Size];
        private readonly T[] _buffer = new T[type.Size * batchSize];
        private ValueGetter<VBuffer<T>> _getter = null!;
        private VBuffer<T> _row;

        protected override void CreateGetter(DataViewRowCursor cursor, DataViewSchema.Column column) => _getter = cursor.GetGetter<VBuffer<T>>(column);

        public override void Read(int row)
        {
            _getter(ref _row);
            if (_row.Length != _size)
                throw new InvalidDataException($"Column '{Column.Name}' should hold {_size} values per row ({Column.Type}); a row has {_row.Length}.");
            var target = _buffer.AsSpan(row * _size, _size);
            ValueCopy.ToDense(_row, target);
            CheckFinite(target);
        }

        public override Tensor ToTensor(int rows, Device device) =>
            Place(Tensor.FromArray<T>(_buffer.AsSpan(0, rows * _size), [rows, .. _dims]), device);

        // NaN or infinite inputs would only surface later as a diverged loss; name the row instead.
        private void CheckFinite(Span<T> values)
        {
            bool bad = false;
            if (typeof(T) == typeof(float))
                foreach (var v in System.Runtime.InteropServices.MemoryMarshal.Cast<T, float>(values)) bad |= !float.IsFinite(v);
            else if (typeof(T) == typeof(double))
                foreach (var v in System.Runtime.InteropServices.MemoryMarshal.Cast<T, double>(values)) bad |= !double.IsFinite(v);
            if (bad)
                throw new InvalidDataException($"Column '{Column.Name}' holds NaN or infinity (row {CurrentRow} in the order read, which is shuffled when training shuffles); clean or drop such rows before training.");
        }
    }
}
