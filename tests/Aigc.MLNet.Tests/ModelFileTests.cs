using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Aigc.MLNet.Data;
using Aigc.MLNet.ModelFiles;
using Microsoft.ML;

namespace Aigc.MLNet.Tests;

public class ModelFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string P(string name) => Path.Combine(_dir, name);

    private static ModelManifest Manifest() => new()
    {
        Family = "test-family",
        Options = new JsonObject { ["latent"] = 20 },
        InputSchema = [new ColumnInfo("Image", "Vector<Single, 1x28x28>")],
        Training = new TrainingSummary { Steps = 12, Seed = 3, FinalLosses = new() { ["loss"] = 1.5 } },
    };

    private string SaveValid(string name = "m.aigc")
    {
        using var scope = DisposeScope.Enter();
        ModelFile.Save(P(name), Manifest(), new Dictionary<string, Tensor>
        {
            ["fc.weight"] = Tensor.FromArray([1f, 2f, 3f, 4f], 2, 2),
            ["fc.bias"] = Tensor.FromArray([0.5f, -0.5f]),
        }, new Dictionary<string, byte[]> { ["vocab.json"] = "{}"u8.ToArray() });
        return P(name);
    }

    [Fact]
    public void SaveLoad_RoundTripsManifestWeightsAndFiles()
    {
        var path = SaveValid();
        using var a = ModelFile.Load(path);
        using var b = ModelFile.Load(path); // the same file twice, both open
        Assert.Equal("test-family", a.Manifest.Family);
        Assert.Equal(ModelFile.CurrentFormatVersion, a.Manifest.FormatVersion);
        Assert.Equal(20, (int)a.Manifest.Options["latent"]!);
        Assert.Equal(12, a.Manifest.Training.Steps);
        Assert.Equal("F32", a.Manifest.Weights["fc.weight"].DType);
        Assert.Equal([2L, 2], a.Manifest.Weights["fc.weight"].Shape);
        Assert.Equal([1f, 2f, 3f, 4f], a.Weights["fc.weight"].ToArray<float>());
        Assert.Equal([0.5f, -0.5f], b.Weights["fc.bias"].ToArray<float>());
        Assert.Equal("{}", Encoding.UTF8.GetString(a.Files["vocab.json"]));
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Save_FailingMidway_LeavesPreviousFileIntact()
    {
        var path = SaveValid();
        var before = File.ReadAllBytes(path);
        using var scope = DisposeScope.Enter();
        var disposed = Tensor.Ones(2);
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => ModelFile.Save(path, Manifest(), new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(3), ["x"] = disposed }));
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(_dir));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(path, Manifest(), new Dictionary<string, Tensor>(), new Dictionary<string, byte[]> { ["../evil"] = [] }));
        var missingFolder = Path.Combine(_dir, "no", "such", "m.aigc");
        Assert.Contains("the folder", Assert.Throws<DirectoryNotFoundException>(() => ModelFile.Save(missingFolder, Manifest(), new Dictionary<string, Tensor>())).Message);
    }

    private string Rewrite(string name, Action<ZipArchive, ZipArchive> edit)
    {
        var src = SaveValid("src-" + name);
        var dst = P(name);
        using (var input = ZipFile.OpenRead(src))
        using (var output = ZipFile.Open(dst, ZipArchiveMode.Create))
            edit(input, output);
        return dst;
    }

    private static void Copy(ZipArchive from, ZipArchive to, string entry, string? newName = null, Func<byte[], byte[]>? change = null)
    {
        using var s = from.GetEntry(entry)!.Open();
        using var ms = new MemoryStream();
        s.CopyTo(ms);
        var bytes = change?.Invoke(ms.ToArray()) ?? ms.ToArray();
        using var d = to.CreateEntry(newName ?? entry).Open();
        d.Write(bytes);
    }

    private static Func<byte[], byte[]> EditJson(Action<JsonObject> edit) => bytes =>
    {
        var node = JsonNode.Parse(bytes)!.AsObject();
        edit(node);
        return Encoding.UTF8.GetBytes(node.ToJsonString());
    };

    public static TheoryData<string, string> HostileCases => new()
    {
        { "newer-version", "newer Aigc.MLNet (format version 3); this version reads up to 2" },
        { "altered-weight", "entry 'weights.safetensors' does not match its SHA-256 in manifest.json" },
        { "altered-file", "entry 'files/vocab.json' does not match its SHA-256 in manifest.json" },
        { "no-checksum", "manifest.json has no SHA-256 for entry 'weights.safetensors'" },
        { "missing-weights", "entry 'weights.safetensors' is missing" },
        { "missing-manifest", "entry 'manifest.json' is missing" },
        { "escaping-path", "entry '../../etc/evil' is not allowed" },
        { "absolute-path", "entry '/tmp/evil' is not allowed" },
        { "duplicate-entry", "entry 'manifest.json' appears twice" },
        { "renamed-weight", "missing [fc.WEIGHT], unlisted [fc.weight]" },
        { "wrong-shape", "weight 'fc.weight' is F32[2, 2] but the manifest says F32[4, 1]" },
        { "not-json", "manifest.json is malformed" },
        { "wrong-format", "not an aigc-model manifest" },
        { "no-family", "names no model family" },
        { "unlisted-file", "unexpected entries: files/extra.bin" },
        { "unsafe-file-name", "entry 'files/a b' is not allowed" },
    };

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Load_HostileOrBrokenFile_ThrowsModelFileException(string kind, string problem)
    {
        var path = Rewrite(kind + ".aigc", (input, output) =>
        {
            switch (kind)
            {
                case "newer-version": Copy(input, output, "manifest.json", change: EditJson(m => m["formatVersion"] = 3)); break;
                case "no-checksum": Copy(input, output, "manifest.json", change: EditJson(m => m["sha256"]!.AsObject().Remove("weights.safetensors"))); break;
                case "missing-manifest": break;
                case "not-json": Copy(input, output, "manifest.json", change: _ => "{ nope"u8.ToArray()); break;
                case "wrong-format": Copy(input, output, "manifest.json", change: EditJson(m => m["format"] = "onnx")); break;
                case "no-family": Copy(input, output, "manifest.json", change: EditJson(m => m["family"] = " ")); break;
                case "wrong-shape": Copy(input, output, "manifest.json", change: EditJson(m => m["weights"]!["fc.weight"]!["shape"] = new JsonArray(4, 1))); break;
                case "renamed-weight":
                    Copy(input, output, "manifest.json", change: EditJson(m =>
                    {
                        var w = m["weights"]!.AsObject();
                        var info = w["fc.weight"]!.DeepClone();
                        w.Remove("fc.weight");
                        w["fc.WEIGHT"] = info;
                    }));
                    break;
                default: Copy(input, output, "manifest.json"); break;
            }
            // A changed value inside the tensor data keeps the safetensors file valid; the zip gets fresh CRCs.
            if (kind == "altered-weight") Copy(input, output, "weights.safetensors", change: b => { b[^1] ^= 0x40; return b; });
            else if (kind != "missing-weights") Copy(input, output, "weights.safetensors");
            Copy(input, output, "files/vocab.json", change: kind == "altered-file" ? b => [.. b, (byte)' '] : null);
            if (kind == "escaping-path") Copy(input, output, "files/vocab.json", "../../etc/evil");
            if (kind == "absolute-path") Copy(input, output, "files/vocab.json", "/tmp/evil");
            if (kind == "duplicate-entry") Copy(input, output, "manifest.json");
            if (kind == "unlisted-file") Copy(input, output, "files/vocab.json", "files/extra.bin");
            if (kind == "unsafe-file-name") Copy(input, output, "files/vocab.json", "files/a b");
        });
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.Contains(path, e.Message);
        Assert.True(e.Message.Contains(problem, StringComparison.Ordinal), e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "..", "etc")));
    }

    [Fact]
    public void Load_EntryDeclaringAbsurdSize_FailsWithoutAllocating()
    {
        var path = SaveValid();
        var bytes = File.ReadAllBytes(path);
        // Patch the central-directory record of manifest.json: uncompressed size at offset 24.
        int at = FindCentralRecord(bytes, "manifest.json");
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at + 24), 0xFFFFFFF0);
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ModelFileException>(() => ModelFile.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 16 << 20);
        Assert.Contains("declares 4294967280 bytes", e.Message);
    }

    private static int FindCentralRecord(byte[] zip, string name)
    {
        var nameBytes = Encoding.ASCII.GetBytes(name);
        for (int i = zip.Length - 46; i >= 0; i--)
            if (BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i)) == 0x02014b50
                && zip.AsSpan(i + 46, nameBytes.Length).SequenceEqual(nameBytes))
                return i;
        throw new InvalidOperationException("record not found");
    }

    [Fact]
    public void Load_TruncatedOrGarbage_ThrowsModelFileException()
    {
        var path = SaveValid();
        var bytes = File.ReadAllBytes(path);
        foreach (var len in new[] { 0, 10, bytes.Length / 3, bytes.Length / 2, bytes.Length - 30, bytes.Length - 1 })
        {
            File.WriteAllBytes(P("cut.aigc"), bytes[..len]);
            Assert.Throws<ModelFileException>(() => ModelFile.Load(P("cut.aigc")));
        }
        File.WriteAllText(P("text.aigc"), "this is not a zip");
        Assert.Contains("not a valid model file", Assert.Throws<ModelFileException>(() => ModelFile.Load(P("text.aigc"))).Message);
        Assert.Throws<FileNotFoundException>(() => ModelFile.Load(P("absent.aigc")));
    }

    [Fact]
    public void Catalog_LoadOfUnknownFamily_SaysWhichFamily()
    {
        var ctx = new MLContext(seed: 1);
        var path = SaveValid();
        var e = Assert.Throws<ModelFileException>(() => ctx.Model.LoadGenerative(path));
        Assert.Contains("model family 'test-family' is not known", e.Message);
        Assert.Equal("test-family", ctx.Model.InspectGenerative(path).Family);
    }
}
