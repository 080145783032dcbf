using System.IO.Compression;
using Aigc.MLNet.Data;

namespace Aigc.MLNet.Tests;

public class IdxFileTests : IDisposable
{
    private const string FashionDir = "/usr/share/datasets/fashion-mnist";
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-idx-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Read_FashionMnistTestSet_FromDebianPackage()
    {
        var images = IdxFile.Read(Path.Combine(FashionDir, "t10k-images-idx3-ubyte.gz"));
        var labels = IdxFile.Read(Path.Combine(FashionDir, "t10k-labels-idx1-ubyte.gz"));
        Assert.Equal([10000, 28, 28], images.Shape);
        Assert.Equal(784, images.ItemSize);
        Assert.Equal([10000], labels.Shape);
        // Fashion-MNIST's test set is balanced: 1,000 images of each of the 10 classes.
        Assert.All(labels.Data.GroupBy(l => l), g => Assert.Equal(1000, g.Count()));
        Assert.Equal(9, labels.Data[0]); // the first test item is an ankle boot
        Assert.Contains(images.Data, b => b == 255);
    }

    private string Write(string name, byte[] bytes, bool gzip = false)
    {
        var path = Path.Combine(_dir, name);
        if (!gzip)
        {
            File.WriteAllBytes(path, bytes);
            return path;
        }
        using var f = File.Create(path);
        using var z = new GZipStream(f, CompressionLevel.Fastest);
        z.Write(bytes);
        return path;
    }

    [Fact]
    public void Read_RawAndGzipped_GiveSameArray()
    {
        byte[] file = [0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6];
        var raw = IdxFile.Read(Write("raw.idx", file));
        var gz = IdxFile.Read(Write("gz.idx.gz", file, gzip: true));
        Assert.Equal([2, 3], raw.Shape);
        Assert.Equal([1, 2, 3, 4, 5, 6], raw.Data);
        Assert.Equal(raw.Data, gz.Data);
    }

    [Theory]
    [InlineData(new byte[] { 1, 0, 8, 1, 0, 0, 0, 1, 9 }, "bad magic")]
    [InlineData(new byte[] { 0, 0, 0x0D, 1, 0, 0, 0, 1, 9 }, "0x0D is not supported")]
    [InlineData(new byte[] { 0, 0, 8, 9 }, "9 dimensions")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0, 0, 0, 5, 1, 2 }, "truncated")]
    [InlineData(new byte[] { 0, 0, 8, 1, 0xFF, 0xFF, 0xFF, 0xFF }, "dimension 0 is -1")]
    [InlineData(new byte[] { 0, 0, 8, 3, 0x7F, 0, 0, 0, 0x7F, 0, 0, 0, 0x7F, 0, 0, 0 }, "more than")]
    [InlineData(new byte[] { 0, 0 }, "truncated")]
    public void Read_CorruptFile_ThrowsNamingFileAndProblem(byte[] bytes, string problem)
    {
        var path = Write("bad.idx", bytes);
        var e = Assert.Throws<InvalidDataException>(() => IdxFile.Read(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }
}
