using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Pipeline;

/// <summary>
/// How a transformer computes its output columns: from some input columns of a batch of rows, one
/// model call per batch. The lazy view (<see cref="BatchMappedDataView"/>) and the row mapper behind
/// prediction engines (<see cref="BatchRowMapper"/>, a batch of one) both run it.
/// </summary>
internal sealed class BatchMapping
{
    /// <summary>Creates the mapping; the caller has validated <paramref name="sources"/> in <paramref name="input"/>.</summary>
    /// <param name="input">The input schema.</param>
    /// <param name="sources">The input columns the model reads.</param>
    /// <param name="outputs">The columns it produces, in the order <paramref name="map"/> returns them.</param>
    /// <param name="batchSize">Rows per call.</param>
    /// <param name="map">Returns one array per output (of the column's raw type, one value per row).</param>
    public BatchMapping(DataViewSchema input, IEnumerable<string> sources, IReadOnlyList<(string Name, Microsoft.ML.Data.DataViewType Type)> outputs,
        int batchSize, Func<RowBatch, Array[]> map)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        InputSchema = input;
        Sources = sources.Select(s => input[s]).ToArray();
        OutputSchema = input.Append(outputs);
        OutputCount = outputs.Count;
        BatchSize = batchSize;
        Map = map;
    }

    public DataViewSchema InputSchema { get; }

    public DataViewSchema OutputSchema { get; }

    public IReadOnlyList<DataViewSchema.Column> Sources { get; }

    public int OutputCount { get; }

    public int BatchSize { get; }

    public Func<RowBatch, Array[]> Map { get; }

    /// <summary>True when <paramref name="column"/> of the output schema is computed (not passed through).</summary>
    public bool IsOutput(DataViewSchema.Column column) => column.Index >= InputSchema.Count;

    /// <summary>The input columns needed to serve <paramref name="outputColumns"/>.</summary>
    public IEnumerable<DataViewSchema.Column> Dependencies(IEnumerable<DataViewSchema.Column> outputColumns)
    {
        var list = outputColumns.ToList();
        var passed = list.Where(c => !IsOutput(c)).Select(c => InputSchema[c.Index]);
        return list.Any(IsOutput) ? passed.Concat(Sources).DistinctBy(c => c.Index) : passed.DistinctBy(c => c.Index);
    }

    /// <summary>Runs the model on the batch and checks what it returned.</summary>
    public Array[] Run(RowBatch batch)
    {
        var results = Map(batch);
        if (results.Length != OutputCount || results.Any(r => r.Length != batch.Count))
            throw new InvalidOperationException($"The model returned {results.Length} outputs for {batch.Count} rows; {OutputCount} outputs of {batch.Count} rows were expected.");
        return results;
    }

    /// <summary>A getter over a computed column, reading <paramref name="results"/> at the slot named by <paramref name="slot"/>.</summary>
    public ValueGetter<T> OutputGetter<T>(DataViewSchema.Column column, Func<Array[]> results, Func<int> slot)
    {
        int output = column.Index - InputSchema.Count;
        if (typeof(T) != column.Type.RawType)
            throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type} ({column.Type.RawType.Name}); a getter of {typeof(T).Name} was asked for.");
        var copy = ValueCopy.For<T>();
        return (ref T value) => copy(in ((T[])results()[output])[slot()], ref value);
    }
}
