using Aigc.MLNet.Data;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// Windows of a token stream as rows: row i holds tokens [i·stride, i·stride + length) in an Int64
/// vector column "Tokens". With stride 1 and a shuffled cursor, reading rows is drawing random
/// windows as nanoGPT's get_batch does (without replacement within an epoch).
/// </summary>
public sealed class TokenWindowDataView : IDataView
{
    /// <summary>The column name.</summary>
    public const string ColumnName = "Tokens";

    private readonly long[] _tokens;
    private readonly int _length;
    private readonly int _stride;
    private readonly long _rows;

    /// <summary>Creates the view over <paramref name="tokens"/> (not copied).</summary>
    /// <exception cref="ArgumentException">The stream is shorter than one window.</exception>
    public TokenWindowDataView(long[] tokens, int length, int stride)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, 1);
        if (tokens.Length < length)
            throw new ArgumentException($"The text has {tokens.Length} tokens, fewer than one window of {length}; give more text or a shorter context.", nameof(tokens));
        (_tokens, _length, _stride) = (tokens, length, stride);
        _rows = (tokens.Length - length) / stride + 1;
        Schema = new DataViewSchema([(ColumnName, new VectorDataViewType(NumberDataViewType.Int64, length))]);
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
        long[]? order = null;
        if (rand is not null)
        {
            order = new long[_rows];
            for (long i = 0; i < _rows; i++) order[i] = i;
            rand.Shuffle(order);
        }
        return new Cursor(this, order);
    }

    private sealed class Cursor(TokenWindowDataView view, long[]? order) : DataViewRowCursor
    {
        private long _row = -1;

        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (Position + 1 >= view._rows) return false;
            Position++;
            _row = order?[Position] ?? Position;
            return true;
        }

        public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
        {
            CheckType<T>(column);
            ValueGetter<long[]> getter = (ref long[] value) =>
            {
                if (_row < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
                if (value is null || value.Length != view._length) value = new long[view._length];
                Array.Copy(view._tokens, _row * view._stride, value, 0, view._length);
            };
            return (ValueGetter<T>)(object)getter;
        }
    }
}
