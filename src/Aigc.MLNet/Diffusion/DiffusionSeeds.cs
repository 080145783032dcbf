using Aigc.MLNet.Imaging;

// Also compiled into Aigc.MLNet.Onnx, so a seed gives the same images on ONNX Runtime as on libtorch.
namespace Aigc.MLNet.Diffusion;

/// <summary>Where the sampler's noise comes from: the starting noise of image i of a seeded
/// request, and a per-row seed for the fresh noise of each step, derived from the row's starting
/// noise so an image does not depend on the batch it is generated in.</summary>
internal static class DiffusionSeeds
{
    /// <summary>The starting noise of <paramref name="count"/> images of <paramref name="size"/>
    /// values: image i's comes from the seed (<paramref name="seed"/>, i).</summary>
    public static float[] StartingNoise(int seed, int count, int size)
    {
        var values = new float[(long)count * size];
        for (int i = 0; i < count; i++) Gaussian.Sample(size, Mix(seed, i)).CopyTo(values, (long)i * size);
        return values;
    }

    /// <summary>A seed per row of (B, C, H, W) starting noise, from its values (FNV-1a over the float bits).</summary>
    public static int[] RowSeeds(float[] noise, int rows)
    {
        int size = noise.Length / rows;
        var seeds = new int[rows];
        for (int r = 0; r < rows; r++)
        {
            uint h = 2166136261;
            for (int i = r * size; i < (r + 1) * size; i++)
            {
                h = (h ^ BitConverter.SingleToUInt32Bits(noise[i])) * 16777619;
            }
            seeds[r] = unchecked((int)h);
        }
        return seeds;
    }

    /// <summary>A well-mixed seed from two integers (a per-row seed and a step index).</summary>
    public static int Mix(int a, int b)
    {
        ulong z = unchecked((ulong)(uint)a << 32 | (uint)b) + 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return unchecked((int)(z ^ (z >> 31)));
    }
}
