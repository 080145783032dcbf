using Aigc.Torch;

namespace Aigc.MLNet.Imaging;

/// <summary>How generated pixel values map to bytes.</summary>
public enum PixelRange
{
    /// <summary>Values in [0, 1] (sigmoid outputs).</summary>
    ZeroToOne,
    /// <summary>Values in [-1, 1] (tanh outputs).</summary>
    MinusOneToOne,
}

/// <summary>Tiles a batch of images into one picture, e.g. to show what a generator produces.</summary>
public static class ImageGrid
{
    /// <summary>Writes the (N, C, H, W) batch <paramref name="images"/> (C = 1 or 3) as a PNG grid of
    /// <paramref name="columns"/> columns with <paramref name="padding"/> pixels between tiles.
    /// Values outside the range are clamped.</summary>
    public static void Save(string path, Tensor images, int columns = 8, int padding = 2, PixelRange range = PixelRange.ZeroToOne)
    {
        var (pixels, width, height, channels) = Compose(images, columns, padding, range);
        PngEncoder.Save(path, pixels, width, height, channels);
    }

    /// <summary>Builds the grid's interleaved bytes (row-major, channels last).</summary>
    public static (byte[] Pixels, int Width, int Height, int Channels) Compose(Tensor images, int columns = 8, int padding = 2,
        PixelRange range = PixelRange.ZeroToOne)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentOutOfRangeException.ThrowIfLessThan(columns, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        var shape = images.Shape;
        if (shape.Length != 4 || shape[1] is not (1 or 3) || shape[0] < 1)
            throw new ArgumentException($"Expected images shaped (N, 1 or 3, H, W), got [{string.Join(", ", shape)}].", nameof(images));
        int n = (int)shape[0], c = (int)shape[1], h = (int)shape[2], w = (int)shape[3];
        float[] values;
        using (var scope = DisposeScope.Enter())
        {
            var x = images.Detach().To(Device.Cpu, ScalarType.Float32);
            if (range == PixelRange.MinusOneToOne) x = (x + 1) * 0.5;
            values = x.Clamp(0, 1).Contiguous().ToArray<float>();
        }
        int cols = Math.Min(columns, n), rows = (n + cols - 1) / cols;
        int width = cols * w + (cols + 1) * padding, height = rows * h + (rows + 1) * padding;
        var pixels = new byte[width * height * c];
        for (int i = 0; i < n; i++)
        {
            int ox = padding + (i % cols) * (w + padding), oy = padding + (i / cols) * (h + padding);
            for (int ch = 0; ch < c; ch++)
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        pixels[((oy + y) * width + ox + x) * c + ch] = (byte)MathF.Round(values[((i * c + ch) * h + y) * w + x] * 255);
        }
        return (pixels, width, height, c);
    }
}
