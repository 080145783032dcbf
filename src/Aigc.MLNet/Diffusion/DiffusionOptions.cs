using System.Text.Json.Serialization;

namespace Aigc.MLNet.Diffusion;

/// <summary>How the noise variance grows over the diffusion steps.</summary>
public enum NoiseScheduleKind
{
    /// <summary>β rises linearly from <see cref="DiffusionOptions.BetaStart"/> to <see cref="DiffusionOptions.BetaEnd"/> (Ho et al.).</summary>
    Linear,
    /// <summary>ᾱ(t) = cos²(((t/T + s)/(1 + s))·π/2) / its value at 0, β clipped at 0.999 (Nichol and Dhariwal).</summary>
    Cosine,
}

/// <summary>What the network predicts from the noisy image.</summary>
public enum PredictionKind
{
    /// <summary>The noise ε that was added.</summary>
    Epsilon,
    /// <summary>The velocity v = √ᾱ·ε − √(1 − ᾱ)·x₀ (Salimans and Ho).</summary>
    Velocity,
}

/// <summary>The shape of the denoising U-Net. Presets: <see cref="Nano"/>, <see cref="Tiny"/>, <see cref="Small"/>.</summary>
public sealed record UNetOptions
{
    /// <summary>Channels at full resolution.</summary>
    public int BaseChannels { get; init; } = 32;

    /// <summary>Channels of each resolution level as multiples of <see cref="BaseChannels"/>; every level
    /// after the first halves the resolution, so H and W must be divisible by 2^(levels − 1).</summary>
    public IReadOnlyList<int> ChannelMultipliers { get; init; } = [1, 2, 2];

    /// <summary>Residual blocks per level on the way down (and on the way up).</summary>
    public int ResBlocksPerLevel { get; init; } = 1;

    /// <summary>Self-attention in the middle block, at the lowest resolution.</summary>
    public bool MidAttention { get; init; } = true;

    /// <summary>Groups of every group normalisation (must divide every channel count).</summary>
    public int NormGroups { get; init; } = 8;

    /// <summary>Dropout inside residual blocks, in training.</summary>
    public double Dropout { get; init; }

    /// <summary>A very small network for tests and smoke runs (base 8, two levels, no attention).</summary>
    public static UNetOptions Nano => new() { BaseChannels = 8, ChannelMultipliers = [1, 2], MidAttention = false };

    /// <summary>A CPU-sized network for 28x28 / 32x32 images (base 32, levels ×1 ×2 ×2, attention at 7x7 / 8x8).</summary>
    public static UNetOptions Tiny => new();

    /// <summary>Wider and deeper: base 64, levels ×1 ×2 ×2, two residual blocks per level, dropout 0.1.</summary>
    public static UNetOptions Small => new() { BaseChannels = 64, ResBlocksPerLevel = 2, Dropout = 0.1 };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate()
    {
        if (BaseChannels is < 2 or > 1024 || BaseChannels % 2 != 0) throw new ArgumentOutOfRangeException(nameof(BaseChannels), BaseChannels, "must be even and in [2, 1024] (it is also the width of the sinusoidal step embedding)");
        if (ChannelMultipliers is null || ChannelMultipliers.Count is < 1 or > 6 || ChannelMultipliers.Any(m => m is < 1 or > 16))
            throw new ArgumentOutOfRangeException(nameof(ChannelMultipliers), "1 to 6 levels, each a multiple in [1, 16]");
        if (ResBlocksPerLevel is < 1 or > 8) throw new ArgumentOutOfRangeException(nameof(ResBlocksPerLevel), ResBlocksPerLevel, "must be in [1, 8]");
        if (NormGroups < 1 || BaseChannels % NormGroups != 0)
            throw new ArgumentOutOfRangeException(nameof(NormGroups), NormGroups, $"must divide BaseChannels ({BaseChannels})");
        if (Dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(Dropout), Dropout, "must be in [0, 1)");
    }
}

/// <summary>
/// Options of the diffusion trainer (<c>mlContext.Generative().Trainers.Diffusion</c>): a U-Net trained to
/// denoise images at uniformly drawn steps of a fixed noise schedule with the MSE loss, Adam,
/// gradient clipping and an exponential moving average of the weights, which sampling uses.
/// </summary>
// Run settings (epochs, batch, learning rate, seed, checkpoints) come from TrainingOptions; the few
// properties marked [JsonIgnore] here are this family's own run settings. Model files hold only the rest.
public sealed record DiffusionOptions : Training.TrainingOptions
{
    /// <summary>Creates the options with this family's run defaults.</summary>
    public DiffusionOptions()
    {
        Epochs = 5;
        BatchSize = 128;
        ReportEveryNSteps = 100;
    }

    /// <summary>The image column: Single values in [-1, 1] shaped (1 or 3, H, W) — e.g.
    /// <c>ScaleImagePixels(..., PixelScale.MinusOneToOne)</c>.</summary>
    public string InputColumn { get; init; } = "Image";

    /// <summary>For class-conditional training: the Int64 label column; null trains an unconditional model.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Classes of a conditional model (labels must be in [0, NumClasses)).</summary>
    public int NumClasses { get; init; } = 10;

    /// <summary>Probability of replacing a label by the "no label" token in training, so one network
    /// learns both conditional and unconditional denoising (classifier-free guidance needs it).</summary>
    [JsonIgnore]
    public double LabelDropout { get; init; } = 0.1;

    /// <summary>The network.</summary>
    public UNetOptions UNet { get; init; } = UNetOptions.Tiny;

    /// <summary>Diffusion steps T.</summary>
    public int Timesteps { get; init; } = 1000;

    /// <summary>The β schedule.</summary>
    public NoiseScheduleKind Schedule { get; init; } = NoiseScheduleKind.Linear;

    /// <summary>β₁ of the linear schedule.</summary>
    public double BetaStart { get; init; } = 1e-4;

    /// <summary>β_T of the linear schedule.</summary>
    public double BetaEnd { get; init; } = 0.02;

    /// <summary>What the network predicts.</summary>
    public PredictionKind Prediction { get; init; } = PredictionKind.Epsilon;

    /// <summary>Clip the global gradient norm to this (0 disables).</summary>
    [JsonIgnore]
    public double GradientClip { get; init; } = 1.0;

    /// <summary>The largest decay of the weights' moving average (the average is warmed up, see
    /// <see cref="Aigc.Torch.Optim.ExponentialMovingAverage"/>).</summary>
    [JsonIgnore]
    public double EmaDecay { get; init; } = 0.999;

    /// <summary>Write a grid of 64 samples (DDIM, 25 steps, fixed seed, averaged weights) every N steps (0 disables).</summary>
    [JsonIgnore]
    public int SampleGridEveryNSteps { get; init; }

    /// <summary>Folder for those grids (files "samples-step-N.png").</summary>
    [JsonIgnore]
    public string? SampleGridFolder { get; init; }

    /// <summary>The default sampler settings of the trained model.</summary>
    public SamplingOptions Sampling { get; init; } = new();

    /// <summary>A tiny model for tests and smoke runs: 100 steps, with the linear betas scaled by
    /// 1000/T (1e-3 to 0.2) so that x_T is still close to pure noise.</summary>
    public static DiffusionOptions Nano => new() { UNet = UNetOptions.Nano, Timesteps = 100, BetaStart = 1e-3, BetaEnd = 0.2, Epochs = 1, BatchSize = 32 };

    /// <summary>The CPU model for 28x28 images: <see cref="UNetOptions.Tiny"/>, T = 1000, linear schedule.</summary>
    public static DiffusionOptions Small => new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public override void Validate()
    {
        if (string.IsNullOrEmpty(InputColumn)) throw new ArgumentOutOfRangeException(nameof(InputColumn), "must be set");
        if (LabelColumn is not null && NumClasses is < 1 or > 100_000) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "must be in [1, 100000]");
        if (!(LabelDropout is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(LabelDropout), LabelDropout, "must be in [0, 1)");
        if (UNet is null) throw new ArgumentOutOfRangeException(nameof(UNet), "must be set");
        UNet.Validate();
        if (Timesteps is < 2 or > 100_000) throw new ArgumentOutOfRangeException(nameof(Timesteps), Timesteps, "must be in [2, 100000]");
        if (!(BetaStart > 0 && BetaStart < BetaEnd && BetaEnd < 1))
            throw new ArgumentOutOfRangeException(nameof(BetaStart), BetaStart, $"need 0 < BetaStart < BetaEnd ({BetaEnd}) < 1");
        if (!(GradientClip >= 0)) throw new ArgumentOutOfRangeException(nameof(GradientClip), GradientClip, "must be >= 0");
        if (!(EmaDecay is >= 0 and <= 1)) throw new ArgumentOutOfRangeException(nameof(EmaDecay), EmaDecay, "must be in [0, 1]");
        if (SampleGridEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(SampleGridEveryNSteps), SampleGridEveryNSteps, "must be >= 0");
        if (SampleGridEveryNSteps > 0 && string.IsNullOrEmpty(SampleGridFolder))
            throw new ArgumentOutOfRangeException(nameof(SampleGridFolder), "a folder is needed when SampleGridEveryNSteps > 0");
        if (Sampling is null) throw new ArgumentOutOfRangeException(nameof(Sampling), "must be set");
        Sampling.Validate(Timesteps);
        base.Validate();
    }
}

/// <summary>The reverse process used to generate.</summary>
public enum SamplerKind
{
    /// <summary>Ancestral sampling through every step with the posterior variance (Ho et al.).</summary>
    Ddpm,
    /// <summary>DDIM over an evenly spaced subset of steps; η = 0 is deterministic, η = 1 is DDPM-like (Song et al.).</summary>
    Ddim,
}

/// <summary>How a trained diffusion model generates.</summary>
public sealed record SamplingOptions
{
    /// <summary>DDPM or DDIM.</summary>
    public SamplerKind Sampler { get; init; } = SamplerKind.Ddim;

    /// <summary>DDIM steps (ignored by DDPM, which takes every step).</summary>
    public int Steps { get; init; } = 50;

    /// <summary>DDIM's η: 0 deterministic, 1 as noisy as DDPM.</summary>
    public double Eta { get; init; }

    /// <summary>Classifier-free guidance weight w: ε = ε(∅) + w·(ε(y) − ε(∅)); 1 is plain conditional
    /// sampling, larger values follow the label more closely. Conditional models only.</summary>
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
