using System.Diagnostics;
using Aigc.MLNet.Imaging;

namespace Aigc.MLNet.Tests;

public class PngEncoderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-png-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Decodes with Debian's PIL (python3-pil), an independent PNG implementation.</summary>
    private static (string Mode, int W, int H, int[] Pixels) DecodeWithPil(string path)
    {
        var script = "import sys; from PIL import Image; im = Image.open(sys.argv[1]); im.load(); " +
                     "print(im.mode, im.size[0], im.size[1]); print(' '.join(str(v) for p in im.getdata() for v in (p if isinstance(p, tuple) else (p,))))";
        var psi = new ProcessStartInfo("/usr/bin/python3", ["-c", script, path]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var lines = p.StandardOutput.ReadToEnd().Split('\n');
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        var head = lines[0].Split(' ');
        return (head[0], int.Parse(head[1]), int.Parse(head[2]), lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray());
    }

    [PilFact]
    public void Gray_DecodesIdenticallyInPil()
    {
        var pixels = Enumerable.Range(0, 5 * 3).Select(i => (byte)(i * 17)).ToArray();
        var path = Path.Combine(_dir, "g.png");
        PngEncoder.Save(path, pixels, 5, 3, 1);
        var (mode, w, h, got) = DecodeWithPil(path);
        Assert.Equal(("L", 5, 3), (mode, w, h));
        Assert.Equal(pixels.Select(b => (int)b), got);
    }

    [PilFact]
    public void Rgb_DecodesIdenticallyInPil()
    {
        var pixels = Enumerable.Range(0, 4 * 2 * 3).Select(i => (byte)(255 - i * 7)).ToArray();
        var path = Path.Combine(_dir, "c.png");
        PngEncoder.Save(path, pixels, 4, 2, 3);
        var (mode, w, h, got) = DecodeWithPil(path);
        Assert.Equal(("RGB", 4, 2), (mode, w, h));
        Assert.Equal(pixels.Select(b => (int)b), got);
    }

    [Fact]
    public void Crc32_MatchesKnownCheckValue() =>
        // The standard CRC-32 check value: CRC of ASCII "123456789" is 0xCBF43926.
        Assert.Equal(0xCBF43926u, PngEncoder.Crc32("123456789"u8, 0xFFFFFFFFu) ^ 0xFFFFFFFFu);

    [Fact]
    public void Encode_RejectsWrongPixelCountAndChannels()
    {
        Assert.Contains("Expected 12 bytes", Assert.Throws<ArgumentException>(() => PngEncoder.Encode(new byte[5], 2, 2, 3)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PngEncoder.Encode(new byte[8], 2, 2, 2));
    }

    [Fact]
    public void Grid_TilesImagesWithPadding()
    {
        using var scope = DisposeScope.Enter();
        // Three 2x2 gray images: all 0, all 0.5, all 1, in [-1, 1] range.
        var images = Tensor.FromArray([-1f, -1, -1, -1, 0, 0, 0, 0, 1, 1, 1, 1], 3, 1, 2, 2);
        var (pixels, w, h, c) = ImageGrid.Compose(images, columns: 2, padding: 1, range: PixelRange.MinusOneToOne);
        Assert.Equal((7, 7, 1), (w, h, c)); // 2 columns, 2 rows, 1-pixel borders
        Assert.Equal(0, pixels[1 * 7 + 1]);     // image 0
        Assert.Equal(128, pixels[1 * 7 + 4]);   // image 1, round(0.5 * 255)
        Assert.Equal(255, pixels[4 * 7 + 1]);   // image 2
        Assert.Equal(0, pixels[4 * 7 + 4]);     // empty slot stays black
        Assert.Throws<ArgumentException>(() => ImageGrid.Compose(Tensor.Zeros(2, 2)));
    }
}

public sealed class PilFactAttribute : FactAttribute
{
    public PilFactAttribute()
    {
        var ok = File.Exists("/usr/bin/python3") && Directory.Exists("/usr/lib/python3/dist-packages/PIL");
        if (!ok) Skip = "Debian's python3-pil is absent (scripts/setup.sh installs it).";
    }
}
