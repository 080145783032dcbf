using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Aigc.MLNet.Imaging;

/// <summary>A decoded image: 8-bit samples, interleaved by pixel (row-major, channels last).</summary>
/// <param name="Pixels">Width × height × channels bytes.</param>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in pixels.</param>
/// <param name="Channels">1 (gray) or 3 (RGB); alpha is dropped, palettes are expanded.</param>
internal sealed record DecodedImage(byte[] Pixels, int Width, int Height, int Channels);

/// <summary>
/// Reads PNG files: colour types gray, RGB, palette, gray+alpha and RGBA; bit depth 8, 16 for gray
/// and RGB (reduced to 8), and 1, 2 or 4 for gray and palette; no interlacing. Chunk CRCs are checked, and the decompressed size is
/// bounded by the header, so a hostile file fails with <see cref="InvalidDataException"/>.
/// </summary>
internal static class PngDecoder
{
    /// <summary>Largest image accepted, in pixels.</summary>
    public const long MaxPixels = 1L << 26;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Decodes the file at <paramref name="path"/>.</summary>
    /// <exception cref="InvalidDataException">Not a supported, valid PNG; the message names the file.</exception>
    public static DecodedImage Load(string path)
    {
        try
        {
            return Decode(File.ReadAllBytes(path));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Decodes PNG bytes.</summary>
    public static DecodedImage Decode(ReadOnlySpan<byte> png)
    {
        if (png.Length < 8 || !png[..8].SequenceEqual(Signature)) throw new InvalidDataException("not a PNG file (bad signature)");
        int pos = 8, width = 0, height = 0, depth = 0, colorType = -1;
        byte[]? palette = null;
        using var idat = new MemoryStream();
        bool ended = false;
        while (!ended)
        {
            if (pos + 12 > png.Length) throw new InvalidDataException("truncated PNG (chunk header past the end)");
            int length = BinaryPrimitives.ReadInt32BigEndian(png[pos..]);
            if (length < 0 || pos + 12L + length > png.Length) throw new InvalidDataException("truncated PNG (chunk runs past the end)");
            var type = Encoding.ASCII.GetString(png.Slice(pos + 4, 4));
            var data = png.Slice(pos + 8, length);
            uint crc = BinaryPrimitives.ReadUInt32BigEndian(png[(pos + 8 + length)..]);
            uint actual = PngEncoder.Crc32(data, PngEncoder.Crc32(png.Slice(pos + 4, 4), 0xFFFFFFFFu)) ^ 0xFFFFFFFFu;
            if (crc != actual) throw new InvalidDataException($"corrupt PNG: CRC mismatch in chunk {type}");
            switch (type)
            {
                case "IHDR":
                    if (length != 13) throw new InvalidDataException("corrupt PNG: bad IHDR length");
                    width = BinaryPrimitives.ReadInt32BigEndian(data);
                    height = BinaryPrimitives.ReadInt32BigEndian(data[4..]);
                    (depth, colorType) = (data[8], data[9]);
                    if (data[12] != 0) throw new InvalidDataException("interlaced PNGs are not supported");
                    if (width <= 0 || height <= 0 || (long)width * height > MaxPixels)
                        throw new InvalidDataException($"PNG size {width}x{height} is outside the supported range (at most {MaxPixels} pixels)");
                    break;
                case "PLTE": palette = data.ToArray(); break;
                case "IDAT": idat.Write(data); break;
                case "IEND": ended = true; break;
            }
            pos += 12 + length;
        }
        if (colorType < 0) throw new InvalidDataException("corrupt PNG: no IHDR chunk");
        int samples = colorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, 6 => 4, _ => throw new InvalidDataException($"unknown PNG colour type {colorType}") };
        bool depthOk = depth == 8 || (depth == 16 && colorType is 0 or 2) || (depth is 1 or 2 or 4 && colorType is 0 or 3);
        if (!depthOk) throw new InvalidDataException($"PNG bit depth {depth} with colour type {colorType} is not supported");
        if (colorType == 3 && palette is null) throw new InvalidDataException("corrupt PNG: palette image without PLTE");
        int bytesPerPixel = Math.Max(1, samples * depth / 8); // filters work on whole bytes
        int stride = (int)(((long)width * samples * depth + 7) / 8);
        var raw = Inflate(idat.ToArray(), (long)(stride + 1) * height);
        Unfilter(raw, stride, height, bytesPerPixel);
        return ToPixels(raw, width, height, stride, colorType, depth, palette);
    }

    private static byte[] Inflate(byte[] compressed, long expected)
    {
        var output = new byte[expected];
        try
        {
            using var z = new ZLibStream(new MemoryStream(compressed), CompressionMode.Decompress);
            z.ReadExactly(output);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("corrupt PNG: image data is shorter than the header says", e);
        }
        return output;
    }

    // Reverses the per-row filters in place; row y starts at y * (stride + 1) with its filter byte.
    private static void Unfilter(byte[] raw, int stride, int height, int bpp)
    {
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1) + 1, prev = row - stride - 1;
            int filter = raw[row - 1];
            for (int i = 0; i < stride; i++)
            {
                int a = i >= bpp ? raw[row + i - bpp] : 0;
                int b = y > 0 ? raw[prev + i] : 0;
                int c = y > 0 && i >= bpp ? raw[prev + i - bpp] : 0;
                int add = filter switch
                {
                    0 => 0,
                    1 => a,
                    2 => b,
                    3 => (a + b) >> 1,
                    4 => Paeth(a, b, c),
                    _ => throw new InvalidDataException($"corrupt PNG: unknown filter type {filter} in row {y}"),
                };
                raw[row + i] = (byte)(raw[row + i] + add);
            }
        }
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    private static DecodedImage ToPixels(byte[] raw, int width, int height, int stride, int colorType, int depth, byte[]? palette)
    {
        int channels = colorType is 0 or 4 ? 1 : 3;
        int step = Math.Max(1, depth / 8);
        int maxSample = (1 << Math.Min(depth, 8)) - 1;
        var pixels = new byte[width * height * channels];
        for (int y = 0; y < height; y++)
        {
            int row = y * (stride + 1) + 1;
            for (int x = 0; x < width; x++)
            {
                int o = (y * width + x) * channels;
                switch (colorType)
                {
                    case 0 when depth < 8: pixels[o] = (byte)(Sample(raw, row, x, depth) * 255 / maxSample); break;
                    case 0: pixels[o] = raw[row + x * step]; break;                   // 16-bit: the high byte
                    case 4: pixels[o] = raw[row + x * 2]; break;                      // drop alpha
                    case 2:
                        for (int ch = 0; ch < 3; ch++) pixels[o + ch] = raw[row + (x * 3 + ch) * step];
                        break;
                    case 6:
                        for (int ch = 0; ch < 3; ch++) pixels[o + ch] = raw[row + x * 4 + ch];
                        break;
                    case 3:
                        int index = depth < 8 ? Sample(raw, row, x, depth) : raw[row + x];
                        if (3 * index + 2 >= palette!.Length) throw new InvalidDataException($"corrupt PNG: palette index {index} out of range");
                        for (int ch = 0; ch < 3; ch++) pixels[o + ch] = palette[3 * index + ch];
                        break;
                }
            }
        }
        return new DecodedImage(pixels, width, height, channels);
    }

    // Sub-byte samples are packed from the most significant bit.
    private static int Sample(byte[] raw, int row, int x, int depth)
    {
        int bit = x * depth;
        return (raw[row + bit / 8] >> (8 - depth - bit % 8)) & ((1 << depth) - 1);
    }
}
