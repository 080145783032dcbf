using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.Torch;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.Training;

/// <summary>
/// What a model family plugs into the shared <see cref="TrainingLoop"/> (the loop knows nothing
/// about the model, as in minGPT's trainer): one optimiser step on a batch, an optional validation
/// pass, and its state for checkpoints.
/// </summary>
public interface ITrainingTask
{
    /// <summary>The columns batches need; fixed-size numeric vectors and numeric scalars.</summary>
    IReadOnlyList<string> BatchColumns { get; }

    /// <summary>Runs one optimiser step and returns its losses by name (as plain numbers).</summary>
    IReadOnlyDictionary<string, double> TrainStep(Batch batch);

    /// <summary>Metrics on held-out data, or null when the task has none.</summary>
    IReadOnlyDictionary<string, double>? Validate(IDataView validation, int batchSize);

    /// <summary>Every tensor needed to resume exactly: weights, buffers, optimiser moments
    /// (handles the caller disposes), plus the step counters the task keeps.</summary>
    IReadOnlyDictionary<string, Tensor> GetState();

    /// <summary>Restores what <see cref="GetState"/> returned.</summary>
    void SetState(IReadOnlyDictionary<string, Tensor> state);

    /// <summary>The optimisers <see cref="TrainStep"/> steps. Data-parallel training sets their
    /// <see cref="Optimizer.DataParallel"/> group so each averages its gradients over the ranks before
    /// updating; a task that reads gradients before the update (clipping) calls
    /// <see cref="Optimizer.AverageGradients"/> first. A task listing none trains in one process only.</summary>
    IReadOnlyList<Optimizer> Optimizers => [];
}

/// <summary>A batch of rows as tensors on the training device, one per column: vectors as
/// (count, shape...) and scalars as (count). Disposing frees them.</summary>
public sealed class Batch : IDisposable
{
    private readonly Dictionary<string, Tensor> _columns;

    internal Batch(Dictionary<string, Tensor> columns, int count) => (_columns, Count) = (columns, count);

    /// <summary>Rows in the batch.</summary>
    public int Count { get; }

    /// <summary>The tensor of a column.</summary>
    public Tensor this[string column] => _columns.TryGetValue(column, out var t) ? t
        : throw new KeyNotFoundException($"The batch has no column '{column}'; it has {string.Join(", ", _columns.Keys)}.");

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var t in _columns.Values) t.Dispose();
    }
}
