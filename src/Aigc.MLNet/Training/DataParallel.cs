using Aigc.Torch;
using Aigc.Torch.Distributed;
using Aigc.Torch.Optim;

namespace Aigc.MLNet.Training;

/// <summary>
/// The training loop's side of data parallelism (PyTorch's DDP plus its DistributedSampler): each
/// rank trains on its own shard of every global batch, the task's optimisers average gradients
/// before each update, and the ranks agree on the start (rank 0's weights, seed and position) and
/// on every step's losses and stop request. With no group (or a group of one) every method is the
/// plain single-process behaviour.
/// </summary>
internal sealed class DataParallel : IDisposable
{
    private readonly ProcessGroup? _group;
    private readonly IReadOnlyList<Optimizer> _optimizers = [];

    public DataParallel(ProcessGroup? group, ITrainingTask task)
    {
        if (group is not { WorldSize: > 1 }) return;
        _group = group;
        _optimizers = task.Optimizers;
        if (_optimizers.Count == 0)
            throw new NotSupportedException($"{task.GetType().Name} does not list its optimisers (ITrainingTask.Optimizers), so it cannot train data-parallel.");
        foreach (var o in _optimizers)
        {
            if (o.DataParallel is not null && !ReferenceEquals(o.DataParallel, group))
                throw new InvalidOperationException("The task's optimiser already trains in another process group.");
            o.DataParallel = group;
        }
    }

    /// <summary>Ranks in the group (1 without one).</summary>
    public int World => _group?.WorldSize ?? 1;

    /// <summary>This process's rank (0 without a group).</summary>
    public int Rank => _group?.Rank ?? 0;

    /// <summary>Whether this rank writes checkpoints and logs: rank 0, or the only process.</summary>
    public bool IsMain => Rank == 0;

    /// <summary>Rank 0's <paramref name="values"/> (broadcast).</summary>
    public long[] FromMain(params long[] values)
    {
        if (_group is null) return values;
        using var t = Tensor.FromArray<long>(values, values.Length);
        _group.Broadcast([t]);
        return t.ToArray<long>();
    }

    /// <summary>Fails on every rank, before any training, when the ranks were not given the same run: the
    /// same number of rows (when known), batch size and budgets. Ranks that disagreed would shard the data
    /// differently and wait on each other until the timeout.</summary>
    /// <exception cref="InvalidOperationException">The ranks disagree; the message lists each rank's values.</exception>
    public void CheckSameRun(long? rows, TrainingOptions options)
    {
        if (_group is null) return;
        long[] mine = [rows ?? -1, options.BatchSize, options.Epochs, options.MaxSteps ?? -1];
        using var local = Tensor.FromArray<long>(mine, mine.Length);
        using var all = _group.AllGather(local);
        var each = all.ToArray<long>().Chunk(mine.Length).ToArray();
        if (each.All(r => r.SequenceEqual(each[0]))) return;
        static string Describe(long[] r) =>
            $"{(r[0] < 0 ? "unknown" : r[0].ToString(System.Globalization.CultureInfo.InvariantCulture))} rows, BatchSize {r[1]}, Epochs {r[2]}, MaxSteps {(r[3] < 0 ? "none" : r[3])}";
        throw new InvalidOperationException("The ranks of this data-parallel run were given different runs; every rank must read the same data " +
            "with the same options: " + string.Join("; ", each.Select((r, i) => $"rank {i}: {Describe(r)}")) + ".");
    }

    /// <summary>Makes every rank start from rank 0's state: weights, buffers, optimiser moments and
    /// counters (after rank 0 resumed a checkpoint, the others hold its state too).</summary>
    public void ShareState(ITrainingTask task)
    {
        if (_group is null) return;
        using var scope = DisposeScope.Enter();
        var state = task.GetState();
        // Same keys on every rank (same model), so the same order gives the same buckets.
        var ordered = state.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        _group.Broadcast([.. ordered.Select(kv => kv.Value)]);
        task.SetState(state);
        foreach (var t in state.Values) t.Dispose();
    }

    /// <summary>The step's losses averaged over the ranks, and whether any rank asked to stop.</summary>
    public (IReadOnlyDictionary<string, double> Losses, bool Stop) AgreeOnStep(IReadOnlyDictionary<string, double> losses, bool stopRequested)
    {
        if (_group is null) return (losses, stopRequested);
        var keys = losses.Keys.Order(StringComparer.Ordinal).ToArray();
        var values = new double[keys.Length + 1];
        for (int i = 0; i < keys.Length; i++) values[i] = losses[keys[i]];
        values[^1] = stopRequested ? 1 : 0;
        var mean = _group.AllReduce(values, ReduceOp.Average);
        var agreed = new Dictionary<string, double>(StringComparer.Ordinal);
        for (int i = 0; i < keys.Length; i++) agreed[keys[i]] = mean[i];
        return (agreed, mean[^1] > 0);
    }

    /// <summary>Validation metrics averaged over the ranks (each rank measured the whole validation set
    /// with its own noise draws).</summary>
    public IReadOnlyDictionary<string, double>? AgreeOnMetrics(IReadOnlyDictionary<string, double>? metrics)
    {
        if (_group is null || metrics is null) return metrics;
        return AgreeOnStep(metrics, false).Losses;
    }

    /// <summary>Seeds this rank's noise (dropout, diffusion timesteps, latent draws) apart from the other
    /// ranks', from the run's seed, the rank and the step, so a resumed run is reproducible.</summary>
    public void SeedNoise(int seed, long step)
    {
        if (_group is null) return;
        ulong mixed = unchecked((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)(Rank + 1) * 0xBF58476D1CE4E5B9UL ^ (ulong)step * 0x94D049BB133111EBUL);
        Engine.ManualSeed(mixed);
    }

    /// <summary>Gives the optimisers back to single-process use.</summary>
    public void Dispose()
    {
        foreach (var o in _optimizers) o.DataParallel = null;
    }
}
