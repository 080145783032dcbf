using System.Reflection;
using Aigc.MLNet.Data;
using Aigc.Torch;

namespace Aigc.MLNet.Training;

/// <summary>Reads rows from a cursor into <see cref="Batch"/>es of tensors, column by column,
/// into reusable host buffers.</summary>
public sealed class Batcher
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
            var col = schema.Require(name, "a number or a fixed-size numeric vector",
                t => t is NumberDataViewType || t is VectorDataViewType { IsKnownSize: true });
            var item = col.Type is VectorDataViewType v ? v.ItemType.RawType : col.Type.RawType;
            return (ColumnReader)MakeColumnMethod.MakeGenericMethod(item).Invoke(null, [col, batchSize])!;
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

    private static ColumnReader MakeColumn<T>(DataViewSchema.Column column, int batchSize) where T : unmanaged =>
        column.Type is VectorDataViewType v ? new VectorReader<T>(column, v, batchSize) : new ScalarReader<T>(column, batchSize);

    private abstract class ColumnReader(DataViewSchema.Column column)
    {
        public DataViewSchema.Column Column { get; } = column;

        private DataViewRowCursor? _bound;

        protected long CurrentRow => _bound?.Position ?? -1;

        public void Bind(DataViewRowCursor cursor)
        {
            if (ReferenceEquals(_bound, cursor)) return;
            _bound = cursor;
            CreateGetter(cursor);
        }

        protected abstract void CreateGetter(DataViewRowCursor cursor);

        public abstract void Read(int row);

        public abstract Tensor ToTensor(int rows, Device device);

        protected static Tensor Place(Tensor host, Device device)
        {
            if (device.Type == DeviceType.Cpu) return host.DetachFromDisposeScope();
            using (host) return host.To(device).DetachFromDisposeScope();
        }
    }

    private sealed class ScalarReader<T>(DataViewSchema.Column column, int batchSize) : ColumnReader(column) where T : unmanaged
    {
        private readonly T[] _buffer = new T[batchSize];
        private ValueGetter<T> _getter = null!;

        protected override void CreateGetter(DataViewRowCursor cursor) => _getter = cursor.GetGetter<T>(Column);

        public override void Read(int row) => _getter(ref _buffer[row]);

        public override Tensor ToTensor(int rows, Device device) => Place(Tensor.FromArray<T>(_buffer.AsSpan(0, rows), rows), device);
    }

    private sealed class VectorReader<T>(DataViewSchema.Column column, VectorDataViewType type, int batchSize) : ColumnReader(column) where T : unmanaged
    {
        private readonly int _size = type.Size;
        private readonly long[] _dims = type.Dimensions.Select(d => (long)d).ToArray();
        private readonly T[] _buffer = new T[type.Size * batchSize];
        private ValueGetter<T[]> _getter = null!;
        private T[] _row = [];

        protected override void CreateGetter(DataViewRowCursor cursor) => _getter = cursor.GetGetter<T[]>(Column);

        public override void Read(int row)
        {
            _getter(ref _row);
            if (_row.Length != _size)
                throw new InvalidDataException($"Column '{Column.Name}' should hold {_size} values per row ({Column.Type}); a row has {_row.Length}.");
            CheckFinite(_row);
            _row.CopyTo(_buffer.AsSpan(row * _size, _size));
        }

        public override Tensor ToTensor(int rows, Device device) =>
            Place(Tensor.FromArray<T>(_buffer.AsSpan(0, rows * _size), [rows, .. _dims]), device);

        // NaN or infinite inputs would only surface later as a diverged loss; name the row instead.
        private void CheckFinite(T[] values)
        {
            bool bad = values switch
            {
                float[] f => f.Any(v => !float.IsFinite(v)),
                double[] d => d.Any(v => !double.IsFinite(v)),
                _ => false,
            };
            if (bad)
                throw new InvalidDataException($"Column '{Column.Name}' holds NaN or infinity (row {CurrentRow} in the order read, which is shuffled when training shuffles); clean or drop such rows before training.");
        }
    }
}
