// Also compiled into Aigc.MLNet.Onnx, so a seed draws the same noise on ONNX Runtime as on libtorch.
namespace Aigc.MLNet.Imaging;

/// <summary>Seeded standard-normal noise from .NET's generator (Box–Muller), independent of
/// libtorch's global generator, so generation is reproducible and thread-safe.</summary>
internal static class Gaussian
{
    public static float[] Sample(int count, int seed)
    {
        var rand = new Random(seed);
        var values = new float[count];
        for (int i = 0; i < count; i += 2)
        {
            double u1 = 1.0 - rand.NextDouble(), u2 = rand.NextDouble();
            double r = Math.Sqrt(-2 * Math.Log(u1));
            values[i] = (float)(r * Math.Cos(2 * Math.PI * u2));
            if (i + 1 < count) values[i + 1] = (float)(r * Math.Sin(2 * Math.PI * u2));
        }
        return values;
    }

    /// <summary><see cref="Sample"/>, with values beyond ±<paramref name="truncation"/> redrawn from
    /// a seeded stream of extra values (the truncation trick); null leaves them as drawn.</summary>
    public static float[] Truncated(int count, int seed, double? truncation)
    {
        var values = Sample(count, seed);
        if (truncation is not { } t) return values;
        var extra = new Queue<float>();
        int refill = seed;
        for (int i = 0; i < values.Length; i++)
            while (Math.Abs(values[i]) > t)
            {
                if (extra.Count == 0) foreach (var v in Sample(256, unchecked(++refill * 7919))) extra.Enqueue(v);
                values[i] = extra.Dequeue();
            }
        return values;
    }
}
