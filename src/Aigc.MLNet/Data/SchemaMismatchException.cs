using Microsoft.ML;
using Microsoft.ML.Data;

// Also compiled into Aigc.MLNet.Onnx (internal there: AIGC_ONNX; callers catch ArgumentException).
namespace Aigc.MLNet.Data;

/// <summary>A column an estimator or transformer needs is missing or has the wrong type.
/// Thrown by <c>GetOutputSchema</c> and <c>Fit</c> before any work starts.</summary>
#if AIGC_ONNX
internal
#else
public
#endif
sealed class SchemaMismatchException : ArgumentException
{
    /// <summary>Creates the exception for a column of <paramref name="schema"/>.</summary>
    public SchemaMismatchException(string column, string expected, DataViewType? actual, DataViewSchema schema)
        : this(column, expected, actual is null ? null : $"{actual}", schema.Describe())
    {
    }

    /// <summary>Creates the exception; <paramref name="actual"/> is null when the column is missing,
    /// and <paramref name="available"/> lists the columns there are.</summary>
    public SchemaMismatchException(string column, string expected, string? actual, string available)
        : base(actual is null
            ? $"Schema mismatch: column '{column}' ({expected}) was not found; the input has: {available}."
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

    /// <summary>The type the input had, as ML.NET prints it (null when missing).</summary>
    public string? Actual { get; }
}
