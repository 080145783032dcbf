using System.Collections.Concurrent;
using Aigc.MLNet.Data;

namespace Aigc.MLNet;

/// <summary>
/// Runs a transformer on one object at a time (ML.NET's PredictionEngine): <c>Predict(input)</c>
/// maps the input's properties to columns, transforms, and fills a new output object. An engine
/// reuses its input buffer, so it is <b>not</b> safe to share between threads; use
/// <see cref="PredictionEnginePool{TSrc, TDst}"/> for concurrent callers. For many rows at once,
/// <see cref="ITransformer.Transform"/> a whole view instead (it batches).
/// </summary>
public sealed class PredictionEngine<TSrc, TDst> where TSrc : class where TDst : class, new()
{
    private readonly ITransformer _transformer;
    private readonly TSrc[] _row = new TSrc[1];
    private readonly IDataView _input;
    private readonly AigcContext _context;

    /// <summary>Creates the engine, checking now that the output has a column for every property of <typeparamref name="TDst"/>.</summary>
    /// <exception cref="SchemaMismatchException">The schemas do not fit.</exception>
    public PredictionEngine(AigcContext context, ITransformer transformer)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _transformer = transformer ?? throw new ArgumentNullException(nameof(transformer));
        _input = context.Data.LoadFromEnumerable(_row);
        RowMapping<TDst>.Create().CheckAgainst(transformer.GetOutputSchema(_input.Schema));
    }

    /// <summary>Transforms one input.</summary>
    public TDst Predict(TSrc example)
    {
        ArgumentNullException.ThrowIfNull(example);
        _row[0] = example;
        try
        {
            return _context.Data.CreateEnumerable<TDst>(_transformer.Transform(_input)).Single();
        }
        finally
        {
            _row[0] = null!;
        }
    }
}

/// <summary>A pool of <see cref="PredictionEngine{TSrc, TDst}"/>s over one transformer, safe to call
/// from many threads: each call borrows an engine, so calls never share buffers.</summary>
public sealed class PredictionEnginePool<TSrc, TDst>(AigcContext context, ITransformer transformer)
    where TSrc : class where TDst : class, new()
{
    private readonly ConcurrentBag<PredictionEngine<TSrc, TDst>> _engines = [new(context, transformer)];

    /// <summary>Transforms one input on any thread.</summary>
    public TDst Predict(TSrc example)
    {
        var engine = _engines.TryTake(out var e) ? e : new PredictionEngine<TSrc, TDst>(context, transformer);
        try
        {
            return engine.Predict(example);
        }
        finally
        {
            _engines.Add(engine);
        }
    }
}
