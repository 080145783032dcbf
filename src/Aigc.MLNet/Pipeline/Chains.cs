using System.Collections;
using Aigc.MLNet.Data;

namespace Aigc.MLNet;

/// <summary>Transformers applied in order; the result of fitting an <see cref="EstimatorChain{TLast}"/>.</summary>
public sealed class TransformerChain<TLast> : ITransformer, IEnumerable<ITransformer> where TLast : class, ITransformer
{
    private readonly ITransformer[] _transformers;

    /// <summary>Creates the chain; the last transformer must be a <typeparamref name="TLast"/>.</summary>
    public TransformerChain(params ITransformer[] transformers)
    {
        ArgumentNullException.ThrowIfNull(transformers);
        if (transformers.Length == 0 || transformers[^1] is not TLast)
            throw new ArgumentException($"The last transformer must be a {typeof(TLast).Name}.", nameof(transformers));
        _transformers = transformers;
    }

    /// <summary>The final transformer (e.g. the trained generator).</summary>
    public TLast LastTransformer => (TLast)_transformers[^1];

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        _transformers.Aggregate(inputSchema, (schema, t) => t.GetOutputSchema(schema));

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        GetOutputSchema(input.Schema);
        return _transformers.Aggregate(input, (view, t) => t.Transform(view));
    }

    /// <inheritdoc />
    public IEnumerator<ITransformer> GetEnumerator() => ((IEnumerable<ITransformer>)_transformers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Estimators fitted in order, each on the output of the transformers fitted before it.</summary>
public sealed class EstimatorChain<TLast> : IEstimator<TransformerChain<TLast>> where TLast : class, ITransformer
{
    private readonly IEstimator<ITransformer>[] _estimators;

    internal EstimatorChain(IEstimator<ITransformer>[] estimators) => _estimators = estimators;

    /// <summary>Adds an estimator at the end.</summary>
    public EstimatorChain<TNext> Append<TNext>(IEstimator<TNext> next) where TNext : class, ITransformer =>
        new([.. _estimators, next ?? throw new ArgumentNullException(nameof(next))]);

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) =>
        _estimators.Aggregate(inputSchema, (schema, e) => e.GetOutputSchema(schema));

    /// <summary>Checks the whole chain's schema first, then fits each estimator in turn.</summary>
    public TransformerChain<TLast> Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(input.Schema);
        var fitted = new List<ITransformer>();
        var view = input;
        foreach (var estimator in _estimators)
        {
            var t = estimator.Fit(view);
            fitted.Add(t);
            view = t.Transform(view);
        }
        return new TransformerChain<TLast>([.. fitted]);
    }
}

/// <summary><c>Append</c>, as in ML.NET: <c>estimatorA.Append(estimatorB)</c>.</summary>
public static class PipelineExtensions
{
    /// <summary>Chains two estimators.</summary>
    public static EstimatorChain<TNext> Append<TNext>(this IEstimator<ITransformer> first, IEstimator<TNext> next)
        where TNext : class, ITransformer =>
        new([first ?? throw new ArgumentNullException(nameof(first)), next ?? throw new ArgumentNullException(nameof(next))]);

    /// <summary>Chains a fitted transformer with another.</summary>
    public static TransformerChain<TNext> Append<TNext>(this ITransformer first, TNext next) where TNext : class, ITransformer =>
        new(first ?? throw new ArgumentNullException(nameof(first)), next ?? throw new ArgumentNullException(nameof(next)));
}
