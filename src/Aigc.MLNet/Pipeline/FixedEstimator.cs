using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet;

/// <summary>An estimator that needs no training: fitting checks the schema and returns its transformer
/// (our data transforms, e.g. <c>mlContext.Transforms.ScaleImagePixels</c>).</summary>
internal sealed class FixedEstimator<TTransformer> : IEstimator<TTransformer> where TTransformer : class, ITransformer
{
    private readonly TTransformer _transformer;
    private readonly Func<SchemaShape, SchemaShape> _outputShape;

    internal FixedEstimator(TTransformer transformer, Func<SchemaShape, SchemaShape> outputShape) =>
        (_transformer, _outputShape) = (transformer, outputShape);

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        return _outputShape(inputSchema);
    }

    /// <inheritdoc />
    public TTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        _transformer.GetOutputSchema(input.Schema);
        return _transformer;
    }
}
