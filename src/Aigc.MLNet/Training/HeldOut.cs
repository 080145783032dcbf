using Aigc.Torch;
using Microsoft.ML;

namespace Aigc.MLNet.Training;

/// <summary>Averages per-batch metrics over held-out data, for the families whose validation draws
/// noise (GAN latents, diffusion steps): the draws come from a fixed seed and training's random
/// stream is restored afterwards, so validating never changes what training does next.</summary>
internal static class HeldOut
{
    private const ulong ValidationSeed = 0x5EED;

    /// <summary>Runs <paramref name="metrics"/> (sums over the batch) on every batch of
    /// <paramref name="data"/> without gradients and returns the means per row.</summary>
    /// <exception cref="ArgumentException">The data has no rows.</exception>
    public static Dictionary<string, double> Mean(IDataView data, IReadOnlyList<string> columns, int batchSize, Device device,
        Func<Batch, IReadOnlyDictionary<string, double>> metrics)
    {
        using var training = Engine.GetRngState();
        Engine.ManualSeed(ValidationSeed);
        try
        {
            using var noGrad = Engine.NoGrad();
            var batcher = new Batcher(data.Schema, columns, batchSize, device);
            using var cursor = data.GetRowCursor(batcher.Columns);
            var sums = new Dictionary<string, double>(StringComparer.Ordinal);
            long rows = 0;
            while (batcher.Next(cursor) is { } batch)
            {
                using (batch)
                using (var scope = DisposeScope.Enter())
                    foreach (var (name, value) in metrics(batch)) sums[name] = sums.GetValueOrDefault(name) + value;
                rows += batch.Count;
            }
            if (rows == 0) throw new ArgumentException("The validation data has no rows.", nameof(data));
            return sums.ToDictionary(kv => kv.Key, kv => kv.Value / rows, StringComparer.Ordinal);
        }
        finally
        {
            Engine.SetRngState(training);
        }
    }
}
