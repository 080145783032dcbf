using Aigc.MLNet.Data;

namespace Aigc.MLNet;

/// <summary>A fitted step that maps a data view to another, lazily (ML.NET's ITransformer).</summary>
public interface ITransformer
{
    /// <summary>The schema <see cref="Transform"/> would produce; validates the input columns.</summary>
    /// <exception cref="SchemaMismatchException">A needed column is missing or mistyped.</exception>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Returns a view whose rows are computed from <paramref name="input"/> when read.</summary>
    IDataView Transform(IDataView input);
}

/// <summary>Something that learns a transformer from data (ML.NET's IEstimator).</summary>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>The schema the fitted transformer will produce; validates the input before any training.</summary>
    /// <exception cref="SchemaMismatchException">A needed column is missing or mistyped.</exception>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Trains on <paramref name="input"/> and returns the transformer.</summary>
    TTransformer Fit(IDataView input);
}

/// <summary>An estimator that needs no training: fitting returns a fixed transformer.</summary>
public sealed class TrivialEstimator<TTransformer>(TTransformer transformer) : IEstimator<TTransformer> where TTransformer : ITransformer
{
    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => transformer.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public TTransformer Fit(IDataView input)
    {
        transformer.GetOutputSchema(input.Schema);
        return transformer;
    }
}
