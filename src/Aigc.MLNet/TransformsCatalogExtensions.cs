using Aigc.MLNet.Transforms;
using Microsoft.ML;

namespace Aigc.MLNet;

/// <summary>Aigc.MLNet's data transforms on ML.NET's <c>mlContext.Transforms</c>.</summary>
public static class TransformsCatalogExtensions
{
    /// <summary>Byte pixels (0..255) shaped (channels, height, width) to Single values in [0, 1] or [-1, 1].</summary>
    /// <param name="catalog">ML.NET's transforms catalog.</param>
    /// <param name="outputColumnName">The Single image column to write.</param>
    /// <param name="inputColumnName">The byte image column to read; defaults to <paramref name="outputColumnName"/>.</param>
    /// <param name="scale">The output range.</param>
    public static IEstimator<PixelScalingTransformer> ScaleImagePixels(this TransformsCatalog catalog, string outputColumnName,
        string? inputColumnName = null, PixelScale scale = PixelScale.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var transformer = new PixelScalingTransformer(inputColumnName ?? outputColumnName, outputColumnName, scale);
        return new FixedEstimator<PixelScalingTransformer>(transformer, transformer.OutputShape);
    }
}
