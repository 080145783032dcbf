namespace Aigc.Torch.Optim;

/// <summary>
/// Sets each group's learning rate to its initial rate times <see cref="Factor"/>(step). Call
/// <see cref="Step"/> once per optimiser step, after <see cref="Optimizer.Step"/>.
/// </summary>
public abstract class LrSchedule
{
    private readonly Optimizer _optimizer;

    /// <summary>Attaches the schedule and applies the factor for step 0.</summary>
    protected LrSchedule(Optimizer optimizer)
    {
        _optimizer = optimizer ?? throw new ArgumentNullException(nameof(optimizer));
    }

    /// <summary>Steps taken so far.</summary>
    public long CurrentStep { get; private set; }

    /// <summary>The multiplier of the initial learning rate at a step.</summary>
    public abstract double Factor(long step);

    /// <summary>Applies the factor for the current step; schedules call it when constructed.</summary>
    protected void Apply()
    {
        double f = Factor(CurrentStep);
        foreach (var g in _optimizer.Groups) g.LearningRate = g.InitialLearningRate * f;
    }

    /// <summary>Advances one step and updates the learning rates.</summary>
    public void Step()
    {
        CurrentStep++;
        Apply();
    }

    /// <summary>Jumps to <paramref name="step"/> (when resuming from a checkpoint).</summary>
    public void SetStep(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        CurrentStep = step;
        Apply();
    }
}

/// <summary>Linear warmup from 0 over <c>warmupSteps</c>, then cosine decay to
/// <c>minFactor</c> at <c>totalSteps</c> (nanoGPT's schedule); flat at minFactor afterwards.</summary>
public sealed class WarmupCosineSchedule : LrSchedule
{
    private readonly long _warmup, _total;
    private readonly double _minFactor;

    /// <summary>Creates the schedule.</summary>
    public WarmupCosineSchedule(Optimizer optimizer, long warmupSteps, long totalSteps, double minFactor = 0.1) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        if (totalSteps <= warmupSteps) throw new ArgumentOutOfRangeException(nameof(totalSteps), totalSteps, "total steps must exceed warmup steps");
        if (!(minFactor is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(minFactor), minFactor, "must be in [0, 1]");
        (_warmup, _total, _minFactor) = (warmupSteps, totalSteps, minFactor);
        Apply();
    }

    /// <inheritdoc />
    public override double Factor(long step)
    {
        if (step < _warmup) return (double)(step + 1) / (_warmup + 1);
        if (step >= _total) return _minFactor;
        double progress = (double)(step - _warmup) / (_total - _warmup);
        return _minFactor + 0.5 * (1 + Math.Cos(Math.PI * progress)) * (1 - _minFactor);
    }
}

/// <summary>Linear warmup over <c>warmupSteps</c>, then constant.</summary>
public sealed class LinearWarmupSchedule : LrSchedule
{
    private readonly long _warmup;

    /// <summary>Creates the schedule.</summary>
    public LinearWarmupSchedule(Optimizer optimizer, long warmupSteps) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(warmupSteps);
        _warmup = warmupSteps;
        Apply();
    }

    /// <inheritdoc />
    public override double Factor(long step) => step >= _warmup ? 1 : (double)(step + 1) / (_warmup + 1);
}

/// <summary>Multiplies the rate by <c>gamma</c> every <c>stepSize</c> steps (PyTorch's StepLR).</summary>
public sealed class StepSchedule : LrSchedule
{
    private readonly long _stepSize;
    private readonly double _gamma;

    /// <summary>Creates the schedule.</summary>
    public StepSchedule(Optimizer optimizer, long stepSize, double gamma = 0.1) : base(optimizer)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(stepSize, 1);
        (_stepSize, _gamma) = (stepSize, gamma);
        Apply();
    }

    /// <inheritdoc />
    public override double Factor(long step) => Math.Pow(_gamma, step / _stepSize);
}
