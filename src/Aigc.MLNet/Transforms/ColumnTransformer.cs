using Aigc.MLNet.Data;

namespace Aigc.MLNet.Transforms;

/// <summary>
/// A transformer that adds one column computed row by row from one input column. Subclasses say
/// which input types they accept, what they produce, and the per-row function; the view is lazy.
/// </summary>
public abstract class ColumnTransformer<TIn, TOut> : ITransformer
{
    /// <summary>Creates the transformer.</summary>
    protected ColumnTransformer(string inputColumn, string outputColumn)
    {
        ArgumentException.ThrowIfNullOrEmpty(inputColumn);
        ArgumentException.ThrowIfNullOrEmpty(outputColumn);
        (InputColumn, OutputColumn) = (inputColumn, outputColumn);
    }

    /// <summary>The column read.</summary>
    public string InputColumn { get; }

    /// <summary>The column written.</summary>
    public string OutputColumn { get; }

    /// <summary>Describes the accepted input for error messages.</summary>
    protected abstract string ExpectedInput { get; }

    /// <summary>Validates the input column's type and returns the output type.</summary>
    protected abstract DataViewType? OutputTypeFor(DataViewType inputType);

    /// <summary>The per-row function for an input column of <paramref name="inputType"/>
    /// (already validated by <see cref="OutputTypeFor"/>).</summary>
    protected abstract Func<TIn, TOut> MapperFor(DataViewType inputType);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        var column = inputSchema.GetColumnOrNull(InputColumn) ?? throw new SchemaMismatchException(InputColumn, ExpectedInput, null, inputSchema);
        var output = column.Type.RawType == typeof(TIn) ? OutputTypeFor(column.Type) : null;
        if (output is null) throw new SchemaMismatchException(InputColumn, ExpectedInput, column.Type, inputSchema);
        return inputSchema.With((OutputColumn, output));
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var output = GetOutputSchema(input.Schema)[OutputColumn].Type;
        return new MappedDataView<TIn, TOut>(input, InputColumn, OutputColumn, output, MapperFor(input.Schema[InputColumn].Type));
    }
}
