using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace Aigc.Torch.Serialization;

/// <summary>One entry of a safetensors header.</summary>
/// <param name="Name">The tensor's key.</param>
/// <param name="DType">Its element type.</param>
/// <param name="Shape">Its shape.</param>
/// <param name="Begin">Start of its bytes, relative to the data section.</param>
/// <param name="End">End (exclusive) of its bytes.</param>
public sealed record SafeTensorsEntry(string Name, ScalarType DType, long[] Shape, long Begin, long End);

/// <summary>A loaded safetensors file: tensors (CPU) and the free-form metadata. Disposing frees the tensors.</summary>
public sealed class SafeTensorsFile : IDisposable
{
    internal SafeTensorsFile(Dictionary<string, Tensor> tensors, Dictionary<string, string> metadata) =>
        (Tensors, Metadata) = (tensors, metadata);

    /// <summary>Tensors by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    /// <summary>The "__metadata__" strings.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Disposes every tensor.</summary>
    public void Dispose()
    {
        foreach (var t in Tensors.Values) t.Dispose();
    }
}

/// <summary>
/// Reads and writes the safetensors format (Hugging Face):
/// <code>
/// [u64 little-endian N] [N bytes of UTF-8 JSON header] [data section]
/// header: { "name": { "dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end] }, ...,
///           "__metadata__": { "key": "value" } }
/// </code>
/// Offsets are relative to the data section, tensors are dense row-major little-endian, and the
/// data section is covered exactly, without holes or overlaps. Every rule is checked on load, before
/// anything large is allocated, so a lying file fails with <see cref="SafeTensorsException"/>.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (the reference implementation's limit).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private static readonly Dictionary<string, ScalarType> s_fromCode = new(StringComparer.Ordinal)
    {
        ["BOOL"] = ScalarType.Bool, ["U8"] = ScalarType.UInt8, ["I32"] = ScalarType.Int32, ["I64"] = ScalarType.Int64,
        ["F16"] = ScalarType.Float16, ["BF16"] = ScalarType.BFloat16, ["F32"] = ScalarType.Float32, ["F64"] = ScalarType.Float64,
    };

    /// <summary>The safetensors dtype code ("F32", "BF16", ...) of an element type.</summary>
    public static string DTypeCode(ScalarType t) => s_fromCode.First(kv => kv.Value == t).Key;

    /// <summary>Writes <paramref name="tensors"/> (from any device) atomically: to a temporary file
    /// beside <paramref name="path"/>, then renamed over it, so a crash never leaves a torn file.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        var tmp = path + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
                Write(stream, tensors, metadata);
            File.Move(tmp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Writes the format to a stream.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToList();
        var header = new Dictionary<string, object>(StringComparer.Ordinal);
        if (metadata is { Count: > 0 }) header["__metadata__"] = metadata;
        long offset = 0;
        foreach (var name in names)
        {
            if (name == "__metadata__") throw new ArgumentException("'__metadata__' is reserved and cannot name a tensor.", nameof(tensors));
            var t = tensors[name];
            long size = t.NumberOfElements * t.DType.ElementSize();
            header[name] = new { dtype = DTypeCode(t.DType), shape = t.Shape, data_offsets = new[] { offset, offset + size } };
            offset += size;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        int padded = (json.Length + 7) / 8 * 8; // data section starts 8-byte aligned
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        stream.Write(len);
        stream.Write(json);
        for (int i = json.Length; i < padded; i++) stream.WriteByte((byte)' ');
        foreach (var name in names)
        {
            var t = tensors[name];
            var bytes = new byte[t.NumberOfElements * t.DType.ElementSize()];
            t.CopyBytesTo(bytes);
            stream.Write(bytes);
        }
    }

    /// <summary>Reads and validates the header only.</summary>
    /// <exception cref="SafeTensorsException">The file is not valid safetensors.</exception>
    public static (IReadOnlyList<SafeTensorsEntry> Entries, IReadOnlyDictionary<string, string> Metadata) ReadHeader(string path)
    {
        using var stream = File.OpenRead(path);
        var (entries, metadata, _) = ReadHeader(stream, path);
        return (entries, metadata);
    }

    /// <summary>Loads every tensor onto the CPU.</summary>
    /// <exception cref="SafeTensorsException">The file is truncated, corrupted or inconsistent.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static SafeTensorsFile Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = File.OpenRead(path);
        return Read(stream, path);
    }

    /// <summary>Loads every tensor from a seekable stream onto the CPU; <paramref name="name"/>
    /// identifies the source in error messages.</summary>
    /// <exception cref="SafeTensorsException">The data is truncated, corrupted or inconsistent.</exception>
    public static SafeTensorsFile Read(Stream stream, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek) throw new ArgumentException("The stream must be seekable.", nameof(stream));
        var (entries, metadata, dataStart) = ReadHeader(stream, name);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        try
        {
            foreach (var e in entries)
            {
                var bytes = new byte[e.End - e.Begin];
                stream.Position = dataStart + e.Begin;
                stream.ReadExactly(bytes);
                tensors[e.Name] = Tensor.FromBytes(bytes, e.DType, e.Shape).DetachFromDisposeScope();
            }
        }
        catch
        {
            foreach (var t in tensors.Values) t.Dispose();
            throw;
        }
        return new SafeTensorsFile(tensors, new Dictionary<string, string>(metadata));
    }

    private static (List<SafeTensorsEntry>, Dictionary<string, string>, long) ReadHeader(Stream stream, string path)
    {
        long fileLength = stream.Length;
        if (fileLength < 8) throw new SafeTensorsException(path, $"file is {fileLength} bytes, too short for the 8-byte header length");
        Span<byte> len = stackalloc byte[8];
        stream.ReadExactly(len);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(len);
        if (n > MaxHeaderBytes) throw new SafeTensorsException(path, $"header length {n} exceeds the {MaxHeaderBytes}-byte limit");
        if ((long)n > fileLength - 8) throw new SafeTensorsException(path, $"header length {n} runs past the end of the {fileLength}-byte file");
        var json = new byte[n];
        stream.ReadExactly(json);
        long dataStart = 8 + (long)n;
        var (entries, metadata) = ParseHeader(json, path);
        CheckCoverage(entries, fileLength - dataStart, path);
        return (entries, metadata, dataStart);
    }

    private static (List<SafeTensorsEntry>, Dictionary<string, string>) ParseHeader(byte[] json, string path)
    {
        JsonDocument doc;
        if (!System.Text.Unicode.Utf8.IsValid(json)) throw new SafeTensorsException(path, "header is not valid UTF-8");
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new SafeTensorsException(path, "header is not valid JSON: " + e.Message, e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(path, "header is not a JSON object");
            var entries = new List<SafeTensorsEntry>();
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__") ReadMetadata(prop.Value, metadata, path);
                else entries.Add(ReadEntry(prop.Name, prop.Value, path));
            }
            return (entries, metadata);
        }
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(path, "__metadata__ is not an object");
        foreach (var m in value.EnumerateObject())
        {
            if (m.Value.ValueKind != JsonValueKind.String) throw new SafeTensorsException(path, $"metadata value '{m.Name}' is not a string");
            metadata[m.Name] = m.Value.GetString()!;
        }
    }

    private static SafeTensorsEntry ReadEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object) throw new SafeTensorsException(path, $"entry '{name}' is not an object");
        if (!value.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw new SafeTensorsException(path, $"tensor '{name}' has no dtype");
        if (!s_fromCode.TryGetValue(dt.GetString()!, out var dtype))
            throw new SafeTensorsException(path, $"tensor '{name}' has unsupported dtype '{dt.GetString()}'");
        var shape = ReadInts(value, "shape", name, path, maxCount: 64);
        var offsets = ReadInts(value, "data_offsets", name, path, maxCount: 2);
        if (offsets.Length != 2 || offsets[1] < offsets[0])
            throw new SafeTensorsException(path, $"tensor '{name}' has invalid data_offsets [{string.Join(", ", offsets)}]");
        long count = 1;
        foreach (var s in shape)
        {
            if (s != 0 && count > long.MaxValue / 8 / s) throw new SafeTensorsException(path, $"tensor '{name}' has an absurd shape [{string.Join(", ", shape)}]");
            count *= s;
        }
        if (count * dtype.ElementSize() != offsets[1] - offsets[0])
            throw new SafeTensorsException(path, $"tensor '{name}' spans {offsets[1] - offsets[0]} bytes but {dt.GetString()}[{string.Join(", ", shape)}] needs {count * dtype.ElementSize()}");
        return new SafeTensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] ReadInts(JsonElement value, string field, string name, string path, int maxCount)
    {
        if (!value.TryGetProperty(field, out var arr) || arr.ValueKind != JsonValueKind.Array || arr.GetArrayLength() > maxCount)
            throw new SafeTensorsException(path, $"tensor '{name}' has no valid {field}");
        var result = new long[arr.GetArrayLength()];
        int i = 0;
        foreach (var item in arr.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long v) || v < 0)
                throw new SafeTensorsException(path, $"tensor '{name}' has a {field} entry that is not a non-negative integer");
            result[i++] = v;
        }
        return result;
    }

    // The data section must be covered exactly: sorted by offset, each entry starts where the
    // previous ended, and the last ends at the end of the file.
    private static void CheckCoverage(List<SafeTensorsEntry> entries, long dataLength, string path)
    {
        long expected = 0;
        foreach (var e in entries.OrderBy(e => e.Begin).ThenBy(e => e.End))
        {
            if (e.Begin != expected)
                throw new SafeTensorsException(path, e.Begin < expected
                    ? $"tensor '{e.Name}' overlaps the previous tensor"
                    : $"hole in the data section before tensor '{e.Name}'");
            expected = e.End;
        }
        if (expected > dataLength)
            throw new SafeTensorsException(path, $"tensors need {expected} data bytes but the file holds {dataLength} (truncated?)");
        if (expected < dataLength)
            throw new SafeTensorsException(path, $"{dataLength - expected} trailing bytes after the last tensor");
    }
}
