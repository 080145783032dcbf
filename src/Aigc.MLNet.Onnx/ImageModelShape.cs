namespace Aigc.MLNet.Onnx;

/// <summary>The image shape and pixel range an exported image model declares in its metadata.</summary>
internal readonly record struct ImageModelShape(int Channels, int Height, int Width, float Minimum, float Maximum)
{
    public int Size => Channels * Height * Width;

    /// <summary>(rows, C, H, W).</summary>
    public long[] Dims(int rows) => [rows, Channels, Height, Width];

    public static ImageModelShape Read(OnnxModelSession session)
    {
        var (min, max) = session.Text(OnnxContract.Keys.PixelRange) switch
        {
            OnnxContract.ZeroToOne => (0f, 1f),
            OnnxContract.MinusOneToOne => (-1f, 1f),
            var other => throw new InvalidDataException($"'{session.Path}' has an unknown pixel range '{other}'."),
        };
        return new(session.Int(OnnxContract.Keys.Channels, 4), session.Int(OnnxContract.Keys.Height, 4096), session.Int(OnnxContract.Keys.Width, 4096), min, max);
    }

    /// <summary>Checks that <paramref name="images"/> are shaped as this model reads them.</summary>
    public void Check(ImageBatch images, string parameter)
    {
        ArgumentNullException.ThrowIfNull(images, parameter);
        if ((images.Channels, images.Height, images.Width) != (Channels, Height, Width))
            throw new ArgumentException($"Expected images of {Channels}x{Height}x{Width}, got {images.Channels}x{images.Height}x{images.Width}.", parameter);
    }

    public ImageBatch Batch(float[] pixels, int count) => new(pixels, count, Channels, Height, Width, Minimum, Maximum);
}
