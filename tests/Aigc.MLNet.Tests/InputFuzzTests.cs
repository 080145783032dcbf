using System.IO.Compression;
using Aigc.MLNet.Data;
using Aigc.MLNet.Imaging;
using Aigc.MLNet.Text;
using Aigc.Torch.Serialization;

namespace Aigc.MLNet.Tests;

/// <summary>Random byte flips, truncations and inserted garbage in every input format we parse —
/// safetensors, IDX, PNG, GPT-2 vocabularies: each parse either succeeds or fails with the format's
/// own exception type, never another exception, a hang or a crash.</summary>
public class InputFuzzTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-input-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static IEnumerable<byte[]> Mutants(byte[] valid, int seed, int count)
    {
        var rand = new Random(seed);
        for (int n = 0; n < count; n++)
        {
            var bytes = (byte[])valid.Clone();
            switch (n % 3)
            {
                case 0:
                    for (int k = rand.Next(1, 6); k > 0; k--) bytes[rand.Next(bytes.Length)] ^= (byte)rand.Next(1, 256);
                    break;
                case 1:
                    bytes = bytes[..rand.Next(bytes.Length)];
                    break;
                default:
                    int at = rand.Next(bytes.Length);
                    var junk = new byte[rand.Next(1, 64)];
                    rand.NextBytes(junk);
                    bytes = [.. bytes[..at], .. junk, .. bytes[at..]];
                    break;
            }
            yield return bytes;
        }
    }

    private static (int Ok, int Rejected) Run<TExpected>(IEnumerable<byte[]> mutants, Action<byte[]> parse) where TExpected : Exception
    {
        int ok = 0, rejected = 0;
        foreach (var m in mutants)
        {
            try
            {
                parse(m);
                ok++;
            }
            catch (TExpected)
            {
                rejected++;
            }
        }
        return (ok, rejected);
    }

    [Fact]
    public void SafeTensors_Mutants_FailWithSafeTensorsException()
    {
        var path = Path.Combine(_dir, "valid.safetensors");
        using (var scope = DisposeScope.Enter())
            SafeTensors.Save(path, new Dictionary<string, Tensor> { ["a"] = Tensor.Randn([3, 4]), ["b"] = Tensor.Arange(10) }, new Dictionary<string, string> { ["k"] = "v" });
        var mutantPath = Path.Combine(_dir, "mutant.safetensors");
        var (_, rejected) = Run<SafeTensorsException>(Mutants(File.ReadAllBytes(path), 1, 400), bytes =>
        {
            File.WriteAllBytes(mutantPath, bytes);
            using var f = SafeTensors.Load(mutantPath);
        });
        Assert.True(rejected > 200, $"{rejected} rejected");
    }

    [Fact]
    public void Idx_Mutants_FailWithInvalidDataException()
    {
        // A real 200-label IDX file cut from the Debian package, raw and gzipped.
        var raw = new byte[8 + 200];
        using (var src = File.OpenRead("/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz"))
        using (var unzip = new GZipStream(src, CompressionMode.Decompress))
            unzip.ReadExactly(raw);
        (raw[4], raw[5], raw[6], raw[7]) = ((byte)0, (byte)0, (byte)0, (byte)200);
        Assert.Equal(200, IdxFile.Read(new MemoryStream(raw)).Shape[0]);
        var (ok, rejected) = Run<InvalidDataException>(Mutants(raw, 2, 300), bytes => IdxFile.Read(new MemoryStream(bytes)));
        Assert.True(rejected > 100 && ok > 50, $"{rejected} rejected, {ok} read");

        var gz = new MemoryStream();
        using (var zip = new GZipStream(gz, CompressionLevel.Fastest, leaveOpen: true)) zip.Write(raw);
        var path = Path.Combine(_dir, "mutant-idx1-ubyte.gz");
        var gzipped = Run<InvalidDataException>(Mutants(gz.ToArray(), 5, 300), bytes =>
        {
            File.WriteAllBytes(path, bytes);
            IdxFile.Read(path);
        });
        Assert.True(gzipped.Rejected > 100, $"{gzipped.Rejected} gzipped mutants rejected");
    }

    [Fact]
    public void Png_Mutants_FailWithInvalidDataException()
    {
        int rejected = 0;
        foreach (var name in new[] { "rgb.png", "palette.png", "gray16.png", "rgba.png" })
        {
            var valid = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));
            rejected += Run<InvalidDataException>(Mutants(valid, name.Length, 150), bytes => PngDecoder.Decode(bytes)).Rejected;
        }
        Assert.True(rejected > 300, $"{rejected} rejected");
    }

    [Fact]
    public void Gpt2Vocabulary_Mutants_FailWithInvalidDataException()
    {
        var bpe = BpeTrainer.Train(["the quick brown fox jumps over the lazy dog", "pack my box with five dozen liquor jugs"], 300);
        var (encoder, merges) = bpe.ToContents();
        var utf8 = System.Text.Encoding.UTF8;
        var rejectedEncoder = Run<InvalidDataException>(Mutants(utf8.GetBytes(encoder), 3, 200), b => ByteLevelBpeTokenizer.FromContents(utf8.GetString(b), merges)).Rejected;
        var rejectedMerges = Run<InvalidDataException>(Mutants(utf8.GetBytes(merges), 4, 200), b => ByteLevelBpeTokenizer.FromContents(encoder, utf8.GetString(b))).Rejected;
        Assert.True(rejectedEncoder > 100 && rejectedMerges > 50, $"{rejectedEncoder} / {rejectedMerges} rejected");
    }
}
