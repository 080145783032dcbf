namespace Aigc.MLNet.Training;

/// <summary>Settings of the shared training loop.</summary>
public sealed record TrainingOptions
{
    /// <summary>Passes over the training data (the loop also stops at <see cref="MaxSteps"/>).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>A step budget across all epochs; null means no limit.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Rows per step.</summary>
    public int BatchSize { get; init; } = 64;

    /// <summary>Visit rows in a new seeded order each epoch.</summary>
    public bool Shuffle { get; init; } = true;

    /// <summary>Drop a last batch smaller than <see cref="BatchSize"/> (keeps batch statistics even).</summary>
    public bool DropLastPartialBatch { get; init; }

    /// <summary>Report progress (and log) every N steps; end-of-epoch reports always happen.</summary>
    public int ReportEveryNSteps { get; init; } = 50;

    /// <summary>Also validate every N steps (0: only at the end of each epoch, and at the end of a run
    /// that stops mid-epoch). For models trained in steps rather than epochs.</summary>
    public long ValidateEveryNSteps { get; init; }

    /// <summary>Write a checkpoint every N steps (0: only on cancellation and at the end, when a path is set).</summary>
    public long CheckpointEveryNSteps { get; init; }

    /// <summary>Where checkpoints go; null disables them.</summary>
    public string? CheckpointPath { get; init; }

    /// <summary>Continue from <see cref="CheckpointPath"/> when it exists.</summary>
    public bool ResumeFromCheckpoint { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad setting.</summary>
    public void Validate()
    {
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "must be at least 1");
        if (MaxSteps is < 1) throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "must be at least 1 when set");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "must be at least 1");
        if (ReportEveryNSteps < 1) throw new ArgumentOutOfRangeException(nameof(ReportEveryNSteps), ReportEveryNSteps, "must be at least 1");
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
public sealed record TrainingProgress(int Epoch, int Epochs, long Step, long? TotalSteps, IReadOnlyDictionary<string, double> Losses,
    double SamplesPerSecond, TimeSpan Elapsed, TimeSpan? Eta, IReadOnlyDictionary<string, double>? ValidationMetrics = null)
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

/// <summary>A loss became NaN or infinite. Training stopped at that step; any checkpoint written
/// before it is left untouched.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
