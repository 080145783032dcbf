using System.Text.Json.Serialization;

namespace Aigc.MLNet.Vae;

/// <summary>The encoder/decoder architecture.</summary>
public enum VaeArchitecture
{
    /// <summary>The PyTorch-examples MLP: pixels → hidden → (μ, log σ²) → hidden → pixels.</summary>
    Mlp,
    /// <summary>Two stride-2 convolutions down, two transposed convolutions up (H and W divisible by 4).</summary>
    Conv,
}

/// <summary>How reconstructions are scored.</summary>
public enum ReconstructionLoss
{
    /// <summary>Binary cross-entropy summed over pixels (pixels in [0, 1]), as in the PyTorch example.</summary>
    BinaryCrossEntropy,
    /// <summary>Squared error summed over pixels.</summary>
    MeanSquaredError,
}

/// <summary>Options of the VAE trainer. Loss per image = reconstruction + β · KL(q(z|x) ‖ N(0, I)).</summary>
// Run settings (epochs, batch, learning rate, seed, checkpoints) come from TrainingOptions; the few
// properties marked [JsonIgnore] here are this family's own run settings. Model files hold only the rest.
public sealed record VaeOptions : Training.TrainingOptions
{
    /// <summary>Creates the options with this family's run defaults.</summary>
    public VaeOptions()
    {
        Epochs = 10;
        BatchSize = 128;
        ReportEveryNSteps = 100;
    }

    /// <summary>The image column: Single values in [0, 1], shaped (1 or 3, H, W).</summary>
    public string InputColumn { get; init; } = "Image";

    /// <summary>The column the transformer writes reconstructions to.</summary>
    public string ReconstructionColumn { get; init; } = "Reconstruction";

    /// <summary>MLP or convolutional.</summary>
    public VaeArchitecture Architecture { get; init; } = VaeArchitecture.Mlp;

    /// <summary>Size of the latent code z.</summary>
    public int LatentDim { get; init; } = 20;

    /// <summary>Hidden width of the MLP.</summary>
    public int HiddenDim { get; init; } = 400;

    /// <summary>Channels of the first convolution (doubled in the second).</summary>
    public int ConvChannels { get; init; } = 32;

    /// <summary>β, the weight of the KL term (1 is the standard VAE).</summary>
    public double Beta { get; init; } = 1.0;

    /// <summary>The reconstruction loss.</summary>
    public ReconstructionLoss Loss { get; init; } = ReconstructionLoss.BinaryCrossEntropy;

    /// <summary>A tiny model for tests and smoke runs.</summary>
    public static VaeOptions Nano => new() { HiddenDim = 64, LatentDim = 8, ConvChannels = 8, Epochs = 1, BatchSize = 64 };

    /// <summary>The PyTorch example's model (784-400-20), 10 epochs.</summary>
    public static VaeOptions Small => new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public override void Validate()
    {
        if (string.IsNullOrEmpty(InputColumn)) throw new ArgumentOutOfRangeException(nameof(InputColumn), "must be set");
        if (string.IsNullOrEmpty(ReconstructionColumn)) throw new ArgumentOutOfRangeException(nameof(ReconstructionColumn), "must be set");
        // Upper bounds keep a hostile model file from making the constructor allocate without limit.
        if (LatentDim is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(LatentDim), LatentDim, "must be in [1, 65536]");
        if (HiddenDim is < 1 or > 65536) throw new ArgumentOutOfRangeException(nameof(HiddenDim), HiddenDim, "must be in [1, 65536]");
        if (ConvChannels is < 1 or > 4096) throw new ArgumentOutOfRangeException(nameof(ConvChannels), ConvChannels, "must be in [1, 4096]");
        if (!(Beta >= 0)) throw new ArgumentOutOfRangeException(nameof(Beta), Beta, "must be >= 0");
        base.Validate();
    }
}
