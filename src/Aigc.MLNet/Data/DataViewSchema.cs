using System.Collections;

namespace Aigc.MLNet.Data;

/// <summary>The named, typed columns of a data view, in order.</summary>
public sealed class DataViewSchema : IReadOnlyList<DataViewSchema.Column>
{
    private readonly Column[] _columns;

    /// <summary>One column: its name, position and type.</summary>
    public sealed record Column(string Name, int Index, DataViewType Type)
    {
        /// <inheritdoc />
        public override string ToString() => $"{Name}: {Type}";
    }

    /// <summary>Builds a schema from (name, type) pairs; names must be distinct.</summary>
    public DataViewSchema(IEnumerable<(string Name, DataViewType Type)> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.Select((c, i) => new Column(c.Name, i, c.Type)).ToArray();
        var duplicate = _columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new ArgumentException($"Column '{duplicate.Key}' appears more than once.", nameof(columns));
    }

    /// <inheritdoc />
    public int Count => _columns.Length;

    /// <inheritdoc />
    public Column this[int index] => _columns[index];

    /// <summary>The column named <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">No such column; the message lists those there are.</exception>
    public Column this[string name] => GetColumnOrNull(name)
        ?? throw new ArgumentOutOfRangeException(nameof(name), $"Column '{name}' not found; the schema has: {this}.");

    /// <summary>The column named <paramref name="name"/>, or null.</summary>
    public Column? GetColumnOrNull(string name) => _columns.FirstOrDefault(c => c.Name == name);

    /// <summary>Checks that <paramref name="name"/> exists with a type accepted by <paramref name="accept"/>.</summary>
    /// <exception cref="SchemaMismatchException">The column is missing or of another type.</exception>
    public Column Require(string name, string expected, Func<DataViewType, bool> accept)
    {
        var column = GetColumnOrNull(name) ?? throw new SchemaMismatchException(name, expected, null, this);
        if (!accept(column.Type)) throw new SchemaMismatchException(name, expected, column.Type, this);
        return column;
    }

    /// <summary>Checks that <paramref name="name"/> exists with exactly <paramref name="type"/>.</summary>
    public Column Require(string name, DataViewType type) => Require(name, type.ToString(), t => t.Equals(type));

    /// <summary>A schema with <paramref name="extra"/> columns appended (replacing same-named ones).</summary>
    public DataViewSchema With(params (string Name, DataViewType Type)[] extra)
    {
        var names = extra.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        return new DataViewSchema(_columns.Where(c => !names.Contains(c.Name)).Select(c => (c.Name, c.Type)).Concat(extra));
    }

    /// <inheritdoc />
    public IEnumerator<Column> GetEnumerator() => ((IEnumerable<Column>)_columns).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <inheritdoc />
    public override string ToString() => _columns.Length == 0 ? "(no columns)" : string.Join(", ", _columns.Select(c => c.ToString()));
}

/// <summary>A column an estimator or transformer needs is missing or has the wrong type.
/// Thrown by <c>GetOutputSchema</c> and <c>Fit</c> before any work starts.</summary>
public sealed class SchemaMismatchException : ArgumentException
{
    /// <summary>Creates the exception.</summary>
    public SchemaMismatchException(string column, string expected, DataViewType? actual, DataViewSchema schema)
        : base(actual is null
            ? $"Schema mismatch: column '{column}' ({expected}) was not found; the input has: {schema}."
            : $"Schema mismatch for column '{column}': expected {expected}, got {actual}.", column)
    {
        Column = column;
        Expected = expected;
        Actual = actual;
    }

    /// <summary>The column's name.</summary>
    public string Column { get; }

    /// <summary>What was expected.</summary>
    public string Expected { get; }

    /// <summary>What the input had (null when missing).</summary>
    public DataViewType? Actual { get; }
}
