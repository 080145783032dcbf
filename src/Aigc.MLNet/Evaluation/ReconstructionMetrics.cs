using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;
using Aigc.Torch;

namespace Aigc.MLNet.Evaluation;

/// <summary>How closely reconstructed images match their originals.</summary>
/// <param name="MeanSquaredError">Mean of (x - x̂)² over every pixel of every image.</param>
/// <param name="PeakSignalToNoiseRatio">Mean over images of 10·log₁₀(range² / MSEᵢ), in dB
/// (scikit-image's per-image definition, averaged); a perfect image counts as 100 dB.</param>
/// <param name="StructuralSimilarity">Mean SSIM over images (see <see cref="Ssim"/>); null for
/// columns that are not (C, H, W) images of at least 11x11.</param>
/// <param name="Count">Images compared.</param>
public sealed record ReconstructionMetrics(double MeanSquaredError, double PeakSignalToNoiseRatio, double? StructuralSimilarity, long Count);

/// <summary>Computes <see cref="ReconstructionMetrics"/> from two image columns of a view, in batches.</summary>
internal static class ReconstructionEvaluator
{
    private const int BatchSize = 256;

    public static ReconstructionMetrics Evaluate(IDataView data, string originalColumn, string reconstructionColumn, double dataRange)
    {
        if (!(dataRange > 0)) throw new ArgumentOutOfRangeException(nameof(dataRange), dataRange, "must be > 0");
        static bool IsImage(DataViewType t) => t is VectorDataViewType { IsKnownSize: true } v && v.ItemType.Equals(NumberDataViewType.Single);
        var a = data.Schema.Require(originalColumn, "a fixed-size Single vector", IsImage);
        var b = data.Schema.Require(reconstructionColumn, "a fixed-size Single vector", IsImage);
        if (!a.Type.Equals(b.Type))
            throw new SchemaMismatchException(reconstructionColumn, $"{a.Type}", b.Type, data.Schema);
        var dims = ((VectorDataViewType)a.Type).Dimensions.Select(d => (long)d).ToArray();
        bool ssim = dims.Length == 3 && dims[1] >= Ssim.WindowSize && dims[2] >= Ssim.WindowSize;
        var batcher = new Training.Batcher(data.Schema, [originalColumn, reconstructionColumn], BatchSize, Device.Cpu);
        using var cursor = data.GetRowCursor(batcher.Columns);
        double sumSq = 0, sumPsnr = 0, sumSsim = 0;
        long pixels = 0, count = 0;
        while (batcher.Next(cursor) is { } batch)
        {
            using (batch)
            using (var scope = DisposeScope.Enter())
            {
                var x = batch[originalColumn].To(ScalarType.Float64);
                var y = batch[reconstructionColumn].To(ScalarType.Float64);
                var perImage = (x - y).Square().Reshape(batch.Count, -1).Mean(1).ToArray<double>();
                foreach (var mse in perImage)
                    sumPsnr += mse == 0 ? 100 : Math.Min(100, 10 * Math.Log10(dataRange * dataRange / mse));
                sumSq += perImage.Sum() * (x.NumberOfElements / batch.Count);
                if (ssim) sumSsim += Ssim.Compute(x, y, dataRange).To(ScalarType.Float64).Sum().Item();
                pixels += x.NumberOfElements;
                count += batch.Count;
            }
        }
        if (count == 0) throw new ArgumentException("No rows to evaluate.", nameof(data));
        return new ReconstructionMetrics(sumSq / pixels, sumPsnr / count, ssim ? sumSsim / count : null, count);
    }
}
