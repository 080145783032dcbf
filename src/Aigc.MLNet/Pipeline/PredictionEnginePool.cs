using System.Collections.Concurrent;
using Microsoft.ML;

namespace Aigc.MLNet;

/// <summary>ML.NET <see cref="PredictionEngine{TSrc, TDst}"/>s over one transformer, safe to call from
/// many threads: each call borrows an engine of its own, so calls never share buffers.</summary>
public sealed class PredictionEnginePool<TSrc, TDst> : IDisposable where TSrc : class where TDst : class, new()
{
    private readonly Func<PredictionEngine<TSrc, TDst>> _create;
    private readonly ConcurrentBag<PredictionEngine<TSrc, TDst>> _engines = [];

    internal PredictionEnginePool(Func<PredictionEngine<TSrc, TDst>> create)
    {
        _create = create;
        _engines.Add(create()); // checks the schemas now, not at the first call
    }

    /// <summary>Transforms one input on any thread.</summary>
    public TDst Predict(TSrc example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var engine = _engines.TryTake(out var e) ? e : _create();
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            _engines.Add(engine);
        }
    }

    /// <summary>Disposes the pooled engines (not the transformer).</summary>
    public void Dispose()
    {
        while (_engines.TryTake(out var e)) e.Dispose();
    }
}
