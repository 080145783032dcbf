using Aigc.MLNet.Transforms;

namespace Aigc.MLNet;

/// <summary>Data preparation (ML.NET's <c>mlContext.Transforms</c>). Each entry returns an estimator
/// to <c>Append</c>; the transforms compute lazily, as rows are read.</summary>
public sealed class TransformsCatalog
{
    internal TransformsCatalog(AigcContext context) => Context = context;

    /// <summary>The owning context.</summary>
    public AigcContext Context { get; }

    /// <summary>Byte pixels (0..255) to floats in [0, 1] or [-1, 1].</summary>
    public TrivialEstimator<PixelScalingTransformer> ScaleImagePixels(string inputColumn, string? outputColumn = null,
        PixelScale scale = PixelScale.ZeroToOne) =>
        new(new PixelScalingTransformer(inputColumn, outputColumn ?? inputColumn, scale));

    /// <summary>RGB float images to one gray channel.</summary>
    public TrivialEstimator<GrayscaleTransformer> ConvertToGrayscale(string inputColumn, string? outputColumn = null) =>
        new(new GrayscaleTransformer(inputColumn, outputColumn ?? inputColumn));

    /// <summary>Bilinear resize of float images.</summary>
    public TrivialEstimator<ResizeTransformer> ResizeImages(string inputColumn, int width, int height, string? outputColumn = null) =>
        new(new ResizeTransformer(inputColumn, outputColumn ?? inputColumn, width, height));

    /// <summary>Unicode normalisation, optional lower-casing and whitespace collapsing.</summary>
    public TrivialEstimator<TextNormalizingTransformer> NormalizeText(string inputColumn, string? outputColumn = null,
        bool lowerCase = false, bool collapseWhitespace = true) =>
        new(new TextNormalizingTransformer(inputColumn, outputColumn ?? inputColumn, lowerCase, collapseWhitespace));

    /// <summary>Text to token ids with <paramref name="tokenizer"/> (a variable-length Int64 vector column).</summary>
    public TrivialEstimator<TokenizingTransformer> TokenizeText(string inputColumn, ITokenizer tokenizer, string? outputColumn = null) =>
        new(new TokenizingTransformer(inputColumn, outputColumn ?? inputColumn + "Tokens", tokenizer));
}
