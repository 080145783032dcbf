namespace Aigc.MLNet.Classification;

/// <summary>Options of the small image classifier whose features the generation metrics use
/// (Inception weights cannot be obtained here, so the Fréchet distance uses this network instead).</summary>
// Run settings (epochs, batch, learning rate, seed, checkpoints) come from TrainingOptions; model files
// hold only the rest.
public sealed record ImageClassifierOptions : Training.TrainingOptions
{
    /// <summary>Creates the options with this family's run defaults.</summary>
    public ImageClassifierOptions()
    {
        Epochs = 3;
        BatchSize = 128;
    }

    /// <summary>Image column: Single pixels in [0, 1], shaped (1 or 3, H, W), H and W divisible by 4.</summary>
    public string InputColumn { get; init; } = "Image";

    /// <summary>Int64 class labels in [0, NumClasses).</summary>
    public string LabelColumn { get; init; } = "Label";

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; init; } = 10;

    /// <summary>Size of the feature layer (the space the Fréchet distance is measured in).</summary>
    public int FeatureDim { get; init; } = 128;

    /// <summary>A small feature layer and one short epoch, for tests and smoke runs.</summary>
    public static ImageClassifierOptions Nano => new() { FeatureDim = 32, Epochs = 1, BatchSize = 64 };

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public override void Validate()
    {
        // Upper bounds keep a hostile model file from making the constructor allocate without limit.
        if (NumClasses is < 2 or > 100_000) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "must be in [2, 100000]");
        if (FeatureDim is < 2 or > 65536) throw new ArgumentOutOfRangeException(nameof(FeatureDim), FeatureDim, "must be in [2, 65536]");
        base.Validate();
    }
}
