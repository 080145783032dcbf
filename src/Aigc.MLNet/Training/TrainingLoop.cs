using System.Diagnostics;
using System.Globalization;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.Torch;
using Aigc.Torch.Serialization;
using Microsoft.Extensions.Logging;

namespace Aigc.MLNet.Training;

/// <summary>
/// The training loop every model family shares: epochs and a step budget, batching, a seeded new
/// order each epoch, progress reports and log lines, cancellation within one step, validation per
/// epoch, a stop naming the step when a loss turns NaN or infinite, and checkpoints that resume
/// bit-identically on the CPU (weights, optimiser state, RNG state and data position are saved).
/// With the catalog's <see cref="GenerativeCatalog.ProcessGroup"/> set it trains data-parallel: every
/// rank reads the same seeded order and trains on its slice of each global batch of
/// <see cref="TrainingOptions.BatchSize"/> × ranks rows (a last partial global batch is dropped),
/// gradients are averaged before each update, losses and stop requests are agreed each step, and
/// rank 0 alone writes checkpoints and logs. A checkpoint resumes on any number of ranks at the same
/// row of the data order.
/// </summary>
public sealed class TrainingLoop
{
    private const string TaskPrefix = "task.";
    private const string RngKey = "rng.cpu";
    private readonly GenerativeCatalog _context;
    private readonly int _seed;

    /// <summary>Creates a loop that uses the catalog's device and log, and orders the data by <paramref name="seed"/>.</summary>
    public TrainingLoop(GenerativeCatalog context, int seed)
    {
        _context = context ?? throw new ArgumentNullException(nameof(context));
        _seed = seed;
    }

    private sealed class Position
    {
        public int Epoch = 1;
        public long StepInEpoch;
        public long Step;
        public long RowsInEpoch; // rows of this epoch's order consumed by all ranks together
    }

    /// <summary>Trains <paramref name="task"/> on <paramref name="train"/>.</summary>
    /// <exception cref="OperationCanceledException">Cancelled; the task holds the weights of the last
    /// completed step and, when a checkpoint path is set, a checkpoint of that step was written.</exception>
    /// <exception cref="TrainingDivergedException">A loss became NaN or infinite.</exception>
    /// <exception cref="ArgumentException">The data is empty or lacks the task's columns.</exception>
    public TrainingResult Run(ITrainingTask task, IDataView train, IDataView? validation, TrainingOptions options,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        using var parallel = new DataParallel(_context.ProcessGroup, task);
        var batcher = new Batcher(train.Schema, task.BatchColumns, options.BatchSize, _context.Device);
        if (validation is not null) _ = new Batcher(validation.Schema, task.BatchColumns, options.BatchSize, _context.Device);
        long? rows = train.GetRowCount();
        if (rows == 0) throw new ArgumentException("The training data has no rows.", nameof(train));
        parallel.CheckSameRun(rows, options);
        long globalBatch = (long)options.BatchSize * parallel.World;
        bool dropPartial = options.DropLastPartialBatch || parallel.World > 1;
        long? stepsPerEpoch = rows is { } r ? (dropPartial ? r / globalBatch : (r + globalBatch - 1) / globalBatch) : null;
        if (stepsPerEpoch == 0)
            throw new ArgumentException($"The training data has {rows} rows, fewer than one global batch of {globalBatch} ({options.BatchSize} × {parallel.World} ranks).", nameof(train));
        long? total = stepsPerEpoch is { } spe ? Math.Min(spe * options.Epochs, options.MaxSteps ?? long.MaxValue) : options.MaxSteps;

        var at = new Position();
        // Every rank orders the data by rank 0's seed (ranks of an unseeded MLContext drew their own).
        int seed = (int)parallel.FromMain(_seed)[0];
        // What defines this run, written into every checkpoint and compared on resume.
        var identity = options.CheckpointPath is null ? null : RunIdentity.Of(task, train, options, seed, parallel.World);
        var history = new ReportHistory();
        // Only rank 0 needs the checkpoint file: the others take its position and state from it.
        bool resumed = parallel.IsMain && options.ResumeFromCheckpoint && File.Exists(options.CheckpointPath)
            && LoadCheckpoint(task, options.CheckpointPath!, at, identity!, history, options, parallel.World);
        if (parallel.World > 1)
        {
            var agreed = parallel.FromMain(resumed ? 1 : 0, at.Epoch, at.StepInEpoch, at.Step, at.RowsInEpoch);
            (resumed, at.Epoch, at.StepInEpoch, at.Step, at.RowsInEpoch) = (agreed[0] != 0, (int)agreed[1], agreed[2], agreed[3], agreed[4]);
            parallel.ShareState(task);
            parallel.SeedNoise(seed, at.Step);
        }
        long startStep = at.Step, samples = 0;
        if (resumed)
            Log(LogLevel.Information,
                $"resuming from step {at.Step}{(total is { } all ? $" of {all}" : "")} (checkpoint {options.CheckpointPath})");
        var clock = Stopwatch.StartNew();
        IReadOnlyDictionary<string, double> losses = new Dictionary<string, double>();
        IReadOnlyDictionary<string, double>? metrics = null;
        long validatedAt = -1;
        bool stopAgreed = false;

        // Seconds per step, smoothed: the plain mean over the first 50 steps, then an exponential
        // average, so the ETA settles instead of jumping with each step's noise.
        double? secondsPerStep = null;
        TimeSpan lastStepAt = TimeSpan.Zero, lastReportAt = TimeSpan.Zero;
        void Timed()
        {
            var now = clock.Elapsed;
            double dt = (now - lastStepAt).TotalSeconds, weight = Math.Max(0.02, 1.0 / (at.Step - startStep));
            secondsPerStep = secondsPerStep is { } s ? s + weight * (dt - s) : dt;
            lastStepAt = now;
        }

        TrainingProgress Report(IReadOnlyDictionary<string, double>? validationMetrics = null, bool log = true,
            IReadOnlyList<TrainingProgress>? earlier = null)
        {
            lastReportAt = clock.Elapsed;
            TimeSpan? eta = total is { } t && secondsPerStep is { } s ? TimeSpan.FromSeconds(Math.Max(0, t - at.Step) * s) : null;
            var p = new TrainingProgress(at.Epoch, options.Epochs, at.Step, total, losses, samples / Math.Max(clock.Elapsed.TotalSeconds, 1e-9),
                clock.Elapsed, eta, validationMetrics, resumed ? startStep : null, earlier);
            history.Add(p);
            progress?.Report(p);
            if (log) Log(LogLevel.Information, p.ToString());
            return p;
        }

        // Says where the run continues, before its first step (no losses yet), with the reports before it.
        if (resumed) Report(earlier: history.ToProgress(options.Epochs, total));
        bool budgetLeft() => options.MaxSteps is not { } max || at.Step < max;
        for (; at.Epoch <= options.Epochs && budgetLeft(); at.Epoch++, at.StepInEpoch = 0, at.RowsInEpoch = 0)
        {
            bool exhausted = false;
            using (var cursor = OpenCursor(train, batcher, options, at.Epoch, seed))
            {
                Batcher.Skip(cursor, at.RowsInEpoch); // resume mid-epoch
                while (budgetLeft())
                {
                    // Data-parallel ranks stop together: a request on any rank is agreed after the step.
                    if (parallel.World == 1 ? cancellationToken.IsCancellationRequested : stopAgreed)
                    {
                        if (options.CheckpointPath is { } path && parallel.IsMain) SaveCheckpoint(task, path, at, identity!, history);
                        var cancelled = new TrainingCancelledException(at.Step, options.CheckpointPath, cancellationToken);
                        Log(LogLevel.Warning, cancelled.Message);
                        throw cancelled;
                    }
                    using var batch = batcher.NextShard(cursor, parallel.Rank, parallel.World);
                    if (batch is null || (dropPartial && batch.Count < options.BatchSize))
                    {
                        exhausted = true;
                        break;
                    }
                    (losses, stopAgreed) = parallel.AgreeOnStep(task.TrainStep(batch), cancellationToken.IsCancellationRequested);
                    at.Step++;
                    Timed();
                    at.StepInEpoch++;
                    at.RowsInEpoch += batch.Count * (long)parallel.World;
                    samples += batch.Count * (long)parallel.World;
                    CheckFinite(losses, at);
                    if (validation is not null && options.ValidateEveryNSteps > 0 && at.Step % options.ValidateEveryNSteps == 0)
                    {
                        metrics = parallel.AgreeOnMetrics(task.Validate(validation, options.BatchSize));
                        validatedAt = at.Step;
                        Report(metrics);
                    }
                    else if (at.Step % options.ReportEveryNSteps == 0) Report();
                    else if (options.ReportInterval is { } interval && clock.Elapsed - lastReportAt >= interval) Report(log: false);
                    if (options.CheckpointEveryNSteps > 0 && at.Step % options.CheckpointEveryNSteps == 0 && options.CheckpointPath is { } p && parallel.IsMain)
                        SaveCheckpoint(task, p, at, identity!, history);
                }
            }
            if (!exhausted)
            {
                // The step budget ended mid-epoch: measure the final weights once.
                if (validation is not null && validatedAt != at.Step && at.Step > startStep)
                {
                    metrics = parallel.AgreeOnMetrics(task.Validate(validation, options.BatchSize));
                    Report(metrics);
                }
                break;
            }
            if (at.Step == 0) throw new ArgumentException("The training data has no rows (or fewer than one full batch).", nameof(train));
            metrics = validation is null ? null : parallel.AgreeOnMetrics(task.Validate(validation, options.BatchSize));
            validatedAt = at.Step;
            Report(metrics);
        }
        if (at.Epoch > options.Epochs)
        {
            at.Epoch = options.Epochs;
            at.StepInEpoch = stepsPerEpoch ?? at.StepInEpoch;
            at.RowsInEpoch = rows ?? at.RowsInEpoch;
        }
        if (options.CheckpointPath is { } final && parallel.IsMain) SaveCheckpoint(task, final, at, identity!, history);
        double epochs = stepsPerEpoch is { } s && s > 0 ? (double)at.Step / s : at.Epoch;
        return new TrainingResult(at.Step, epochs, losses, metrics, clock.Elapsed, resumed);
    }

    private void Log(LogLevel level, string message)
    {
        if (_context.IsMainProcess) _context.WriteLog(level, "Training", message);
    }

    private DataViewRowCursor OpenCursor(IDataView train, Batcher batcher, TrainingOptions options, int epoch, int runSeed)
    {
        if (!options.Shuffle) return train.GetRowCursor(batcher.Columns);
        // Derived from (seed, epoch) alone, so a resumed run (on any number of ranks) sees the same order.
        int seed = unchecked(runSeed * 1_000_003 + epoch);
        var source = train.CanShuffle ? train : _context.MLContext.Data.ShuffleRows(train, seed);
        return source.GetRowCursor(batcher.Columns.Select(c => source.Schema[c.Name]), new Random(seed));
    }

    private static void CheckFinite(IReadOnlyDictionary<string, double> losses, Position at)
    {
        foreach (var (name, value) in losses)
            if (!double.IsFinite(value))
                throw new TrainingDivergedException(
                    $"Loss '{name}' became {value} at step {at.Step} (epoch {at.Epoch}); training stopped. " +
                    "Lower the learning rate or clip gradients; any checkpoint written before this step is intact.");
    }

    private void SaveCheckpoint(ITrainingTask task, string path, Position at, RunIdentity identity, ReportHistory history)
    {
        using var scope = DisposeScope.Enter();
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, t) in task.GetState()) tensors[TaskPrefix + name] = t;
        tensors[RngKey] = Engine.GetRngState();
        var meta = new Dictionary<string, string>
        {
            ["format"] = "aigc-checkpoint",
            ["epoch"] = at.Epoch.ToString(CultureInfo.InvariantCulture),
            ["step_in_epoch"] = at.StepInEpoch.ToString(CultureInfo.InvariantCulture),
            ["rows_in_epoch"] = at.RowsInEpoch.ToString(CultureInfo.InvariantCulture),
            ["world_size"] = (_context.ProcessGroup?.WorldSize ?? 1).ToString(CultureInfo.InvariantCulture),
            ["step"] = at.Step.ToString(CultureInfo.InvariantCulture),
            ["seed"] = _seed.ToString(CultureInfo.InvariantCulture),
        };
        identity.WriteTo(meta);
        meta[ReportHistory.MetadataKey] = history.ToJson();
        SafeTensors.Save(path, tensors, meta);
        foreach (var t in tensors.Values) t.Dispose();
        _context.WriteLog(LogLevel.Information, "Training", $"checkpoint at step {at.Step} written to {path}");
    }

    private bool LoadCheckpoint(ITrainingTask task, string path, Position at, RunIdentity identity, ReportHistory history, TrainingOptions options, int world)
    {
        try
        {
            using var file = SafeTensors.Load(path);
            var m = file.Metadata;
            if (!m.TryGetValue("format", out var f) || f != "aigc-checkpoint")
                throw new InvalidDataException($"{path}: not an Aigc.MLNet checkpoint.");
            var differences = identity.DifferencesFrom(m);
            if (differences.Count > 0 && !options.ResumeDespiteMismatch) throw new CheckpointMismatchException(path, differences);
            at.Epoch = (int)Math.Min(Count(m, "epoch", path, 1), int.MaxValue);
            at.StepInEpoch = Count(m, "step_in_epoch", path, 0);
            // Checkpoints from before data parallelism were single-process: rows = steps × batch.
            at.RowsInEpoch = m.ContainsKey("rows_in_epoch") ? Count(m, "rows_in_epoch", path, 0) : at.StepInEpoch * options.BatchSize;
            long written = m.ContainsKey("world_size") ? Count(m, "world_size", path, 1) : 1;
            if (written != world)
                Log(LogLevel.Information, $"the checkpoint was written by {written} process(es), this run has {world}: the data order continues " +
                    $"at row {at.RowsInEpoch} of epoch {at.Epoch}, in global batches of {(long)options.BatchSize * world} rows");
            at.Step = Count(m, "step", path, 0);
            history.Restore(m, at.Step);
            if (!file.Tensors.TryGetValue(RngKey, out var rng)) throw new InvalidDataException($"{path}: the checkpoint has no '{RngKey}' tensor.");
            task.SetState(file.Tensors.Where(kv => kv.Key.StartsWith(TaskPrefix, StringComparison.Ordinal))
                .ToDictionary(kv => kv.Key[TaskPrefix.Length..], kv => kv.Value));
            Engine.SetRngState(rng);
        }
        // A damaged or foreign checkpoint is one line naming the file, whatever part of it is wrong.
        catch (Exception e) when (e is SafeTensorsException or ArgumentException or KeyNotFoundException or TorchException or IOException
            && e is not FileNotFoundException and not CheckpointMismatchException)
        {
            throw new InvalidDataException($"{path}: not a usable checkpoint for this model: {e.Message}", e);
        }
        return true;
    }

    private static long Count(IReadOnlyDictionary<string, string> metadata, string key, string path, long min) =>
        metadata.TryGetValue(key, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n >= min ? n
            : throw new InvalidDataException($"{path}: the checkpoint's '{key}' entry is missing or not a count.");
}
