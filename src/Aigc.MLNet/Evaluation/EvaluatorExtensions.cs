using Aigc.MLNet.Classification;
using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.MLNet.Imaging;
using Aigc.Torch;

namespace Aigc.MLNet.Evaluation;

/// <summary>Evaluators on <c>mlContext.Generative().Evaluators</c>; model families add theirs beside these.</summary>
public static class EvaluatorExtensions
{
    /// <summary>MSE, PSNR and SSIM between an image column and its reconstruction.</summary>
    /// <param name="evaluators">The catalog.</param>
    /// <param name="data">Rows holding both columns (e.g. a VAE's transform output).</param>
    /// <param name="originalColumn">The input images.</param>
    /// <param name="reconstructionColumn">The reconstructed images, same shape.</param>
    /// <param name="dataRange">Pixel range: 1 for [0, 1] images, 2 for [-1, 1].</param>
    public static ReconstructionMetrics EvaluateReconstruction(this GenerativeCatalog.GenerativeEvaluators evaluators, IDataView data,
        string originalColumn, string reconstructionColumn, double dataRange = 1.0)
    {
        ArgumentNullException.ThrowIfNull(evaluators);
        ArgumentNullException.ThrowIfNull(data);
        return ReconstructionEvaluator.Evaluate(data, originalColumn, reconstructionColumn, dataRange);
    }

    /// <summary>Fréchet classifier distance and class coverage of generated images against real ones.</summary>
    public static GenerationMetrics EvaluateGeneration(this GenerativeCatalog.GenerativeEvaluators evaluators, Tensor real, Tensor generated,
        ImageClassifierTransformer classifier, PixelRange realRange = PixelRange.ZeroToOne, PixelRange generatedRange = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(evaluators);
        return GenerationEvaluator.Evaluate(real, generated, classifier, realRange, generatedRange);
    }

    /// <summary>How often a conditional generator's images are classified as the class asked for.</summary>
    public static double EvaluateConditionalAccuracy(this GenerativeCatalog.GenerativeEvaluators evaluators, Tensor generated,
        IReadOnlyList<long> intendedLabels, ImageClassifierTransformer classifier, PixelRange generatedRange = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(evaluators);
        return GenerationEvaluator.ConditionalAccuracy(generated, intendedLabels, classifier, generatedRange);
    }
}
