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
}
