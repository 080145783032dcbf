using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Aigc.Torch.Serialization;

namespace Aigc.Torch.Tests;

public class SafeTensorsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("aigc-st-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private static Dictionary<string, Tensor> Sample() => new()
    {
        ["w"] = Tensor.FromArray([1.5f, -2f, 3f, 4f, 5f, 6f], 2, 3),
        ["idx"] = Tensor.FromArray([7L, -1L]),
        ["d"] = Tensor.FromArray([Math.PI]),
        ["flags"] = Tensor.FromArray([true, false, true]),
        ["half"] = Tensor.FromArray([(Half)0.5]),
        ["bf"] = Tensor.FromArray([2f, -0.25f]).To(ScalarType.BFloat16),
        ["empty"] = Tensor.Zeros([0, 4]),
    };

    [Fact]
    public void SaveLoad_RoundTripsEveryDtypeAndMetadata()
    {
        using var scope = DisposeScope.Enter();
        var src = Sample();
        SafeTensors.Save(PathOf("a.safetensors"), src, new Dictionary<string, string> { ["k"] = "v" });
        using var f = SafeTensors.Load(PathOf("a.safetensors"));
        Assert.Equal("v", f.Metadata["k"]);
        Assert.Equal(src.Keys.Order(), f.Tensors.Keys.Order());
        foreach (var (name, t) in src)
        {
            Assert.Equal(t.DType, f.Tensors[name].DType);
            Assert.Equal(t.Shape, f.Tensors[name].Shape);
            var (a, b) = (new byte[t.NumberOfElements * t.DType.ElementSize()], new byte[t.NumberOfElements * t.DType.ElementSize()]);
            t.CopyBytesTo(a);
            f.Tensors[name].CopyBytesTo(b);
            Assert.Equal(a, b);
        }
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp-*"));
    }

    [PythonFact]
    public void WrittenFile_ReadsInIndependentPythonReader()
    {
        var python = TestUtil.Python!;
        using var scope = DisposeScope.Enter();
        SafeTensors.Save(PathOf("b.safetensors"), new Dictionary<string, Tensor>
        {
            ["w"] = Tensor.FromArray([1.5f, -2f, 3f, 4f], 2, 2),
            ["i"] = Tensor.FromArray([5L, 6L, 7L]),
        }, new Dictionary<string, string> { ["who"] = "aigc" });
        var psi = new ProcessStartInfo(python, [TestUtil.Fixture("safetensors_spec.py"), PathOf("b.safetensors")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var p = Process.Start(psi)!;
        string output = p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
        using var doc = JsonDocument.Parse(output);
        var tensors = doc.RootElement.GetProperty("tensors");
        Assert.Equal("aigc", doc.RootElement.GetProperty("metadata").GetProperty("who").GetString());
        Assert.Equal("F32", tensors.GetProperty("w").GetProperty("dtype").GetString());
        Assert.Equal([1.5, -2, 3, 4], tensors.GetProperty("w").GetProperty("values").EnumerateArray().Select(v => v.GetDouble()));
        Assert.Equal([5L, 6, 7], tensors.GetProperty("i").GetProperty("values").EnumerateArray().Select(v => v.GetInt64()));
    }

    private string WriteRaw(string name, string header, byte[]? data = null, ulong? declaredLength = null)
    {
        var json = Encoding.UTF8.GetBytes(header);
        var bytes = new List<byte>(BitConverter.GetBytes(declaredLength ?? (ulong)json.Length));
        bytes.AddRange(json);
        bytes.AddRange(data ?? []);
        File.WriteAllBytes(PathOf(name), [.. bytes]);
        return PathOf(name);
    }

    public static TheoryData<string, string, int, string> CorruptCases => new()
    {
        { "bad-json", "{\"w\": {", 0, "not valid JSON" },
        { "unknown-dtype", "{\"w\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "unsupported dtype 'Q7'" },
        { "past-end", "{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", 8, "truncated" },
        { "size-mismatch", "{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12" },
        { "overlap", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "overlaps" },
        { "hole", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8, "hole" },
        { "trailing", "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8, "trailing bytes" },
        { "negative-shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4, "non-negative integer" },
        { "huge-shape", "{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,4]}}", 4, "absurd shape" },
        { "not-object", "[1,2,3]", 0, "not a JSON object" },
        { "metadata-not-string", "{\"__metadata__\":{\"a\":1}}", 0, "not a string" },
    };

    [Theory]
    [MemberData(nameof(CorruptCases))]
    public void Load_CorruptFile_ThrowsNamingFileAndProblem(string name, string header, int dataBytes, string problem)
    {
        var path = WriteRaw(name, header, new byte[dataBytes]);
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
        Assert.Contains(path, e.Message);
        Assert.Contains(problem, e.Message);
    }

    [Fact]
    public void Load_HeaderLengthOf2Pow60_FailsWithoutAllocating()
    {
        var path = WriteRaw("huge", "{}", declaredLength: 1UL << 60);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1 << 20);
        Assert.Contains("exceeds", e.Message);
    }

    [Fact]
    public void Load_HeaderLongerThanFile_AndTinyFile_Throw()
    {
        var path = WriteRaw("long", "{}", declaredLength: 500);
        Assert.Contains("past the end", Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(path)).Message);
        File.WriteAllBytes(PathOf("tiny"), [1, 2, 3]);
        Assert.Contains("too short", Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(PathOf("tiny"))).Message);
    }

    [Fact]
    public void Load_EveryTruncationOfAValidFile_Throws()
    {
        using var scope = DisposeScope.Enter();
        SafeTensors.Save(PathOf("ok"), new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(3), ["b"] = Tensor.Zeros(2) });
        var bytes = File.ReadAllBytes(PathOf("ok"));
        for (int len = 0; len < bytes.Length; len++)
        {
            File.WriteAllBytes(PathOf("cut"), bytes[..len]);
            Assert.Throws<SafeTensorsException>(() => SafeTensors.Load(PathOf("cut")));
        }
    }

    [Fact]
    public void Save_RejectsReservedName_AndLeavesExistingFileIntact()
    {
        using var scope = DisposeScope.Enter();
        SafeTensors.Save(PathOf("keep"), new Dictionary<string, Tensor> { ["w"] = Tensor.Ones(2) });
        var before = File.ReadAllBytes(PathOf("keep"));
        Assert.Throws<ArgumentException>(() => SafeTensors.Save(PathOf("keep"), new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Ones(2) }));
        Assert.Equal(before, File.ReadAllBytes(PathOf("keep")));
        Assert.Single(Directory.GetFiles(_dir));
    }
}
