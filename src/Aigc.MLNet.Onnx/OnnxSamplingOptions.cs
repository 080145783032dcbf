namespace Aigc.MLNet.Onnx;

/// <summary>The reverse process <see cref="OnnxDiffusion"/> runs.</summary>
public enum OnnxSampler
{
    /// <summary>Ancestral sampling through every step with the posterior variance (Ho et al.).</summary>
    Ddpm,
    /// <summary>DDIM over an evenly spaced subset of steps; η = 0 is deterministic (Song et al.).</summary>
    Ddim,
}

/// <summary>How an exported diffusion model generates; the same settings, with the same meaning and
/// defaults, as <c>Aigc.MLNet.Diffusion.SamplingOptions</c> on the libtorch path. A model's own
/// defaults (those it was trained with) are in <see cref="OnnxDiffusion.DefaultSampling"/>.</summary>
public sealed record OnnxSamplingOptions
{
    /// <summary>DDPM or DDIM.</summary>
    public OnnxSampler Sampler { get; init; } = OnnxSampler.Ddim;

    /// <summary>DDIM steps (ignored by DDPM, which takes every step).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>DDIM's η: 0 deterministic, 1 as noisy as DDPM.</summary>
    public double Eta { get; init; }

    /// <summary>Classifier-free guidance weight w (conditional models): ε = ε(∅) + w·(ε(y) − ε(∅)).</summary>
    public double GuidanceScale { get; init; } = 1.0;

    /// <summary>Clip the predicted clean image to [-1, 1] at every step.</summary>
    public bool ClipDenoised { get; init; } = true;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate(int timesteps)
    {
        if (Steps < 1 || Steps > timesteps) throw new ArgumentOutOfRangeException(nameof(Steps), Steps, $"must be in [1, {timesteps}] (the model's diffusion steps)");
        if (!(Eta is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(Eta), Eta, "must be in [0, 1]");
        if (!(GuidanceScale >= 0) || double.IsInfinity(GuidanceScale)) throw new ArgumentOutOfRangeException(nameof(GuidanceScale), GuidanceScale, "must be a finite number >= 0");
    }
}
