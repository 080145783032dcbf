using System.Text.Json.Serialization;

namespace Aigc.MLNet.Training;

/// <summary>
/// The settings of one training run, shared by every family: how long, in what batches, how fast,
/// with which seed, and where checkpoints go. Each family's options (<c>VaeOptions</c>, <c>GanOptions</c>, …)
/// derive from this record and add what defines the model; model files store only those, never these
/// (every property here is <see cref="JsonIgnoreAttribute"/>), so a loaded model's run settings are the defaults.
/// </summary>
/// <remarks>Families set their own defaults in their constructors (a GAN trains 5 epochs of 128 at
/// 2e-4, a language model 2000 steps of 12 windows); the values below are those of a plain loop.</remarks>
public record TrainingOptions
{
    /// <summary>Passes over the training data; the run stops at whichever of this and
    /// <see cref="MaxSteps"/> comes first.</summary>
    [JsonIgnore]
    public int Epochs { get; init; } = 1;

    /// <summary>A step budget across all epochs; null means no limit.</summary>
    [JsonIgnore]
    public long? MaxSteps { get; init; }

    /// <summary>Rows per step.</summary>
    [JsonIgnore]
    public int BatchSize { get; init; } = 64;

    /// <summary>The optimiser's (peak) learning rate.</summary>
    [JsonIgnore]
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seeds the run (weight initialisation, data order, noise) at the start of each Fit; null
    /// draws a seed from the MLContext's random source when the trainer is created, as ML.NET's own
    /// trainers do, so <c>new MLContext(seed: n)</c> makes whole pipelines repeatable.</summary>
    [JsonIgnore]
    public int? Seed { get; init; }

    /// <summary>Visit rows in a new seeded order each epoch.</summary>
    [JsonIgnore]
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop a last batch smaller than <see cref="BatchSize"/> (keeps batch statistics even).</summary>
    [JsonIgnore]
    public bool DropLastPartialBatch { get; init; }

    /// <summary>Report progress (and log) every N steps; end-of-epoch reports always happen.</summary>
    [JsonIgnore]
    public int ReportEveryNSteps { get; init; } = 50;

    /// <summary>Also report when this much time has passed since the last report (null: only every
    /// <see cref="ReportEveryNSteps"/> steps). Live displays use about a second; these reports are not logged.</summary>
    [JsonIgnore]
    public TimeSpan? ReportInterval { get; init; }

    /// <summary>Also validate every N steps (0: only at the end of each epoch, and at the end of a run
    /// that stops mid-epoch). For models trained in steps rather than epochs.</summary>
    [JsonIgnore]
    public long ValidateEveryNSteps { get; init; }

    /// <summary>Write a checkpoint every N steps (0: only on cancellation and at the end, when a path is set).</summary>
    [JsonIgnore]
    public long CheckpointEveryNSteps { get; init; }

    /// <summary>Where checkpoints go; null disables them.</summary>
    [JsonIgnore]
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from <see cref="CheckpointPath"/> when it exists. The checkpoint must come from
    /// the same run: the same family and options, data, batch size, learning rate and seed (the epoch and
    /// step budgets may change, so a run can be continued for longer); otherwise resuming throws
    /// <see cref="CheckpointMismatchException"/> listing the differences.</summary>
    [JsonIgnore]
    public bool ResumeFromCheckpoint { get; init; }

    /// <summary>Resume even from a checkpoint written by a different run (see <see cref="ResumeFromCheckpoint"/>);
    /// the weights and optimiser state must still fit the model.</summary>
    [JsonIgnore]
    public bool ResumeDespiteMismatch { get; init; }

    /// <summary>The length of a schedule fixed before training (a language model's cosine decay), part of
    /// the run's identity; null when the family has none.</summary>
    [JsonIgnore]
    internal long? ScheduleSteps { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public virtual void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "must be at least 1");
        if (MaxSteps is < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "must be at least 1 when set");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be a finite number > 0");
        if (ReportEveryNSteps < 1) throw new ArgumentOutOfRangeException(nameof(ReportEveryNSteps), ReportEveryNSteps, "must be at least 1");
        if (ReportInterval is { } interval && interval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(ReportInterval), interval, "must be positive when set");
        if (ValidateEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(ValidateEveryNSteps), ValidateEveryNSteps, "must be >= 0");
        if (CheckpointEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(CheckpointEveryNSteps), CheckpointEveryNSteps, "must be >= 0");
        if (ResumeFromCheckpoint && CheckpointPath is null)
            throw new ArgumentOutOfRangeException(nameof(ResumeFromCheckpoint), "resuming needs a CheckpointPath");
    }
}

/// <summary>One progress report of the training loop.</summary>
/// <param name="Epoch">1-based epoch.</param>
/// <param name="Epochs">Planned epochs.</param>
/// <param name="Step">Optimiser steps completed.</param>
/// <param name="TotalSteps">Planned steps when known.</param>
/// <param name="Losses">The latest step's losses by name.</param>
/// <param name="SamplesPerSecond">Training throughput over this run.</param>
/// <param name="Elapsed">Time since this run started.</param>
/// <param name="Eta">Estimated time left when the total is known.</param>
/// <param name="ValidationMetrics">Metrics on the validation set (end-of-epoch reports only).</param>
/// <param name="ResumedFromStep">The checkpoint's step when this run resumed one, else null; rates and the
/// ETA count only the steps of this run.</param>
/// <param name="EarlierReports">On the first report of a resumed run only: the reports of the run up to
/// the checkpoint (kept in it; at most a few thousand, older ones thinned), so curves can continue.</param>
public sealed record TrainingProgress(int Epoch, int Epochs, long Step, long? TotalSteps, IReadOnlyDictionary<string, double> Losses,
    double SamplesPerSecond, TimeSpan Elapsed, TimeSpan? Eta, IReadOnlyDictionary<string, double>? ValidationMetrics = null, long? ResumedFromStep = null,
    IReadOnlyList<TrainingProgress>? EarlierReports = null)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"epoch {Epoch}/{Epochs} step {Step}{(TotalSteps is { } t ? "/" + t : "")} " +
        string.Join(" ", Losses.Select(l => $"{l.Key}={l.Value:G5}")) +
        $" {SamplesPerSecond:F0} samples/s" + (Eta is { } eta ? $" eta {eta:hh\\:mm\\:ss}" : "") +
        (ValidationMetrics is { Count: > 0 } v ? " | val " + string.Join(" ", v.Select(m => $"{m.Key}={m.Value:G5}")) : "");
}

/// <summary>What a finished (or cancelled) run did.</summary>
public sealed record TrainingResult(long Steps, double Epochs, IReadOnlyDictionary<string, double> FinalLosses,
    IReadOnlyDictionary<string, double>? FinalValidationMetrics, TimeSpan Elapsed, bool Resumed);

/// <summary>Training was cancelled. The model holds the weights of step <see cref="Step"/>, the last
/// one completed; <see cref="CheckpointPath"/> names the checkpoint of that step when one was written.</summary>
public sealed class TrainingCancelledException(long step, string? checkpointPath, CancellationToken token)
    : OperationCanceledException(
        $"Training was cancelled after step {step}; " + (checkpointPath is null ? "no checkpoint was written (no CheckpointPath)." : $"checkpoint of that step written to {checkpointPath}."),
        token)
{
    /// <summary>The last completed step.</summary>
    public long Step { get; } = step;

    /// <summary>The checkpoint written for <see cref="Step"/>, or null when none was.</summary>
    public string? CheckpointPath { get; } = checkpointPath;
}

/// <summary>A checkpoint comes from a different run than the one asked to resume it.</summary>
public sealed class CheckpointMismatchException(string path, IReadOnlyList<string> differences)
    : Exception($"{path} was written by a different run ({string.Join("; ", differences)}); start afresh, or set ResumeDespiteMismatch.")
{
    /// <summary>The checkpoint.</summary>
    public string CheckpointPath { get; } = path;

    /// <summary>One line per differing setting, e.g. "BatchSize: 64 in the checkpoint, 32 now".</summary>
    public IReadOnlyList<string> Differences { get; } = differences;
}

/// <summary>A loss became NaN or infinite. Training stopped at that step; any checkpoint written
/// before it is left untouched.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
