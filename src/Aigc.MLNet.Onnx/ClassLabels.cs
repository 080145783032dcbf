namespace Aigc.MLNet.Onnx;

/// <summary>The labels a generator is given, checked against the classes it was trained with.</summary>
internal static class ClassLabels
{
    /// <summary>Throws <see cref="ArgumentException"/> (parameter "labels") unless a conditional model
    /// gets one label per image in [0, classes) and an unconditional one gets none.</summary>
    /// <param name="labels">The labels given.</param>
    /// <param name="count">Images asked for.</param>
    /// <param name="classes">The model's classes; null for an unconditional model.</param>
    /// <param name="model">The model, as the messages name it ("GAN", "diffusion model").</param>
    public static void Check(long[]? labels, int count, int? classes, string model)
    {
        if (classes is not { } n)
        {
            if (labels is not null) throw new ArgumentException($"This {model} is not conditional: it takes no labels.", nameof(labels));
            return;
        }
        if (labels is null) throw new ArgumentException($"This {model} is class-conditional: give one label per image, in [0, {n}).", nameof(labels));
        if (labels.Length != count) throw new ArgumentException($"Expected {count} labels, one per image, got {labels.Length}.", nameof(labels));
        foreach (var l in labels)
            if (l < 0 || l >= n) throw new ArgumentOutOfRangeException(nameof(labels), l, $"Labels must be in [0, {n}).");
    }
}
