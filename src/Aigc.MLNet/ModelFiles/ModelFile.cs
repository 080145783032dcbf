using System.Security.Cryptography;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Aigc.Torch;
using Aigc.Torch.Serialization;

namespace Aigc.MLNet.ModelFiles;

/// <summary>A loaded model file: its manifest, weights (CPU tensors) and extra files. Dispose to free the weights.</summary>
public sealed class ModelPackage : IDisposable
{
    internal ModelPackage(ModelManifest manifest, SafeTensorsFile weights, Dictionary<string, byte[]> files) =>
        (Manifest, WeightsFile, Files) = (manifest, weights, files);

    /// <summary>The manifest.</summary>
    public ModelManifest Manifest { get; }

    private SafeTensorsFile WeightsFile { get; }

    /// <summary>The weights by name.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights => WeightsFile.Tensors;

    /// <summary>Extra files by name (without the "files/" prefix).</summary>
    public IReadOnlyDictionary<string, byte[]> Files { get; }

    /// <summary>Frees the weights.</summary>
    public void Dispose() => WeightsFile.Dispose();
}

/// <summary>
/// Reads and writes <c>.aigc</c> model files: a zip holding <c>manifest.json</c>,
/// <c>weights.safetensors</c> and optional <c>files/NAME</c> entries. Saving is atomic; loading
/// checks everything before trusting it and never executes anything from the file.
/// </summary>
internal static class ModelFile
{
    /// <summary>The manifest's format name.</summary>
    public const string FormatName = "aigc-model";

    /// <summary>The newest layout this version reads and writes (2: payload checksums in the manifest).</summary>
    public const int CurrentFormatVersion = 2;

    /// <summary>Largest manifest accepted.</summary>
    public const long MaxManifestBytes = 4L << 20;

    /// <summary>Largest weights entry accepted (uncompressed).</summary>
    public const long MaxWeightsBytes = 8L << 30;

    /// <summary>Largest extra file accepted (uncompressed).</summary>
    public const long MaxExtraFileBytes = 256L << 20;

    /// <summary>Most entries accepted.</summary>
    public const int MaxEntries = 1024;

    private const string ManifestEntry = "manifest.json";
    private const string WeightsEntry = "weights.safetensors";
    private const string FilesPrefix = "files/";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        MaxDepth = 32,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes a model file. The manifest's weight table is filled from
    /// <paramref name="weights"/>; the file appears at <paramref name="path"/> only when complete, so
    /// a crash mid-save leaves any previous file intact.</summary>
    public static void Save(string path, ModelManifest manifest, IReadOnlyDictionary<string, Tensor> weights,
        IReadOnlyDictionary<string, byte[]>? files = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(weights);
        files ??= new Dictionary<string, byte[]>();
        foreach (var name in files.Keys)
            if (!IsSafeFileName(name)) throw new ArgumentException($"Extra file name '{name}' is not a plain file name.", nameof(files));
        manifest = manifest with
        {
            Weights = weights.ToDictionary(w => w.Key, w => new TensorInfo(SafeTensors.DTypeCode(w.Value.DType), w.Value.Shape)),
            Files = [.. files.Keys.Order(StringComparer.Ordinal)],
        };
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"Cannot save {path}: the folder {folder} does not exist.");
        var tmp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write))
            using (var zip = new ZipArchive(stream, ZipArchiveMode.Create))
            {
                // The payload is hashed as it is written; the manifest, which holds the hashes, comes last.
                var sha = new Dictionary<string, string>(StringComparer.Ordinal);
                using (var w = new HashingStream(zip.CreateEntry(WeightsEntry, CompressionLevel.Fastest).Open()))
                {
                    SafeTensors.Write(w, weights);
                    sha[WeightsEntry] = w.Hex();
                }
                foreach (var (name, bytes) in files)
                {
                    using (var f = zip.CreateEntry(FilesPrefix + name).Open())
                        f.Write(bytes);
                    sha[FilesPrefix + name] = Convert.ToHexStringLower(SHA256.HashData(bytes));
                }
                using (var m = zip.CreateEntry(ManifestEntry).Open())
                    JsonSerializer.Serialize(m, manifest with { Sha256 = sha }, Json);
            }
            File.Move(tmp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(tmp)) File.Delete(tmp);
        }
    }

    /// <summary>Opens and fully validates a model file.</summary>
    /// <exception cref="ModelFileException">Anything about the file is wrong; the message says what.</exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static ModelPackage Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Model file not found: {path}", path);
        try
        {
            using var stream = File.OpenRead(path);
            using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
            var entries = CheckEntries(zip, path);
            var manifest = ReadManifest(entries, path);
            var files = manifest.Files.ToDictionary(f => f, f => Verified(ReadBounded(Required(entries, FilesPrefix + f, path), MaxExtraFileBytes, path), FilesPrefix + f, manifest, path));
            var unexpected = entries.Keys.Where(k => k != ManifestEntry && k != WeightsEntry && !(k.StartsWith(FilesPrefix, StringComparison.Ordinal) && files.ContainsKey(k[FilesPrefix.Length..]))).ToList();
            if (unexpected.Count > 0) throw new ModelFileException(path, $"unexpected entries: {string.Join(", ", unexpected)}");
            var weights = ReadWeights(Required(entries, WeightsEntry, path), manifest, path);
            return new ModelPackage(manifest, weights, files);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(path, "not a valid model file (zip): " + e.Message, e);
        }
        catch (SafeTensorsException e)
        {
            throw new ModelFileException(path, "weights are invalid: " + e.Message, e);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFileException(path, "the file is truncated", e);
        }
    }

    private static Dictionary<string, ZipArchiveEntry> CheckEntries(ZipArchive zip, string path)
    {
        if (zip.Entries.Count > MaxEntries) throw new ModelFileException(path, $"{zip.Entries.Count} entries (at most {MaxEntries})");
        var entries = new Dictionary<string, ZipArchiveEntry>(StringComparer.Ordinal);
        foreach (var e in zip.Entries)
        {
            var name = e.FullName;
            bool plain = name == ManifestEntry || name == WeightsEntry
                || (name.StartsWith(FilesPrefix, StringComparison.Ordinal) && IsSafeFileName(name[FilesPrefix.Length..]));
            if (!plain) throw new ModelFileException(path, $"entry '{name}' is not allowed (paths must stay inside the model)");
            if (!entries.TryAdd(name, e)) throw new ModelFileException(path, $"entry '{name}' appears twice");
        }
        return entries;
    }

    private static ModelManifest ReadManifest(Dictionary<string, ZipArchiveEntry> entries, string path)
    {
        var bytes = ReadBounded(Required(entries, ManifestEntry, path), MaxManifestBytes, path);
        ModelManifest? manifest;
        try
        {
            using var doc = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 32 });
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new ModelFileException(path, "manifest.json is not a JSON object");
            if (!root.TryGetProperty("format", out var format) || format.GetString() != FormatName)
                throw new ModelFileException(path, $"manifest.json is not an {FormatName} manifest");
            if (!root.TryGetProperty("formatVersion", out var v) || !v.TryGetInt32(out int version) || version < 1)
                throw new ModelFileException(path, "manifest.json has no valid formatVersion");
            if (version > CurrentFormatVersion)
                throw new ModelFileException(path, $"written by a newer Aigc.MLNet (format version {version}); this version reads up to {CurrentFormatVersion}. Upgrade the package.");
            manifest = root.Deserialize<ModelManifest>(Json);
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, "manifest.json is malformed: " + e.Message, e);
        }
        if (manifest is null || string.IsNullOrWhiteSpace(manifest.Family)) throw new ModelFileException(path, "manifest.json names no model family");
        if (manifest.Files.Any(f => !IsSafeFileName(f))) throw new ModelFileException(path, "manifest.json lists an extra file with an unsafe name");
        return manifest;
    }

    private static SafeTensorsFile ReadWeights(ZipArchiveEntry entry, ModelManifest manifest, string path)
    {
        var bytes = Verified(ReadBounded(entry, MaxWeightsBytes, path), WeightsEntry, manifest, path);
        var weights = SafeTensors.Read(new MemoryStream(bytes, writable: false), path + "!" + WeightsEntry);
        try
        {
            var missing = manifest.Weights.Keys.Where(k => !weights.Tensors.ContainsKey(k)).ToList();
            var extra = weights.Tensors.Keys.Where(k => !manifest.Weights.ContainsKey(k)).ToList();
            if (missing.Count > 0 || extra.Count > 0)
                throw new ModelFileException(path, $"weights do not match the manifest: missing [{string.Join(", ", missing)}], unlisted [{string.Join(", ", extra)}]");
            foreach (var (name, info) in manifest.Weights)
            {
                var t = weights.Tensors[name];
                if (SafeTensors.DTypeCode(t.DType) != info.DType || !t.Shape.SequenceEqual(info.Shape ?? []))
                    throw new ModelFileException(path, $"weight '{name}' is {SafeTensors.DTypeCode(t.DType)}[{string.Join(", ", t.Shape)}] but the manifest says {info.DType}[{string.Join(", ", info.Shape ?? [])}]");
            }
            return weights;
        }
        catch
        {
            weights.Dispose();
            throw;
        }
    }

    // Files of format version 1 carry no checksums; from version 2 on every payload entry must match its own.
    private static byte[] Verified(byte[] bytes, string entry, ModelManifest manifest, string path)
    {
        if (manifest.FormatVersion < 2) return bytes;
        if (!manifest.Sha256.TryGetValue(entry, out var expected))
            throw new ModelFileException(path, $"manifest.json has no SHA-256 for entry '{entry}'");
        if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(bytes)), expected, StringComparison.Ordinal))
            throw new ModelFileException(path, $"entry '{entry}' does not match its SHA-256 in manifest.json: the file was altered or damaged");
        return bytes;
    }

    private static ZipArchiveEntry Required(Dictionary<string, ZipArchiveEntry> entries, string name, string path) =>
        entries.TryGetValue(name, out var e) ? e : throw new ModelFileException(path, $"entry '{name}' is missing");

    // The declared size is checked first and the stream is read no further than it, so neither a
    // lying header nor a zip bomb can make us allocate more than the limit.
    private static byte[] ReadBounded(ZipArchiveEntry entry, long limit, string path)
    {
        if (entry.Length > limit || entry.Length > Array.MaxLength)
            throw new ModelFileException(path, $"entry '{entry.FullName}' declares {entry.Length} bytes (limit {limit})");
        var buffer = new byte[entry.Length];
        using var s = entry.Open();
        s.ReadExactly(buffer);
        if (s.ReadByte() != -1) throw new ModelFileException(path, $"entry '{entry.FullName}' holds more data than it declares");
        return buffer;
    }

    private static bool IsSafeFileName(string name) =>
        name.Length is > 0 and <= 200 && name != "." && name != ".."
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');
}
