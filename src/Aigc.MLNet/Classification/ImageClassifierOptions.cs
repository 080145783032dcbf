using System.Text.Json.Serialization;

namespace Aigc.MLNet.Classification;

/// <summary>Options of the small image classifier whose features the generation metrics use
/// (Inception weights cannot be obtained here, so the Fréchet distance uses this network instead).</summary>
// Properties marked [JsonIgnore] are settings of a training run: model files hold only what defines the model.
public sealed record ImageClassifierOptions
{
    /// <summary>Image column: Single pixels in [0, 1], shaped (1 or 3, H, W), H and W divisible by 4.</summary>
    public string InputColumn { get; init; } = "Image";

    /// <summary>Int64 class labels in [0, NumClasses).</summary>
    public string LabelColumn { get; init; } = "Label";

    /// <summary>Number of classes.</summary>
    public int NumClasses { get; init; } = 10;

    /// <summary>Size of the feature layer (the space the Fréchet distance is measured in).</summary>
    public int FeatureDim { get; init; } = 128;

    /// <summary>Passes over the data.</summary>
    [JsonIgnore]
    public int Epochs { get; init; } = 3;

    /// <summary>Images per step.</summary>
    [JsonIgnore]
    public int BatchSize { get; init; } = 128;

    /// <summary>Adam's learning rate.</summary>
    [JsonIgnore]
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>Seeds the run (weight initialisation, data order, noise) at the start of each Fit; null
    /// draws a seed from the MLContext's random source when the trainer is created, as ML.NET's own
    /// trainers do, so <c>new MLContext(seed: n)</c> makes whole pipelines repeatable.</summary>
    [JsonIgnore]
    public int? Seed { get; init; }

    /// <summary>An optional step budget.</summary>
    [JsonIgnore]
    public long? MaxSteps { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the first bad option.</summary>
    public void Validate()
    {
        // Upper bounds keep a hostile model file from making the constructor allocate without limit.
        if (NumClasses is < 2 or > 100_000) throw new ArgumentOutOfRangeException(nameof(NumClasses), NumClasses, "must be in [2, 100000]");
        if (FeatureDim is < 2 or > 65536) throw new ArgumentOutOfRangeException(nameof(FeatureDim), FeatureDim, "must be in [2, 65536]");
        if (!(LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "must be > 0");
        Loop.Validate();
    }

    internal Training.TrainingOptions Loop => new() { Epochs = Epochs, BatchSize = BatchSize, MaxSteps = MaxSteps, ReportEveryNSteps = 50 };
}
