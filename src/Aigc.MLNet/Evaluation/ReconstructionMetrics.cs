using Aigc.MLNet.Data;

namespace Aigc.MLNet.Evaluation;

/// <summary>How closely reconstructed images match their originals.</summary>
/// <param name="MeanSquaredError">Mean of (x - x̂)² over every pixel of every image.</param>
/// <param name="PeakSignalToNoiseRatio">Mean over images of 10·log₁₀(range² / MSEᵢ), in dB
/// (scikit-image's per-image definition, averaged); +∞ for a perfect image is capped at 100 dB.</param>
/// <param name="Count">Images compared.</param>
public sealed record ReconstructionMetrics(double MeanSquaredError, double PeakSignalToNoiseRatio, long Count);

/// <summary>Computes <see cref="ReconstructionMetrics"/> from two image columns of a view.</summary>
internal static class ReconstructionEvaluator
{
    public static ReconstructionMetrics Evaluate(IDataView data, string originalColumn, string reconstructionColumn, double dataRange)
    {
        if (!(dataRange > 0)) throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "must be > 0");
        static bool IsImage(DataViewType t) => t is VectorDataViewType { IsKnownSize: true } v && v.ItemType.Equals(NumberDataViewType.Single);
        var a = data.Schema.Require(originalColumn, "a fixed-size Single vector", IsImage);
        var b = data.Schema.Require(reconstructionColumn, "a fixed-size Single vector", IsImage);
        if (!a.Type.Equals(b.Type))
            throw new SchemaMismatchException(reconstructionColumn, a.Type.ToString(), b.Type, data.Schema);
        using var cursor = data.GetRowCursor([a, b]);
        var getA = cursor.GetGetter<float[]>(a);
        var getB = cursor.GetGetter<float[]>(b);
        float[] x = [], y = [];
        double sumSq = 0, sumPsnr = 0;
        long pixels = 0, count = 0;
        while (cursor.MoveNext())
        {
            getA(ref x);
            getB(ref y);
            double sq = 0;
            for (int i = 0; i < x.Length; i++) sq += (x[i] - y[i]) * (double)(x[i] - y[i]);
            double mse = sq / x.Length;
            sumPsnr += mse == 0 ? 100 : Math.Min(100, 10 * Math.Log10(dataRange * dataRange / mse));
            sumSq += sq;
            pixels += x.Length;
            count++;
        }
        if (count == 0) throw new ArgumentException("No rows to evaluate.", nameof(data));
        return new ReconstructionMetrics(sumSq / pixels, sumPsnr / count, count);
    }
}
