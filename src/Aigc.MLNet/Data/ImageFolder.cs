using Aigc.MLNet.Imaging;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>
/// PNG images in class sub-folders (<c>root/CLASS/*.png</c>) as a view: "Image" (Byte vector shaped
/// (channels, height, width), decoded when read), "Label" (a key whose values are the class folder
/// names, in ordinal order) and "Path". Every image must have the first image's shape.
/// </summary>
internal static class ImageFolder
{
    public static IDataView Load(string root)
    {
        var (classes, files) = Enumerate(root, ["*.png"], "PNG files");
        var first = PngDecoder.Load(files[0].Path);
        var shape = (first.Channels, first.Height, first.Width);
        return new IndexedDataView(files.Length, [
            IndexedColumn.Of("Image", new VectorDataViewType(NumberDataViewType.Byte, shape.Channels, shape.Height, shape.Width),
                (long row, ref VBuffer<byte> v) => ValueCopy.ToVBuffer<byte>(Decode(files[row].Path, shape), ref v)),
            IndexedColumn.Scalars("Label", new KeyDataViewType(typeof(uint), classes.Length), files.Select(f => f.Key).ToArray()),
            IndexedColumn.Texts("Path", files.Select(f => f.Path).ToArray())],
            new Dictionary<string, DataViewSchema.Annotations> { ["Label"] = ClassNames(classes) });
    }

    /// <summary>Only the files of every class folder ("Path", "Label"), for ML.NET's LoadImages to decode
    /// (any format it reads: PNG, JPEG, BMP, ...).</summary>
    public static IDataView Paths(string root, IReadOnlyList<string> patterns)
    {
        var (classes, files) = Enumerate(root, patterns, $"image files ({string.Join(", ", patterns)})");
        return new IndexedDataView(files.Length, [
            IndexedColumn.Texts("Path", files.Select(f => f.Path).ToArray()),
            IndexedColumn.Scalars("Label", new KeyDataViewType(typeof(uint), classes.Length), files.Select(f => f.Key).ToArray())],
            new Dictionary<string, DataViewSchema.Annotations> { ["Label"] = ClassNames(classes) });
    }

    // Class folders in ordinal order (label keys 1..K), files in ordinal order within each.
    private static (string[] Classes, (string Path, uint Key)[] Files) Enumerate(string root, IReadOnlyList<string> patterns, string what)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        var classes = Directory.GetDirectories(root).Select(d => Path.GetFileName(d)!).Order(StringComparer.Ordinal).ToArray();
        var files = classes.SelectMany((name, label) => patterns
                .SelectMany(p => Directory.EnumerateFiles(Path.Combine(root, name), p, SearchOption.TopDirectoryOnly))
                .Distinct().Order(StringComparer.Ordinal).Select(f => (Path: f, Key: (uint)label + 1)))
            .ToArray();
        if (files.Length == 0) throw new InvalidDataException($"{root}: no {what} in class sub-folders (expected root/CLASS/FILE).");
        return (classes, files);
    }

    // The folder names as the label key's values, as ML.NET's MapValueToKey records them.
    private static DataViewSchema.Annotations ClassNames(string[] classes)
    {
        var names = new VBuffer<ReadOnlyMemory<char>>(classes.Length, classes.Select(c => c.AsMemory()).ToArray());
        var annotations = new DataViewSchema.Annotations.Builder();
        annotations.Add("KeyValues", new VectorDataViewType(TextDataViewType.Instance, classes.Length),
            (ref VBuffer<ReadOnlyMemory<char>> v) => names.CopyTo(ref v));
        return annotations.ToAnnotations();
    }

    private static byte[] Decode(string path, (int C, int H, int W) shape)
    {
        var image = PngDecoder.Load(path);
        if (image.Channels != shape.C || image.Height != shape.H || image.Width != shape.W)
            throw new InvalidDataException($"{path}: image is {image.Channels}x{image.Height}x{image.Width} (channels x height x width) but the folder's images are {shape.C}x{shape.H}x{shape.W}.");
        // Interleaved (H, W, C) to planar (C, H, W), the layout tensors and ExtractPixels use.
        var planar = new byte[image.Pixels.Length];
        int plane = shape.H * shape.W;
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < shape.C; c++)
                planar[c * plane + i] = image.Pixels[i * shape.C + c];
        return planar;
    }
}
