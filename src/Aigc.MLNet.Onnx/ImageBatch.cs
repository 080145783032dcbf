namespace Aigc.MLNet.Onnx;

/// <summary>A batch of images as row-major (count, channels, height, width) floats, with the range
/// their pixels are in.</summary>
public sealed class ImageBatch
{
    /// <summary>Wraps <paramref name="pixels"/>, whose length must be count·channels·height·width.</summary>
    public ImageBatch(float[] pixels, int count, int channels, int height, int width, float minimum, float maximum)
    {
        ArgumentNullException.ThrowIfNull(pixels);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        if (pixels.LongLength != (long)count * channels * height * width)
            throw new ArgumentException($"Expected {count}x{channels}x{height}x{width} = {(long)count * channels * height * width} values, got {pixels.LongLength}.", nameof(pixels));
        if (!(maximum > minimum)) throw new ArgumentOutOfRangeException(nameof(maximum), maximum, $"must exceed the minimum ({minimum})");
        (Pixels, Count, Channels, Height, Width, Minimum, Maximum) = (pixels, count, channels, height, width, minimum, maximum);
    }

    /// <summary>The pixel values, image after image, each (channels, height, width).</summary>
    public float[] Pixels { get; }

    /// <summary>The number of images.</summary>
    public int Count { get; }

    /// <summary>Channels per image (1 grayscale, 3 RGB).</summary>
    public int Channels { get; }

    /// <summary>Image height.</summary>
    public int Height { get; }

    /// <summary>Image width.</summary>
    public int Width { get; }

    /// <summary>The value of a black pixel (0 or -1).</summary>
    public float Minimum { get; }

    /// <summary>The value of a white pixel (1).</summary>
    public float Maximum { get; }

    /// <summary>Values per image.</summary>
    public int ImageSize => Channels * Height * Width;

    /// <summary>The values of image <paramref name="index"/>, (channels, height, width).</summary>
    public ReadOnlySpan<float> this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            return Pixels.AsSpan(index * ImageSize, ImageSize);
        }
    }

    /// <summary>Image <paramref name="index"/> as 8-bit pixels, interleaved (height, width, channels),
    /// as image encoders take them; values outside the range are clamped.</summary>
    public byte[] ToBytes(int index)
    {
        var image = this[index];
        var bytes = new byte[ImageSize];
        int plane = Height * Width;
        float scale = 255f / (Maximum - Minimum);
        for (int c = 0; c < Channels; c++)
            for (int p = 0; p < plane; p++)
                bytes[p * Channels + c] = (byte)Math.Clamp(MathF.Round((image[c * plane + p] - Minimum) * scale), 0, 255);
        return bytes;
    }
}
