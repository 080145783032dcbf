namespace Aigc.MLNet.Data;

/// <summary>Reads one value of the current row into <paramref name="value"/>; array values may
/// reuse the array passed in when it has the right length (as ML.NET's VBuffer does).</summary>
public delegate void ValueGetter<T>(ref T value);

/// <summary>
/// Rows with a schema, read by cursors (ML.NET's IDataView). Views are lazy: transforms compute
/// when rows are read, and a view may be read many times (each cursor starts again), so data sets
/// larger than memory stream through in batches.
/// </summary>
public interface IDataView
{
    /// <summary>The columns.</summary>
    DataViewSchema Schema { get; }

    /// <summary>The number of rows when known without reading them; otherwise null.</summary>
    long? GetRowCount();

    /// <summary>True when <see cref="GetRowCursor"/> honours a <c>Random</c> by visiting rows in a
    /// shuffled order.</summary>
    bool CanShuffle { get; }

    /// <summary>Starts reading rows. Only <paramref name="columnsNeeded"/> must be computed;
    /// <paramref name="rand"/>, when the view can shuffle, orders the rows randomly.</summary>
    DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null);
}

/// <summary>A forward-only position over the rows of a view.</summary>
public abstract class DataViewRowCursor : IDisposable
{
    /// <summary>The schema of the rows.</summary>
    public abstract DataViewSchema Schema { get; }

    /// <summary>The 0-based index of the current row in this cursor's order (-1 before the first).</summary>
    public long Position { get; protected set; } = -1;

    /// <summary>Advances; false at the end.</summary>
    public abstract bool MoveNext();

    /// <summary>A getter for <paramref name="column"/> of the current row.</summary>
    /// <exception cref="InvalidOperationException"><typeparamref name="T"/> is not the column's raw type.</exception>
    public abstract ValueGetter<T> GetGetter<T>(DataViewSchema.Column column);

    /// <summary>Checks that <typeparamref name="T"/> matches the column, for implementers.</summary>
    protected static void CheckType<T>(DataViewSchema.Column column)
    {
        if (typeof(T) != column.Type.RawType)
            throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type} ({column.Type.RawType.Name}); a getter of {typeof(T).Name} was asked for.");
    }

    /// <summary>Releases resources (open files, inner cursors).</summary>
    public virtual void Dispose() => GC.SuppressFinalize(this);
}
