using Aigc.MLNet.Classification;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Imaging;
using Aigc.Torch;

namespace Aigc.MLNet.Evaluation;

/// <summary>How generated images compare with real ones, in the feature space of a classifier trained
/// on the same data set (Inception weights cannot be obtained here; this is not FID's network, so
/// values are comparable only between runs that use the same classifier file).</summary>
/// <param name="FrechetClassifierDistance">Fréchet distance between Gaussians fitted to real and
/// generated features (lower is better; 0 for identical statistics).</param>
/// <param name="ClassCoverage">Entropy of the predicted-class histogram of the generated images over
/// log(classes): 1 when every class is equally present, near 0 when generation collapsed onto one
/// class (mode collapse).</param>
/// <param name="PredictedClassShares">The histogram itself: the share of generated images per class.</param>
/// <param name="RealCount">Real images used.</param>
/// <param name="GeneratedCount">Generated images used.</param>
public sealed record GenerationMetrics(double FrechetClassifierDistance, double ClassCoverage, IReadOnlyList<double> PredictedClassShares,
    long RealCount, long GeneratedCount);

/// <summary>Computes <see cref="GenerationMetrics"/> and conditional accuracy.</summary>
public static class GenerationEvaluator
{
    /// <summary>Compares (N, C, H, W) generated images with (M, C, H, W) real ones.</summary>
    public static GenerationMetrics Evaluate(Tensor real, Tensor generated, ImageClassifierTransformer classifier,
        PixelRange realRange = PixelRange.ZeroToOne, PixelRange generatedRange = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(real);
        ArgumentNullException.ThrowIfNull(generated);
        ArgumentNullException.ThrowIfNull(classifier);
        using var scope = DisposeScope.Enter();
        var realFeatures = Rows(classifier.Features(real, realRange));
        var genFeatures = Rows(classifier.Features(generated, generatedRange));
        double fd = FrechetDistance.Compute(realFeatures, genFeatures);
        var predicted = classifier.Predict(generated, generatedRange).ToArray<long>();
        int k = classifier.Options.NumClasses;
        var shares = new double[k];
        foreach (var p in predicted) shares[p] += 1.0 / predicted.Length;
        double entropy = -shares.Where(s => s > 0).Sum(s => s * Math.Log(s));
        // Rounding can leave the entropy of a one-class histogram a hair below zero.
        double coverage = Math.Clamp(entropy / Math.Log(k), 0, 1);
        return new GenerationMetrics(fd, coverage, shares, realFeatures.Length, genFeatures.Length);
    }

    /// <summary>The share of generated images the classifier assigns to the class they were generated for.</summary>
    public static double ConditionalAccuracy(Tensor generated, IReadOnlyList<long> intendedLabels, ImageClassifierTransformer classifier,
        PixelRange generatedRange = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(intendedLabels);
        ArgumentNullException.ThrowIfNull(classifier);
        using var scope = DisposeScope.Enter();
        var predicted = classifier.Predict(generated, generatedRange).ToArray<long>();
        if (predicted.Length != intendedLabels.Count)
            throw new ArgumentException($"Got {intendedLabels.Count} labels for {predicted.Length} images.", nameof(intendedLabels));
        return predicted.Zip(intendedLabels).Count(p => p.First == p.Second) / (double)predicted.Length;
    }

    /// <summary>All images of a view's column as one (N, C, H, W) CPU tensor.</summary>
    public static Tensor ReadImages(IDataView view, string column)
    {
        ArgumentNullException.ThrowIfNull(view);
        var batcher = new Training.Batcher(view.Schema, [column], 1024, Device.Cpu);
        using var cursor = view.GetRowCursor(batcher.Columns);
        var parts = new List<Tensor>();
        while (batcher.Next(cursor) is { } batch)
            using (batch) parts.Add(batch[column].Detach());
        if (parts.Count == 0) throw new ArgumentException("The view has no rows.", nameof(view));
        var result = Tensor.Cat(parts);
        foreach (var p in parts) p.Dispose();
        return result;
    }

    private static double[][] Rows(Tensor features)
    {
        var values = features.To(ScalarType.Float64).ToArray<double>();
        int d = (int)features.Size(1);
        return Enumerable.Range(0, (int)features.Size(0)).Select(i => values.AsSpan(i * d, d).ToArray()).ToArray();
    }
}
