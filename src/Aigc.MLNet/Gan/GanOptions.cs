using System.Text.Json.Serialization;

namespace Aigc.MLNet.Gan;

/// <summary>Options of the DCGAN trainer (non-saturating loss; Adam with DCGAN's settings by default).</summary>
// Run settings (epochs, batch, learning rate, seed, checkpoints) come from TrainingOptions; the few
// properties marked [JsonIgnore] here are this family's own run settings. Model files hold only the rest.
public sealed record GanOptions : Training.TrainingOptions
{
    /// <summary>Creates the options with this family's run defaults.</summary>
    public GanOptions()
    {
        Epochs = 5;
        BatchSize = 128;
        LearningRate = 2e-4;
        ReportEveryNSteps = 100;
        DropLastPartialBatch = true;
    }

    /// <summary>The image column: Single values in [-1, 1] (the generator ends in tanh), shaped (1 or 3, H, W)
    /// with H and W divisible by 4 — e.g. <c>ScaleImagePixels(..., PixelScale.MinusOneToOne)</c>.</summary>
    public string InputColumn { get; init; } = "Image";

    /// <summary>For a class-conditional GAN: the Int64 label column; null trains an unconditional GAN.</summary>
    public string? LabelColumn { get; init; }

    /// <summary>Classes of a conditional GAN (labels must be in [0, NumClasses)).</summary>
    public int NumClasses { get; init; } = 10;

    /// <summary>Size of the noise vector z.</summary>
    public int LatentDim { get; init; } = 64;

    /// <summary>Base channel count of the generator (doubled at the lower resolution).</summary>
    public int GeneratorChannels { get; init; } = 64;

    /// <summary>Base channel count of the discriminator.</summary>
    public int DiscriminatorChannels { get; init; } = 64;

    /// <summary>Adam's β₁ (DCGAN: 0.5).</summary>
    [JsonIgnore]
    public double Beta1 { get; init; } = 0.5;

    /// <summary>Adam's β₂.</summary>
    [JsonIgnore]
    public double Beta2 { get; init; } = 0.999;

    /// <summary>One-sided label smoothing: real images are scored against 1 - s (0 disables).</summary>
    [JsonIgnore]
    public double RealLabelSmoothing { get; init; }

    /// <summary>Write a grid of 64 samples from fixed noise every N steps (0 disables).</summary>
    [JsonIgnore]
    public int SampleGridEveryNSteps { get; init; }

    /// <summary>Folder for those grids (files "samples-step-N.png").</summary>
    [JsonIgnore]
    public string? SampleGridFolder { get; init; }

    /// <summary>A tiny GAN for tests and smoke runs.</summary>
    public static GanOptions Nano => new() { LatentDim = 16, GeneratorChannels = 8, DiscriminatorChannels = 8, Epochs = 1, BatchSize = 64 };

    /// <summary>A DCGAN sized for 28x28 Fashion-MNIST on a CPU.</summary>
    public static GanOptions Small => new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public override void Validate()
    {
        if (string.IsNullOrEmpty(InputColumn)) throw new ArgumentOutOfRangeException(nameof(InputColumn), "must be set");
        if (LabelColumn is not null && NumClasses < 2) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "a conditional GAN needs at least 2 classes");
        // Upper bounds keep a hostile model file from making the constructor allocate without limit.
        if (NumClasses > 100_000) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "must be at most 100000");
        if (LatentDim is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(LatentDim), LatentDim, "must be in [1, 65536]");
        if (GeneratorChannels is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(GeneratorChannels), GeneratorChannels, "must be in [1, 4096]");
        if (DiscriminatorChannels is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(DiscriminatorChannels), DiscriminatorChannels, "must be in [1, 4096]");
        if (!(RealLabelSmoothing is >= 0 and < 1)) throw new ArgumentOutOfRangeException(nameof(RealLabelSmoothing), RealLabelSmoothing, "must be in [0, 1)");
        if (SampleGridEveryNSteps < 0) throw new ArgumentOutOfRangeException(nameof(SampleGridEveryNSteps), SampleGridEveryNSteps, "must be >= 0");
        if (SampleGridEveryNSteps > 0 && string.IsNullOrEmpty(SampleGridFolder))
            throw new ArgumentOutOfRangeException(nameof(SampleGridFolder), "sample grids need a folder");
        base.Validate();
    }
}
