using Aigc.MLNet.Imaging;

namespace Aigc.MLNet.Data;

/// <summary>
/// PNG images under <c>root/CLASS/*.png</c>: columns "Image" (bytes shaped (channels, height,
/// width), planar), "Label" (Int64: the index of CLASS among the sorted class folders) and "Path".
/// Files are decoded as rows are read, so the folder may be larger than memory. Every image must
/// have the size and channel count of the first.
/// </summary>
public sealed class ImageFolderDataView : IDataView
{
    private readonly (string Path, long Label)[] _files;
    private readonly int _channels, _height, _width;

    /// <summary>Lists the folder and decodes the first image to fix the shape.</summary>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="InvalidDataException">No PNG files were found, or the first cannot be decoded.</exception>
    public ImageFolderDataView(string root)
    {
        if (!Directory.Exists(root)) throw new DirectoryNotFoundException($"Image folder not found: {root}");
        ClassNames = Directory.GetDirectories(root).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;
        _files = ClassNames.SelectMany((name, label) =>
                Directory.EnumerateFiles(Path.Combine(root, name), "*.png", SearchOption.TopDirectoryOnly)
                    .Order(StringComparer.Ordinal).Select(f => (f, (long)label)))
            .ToArray();
        if (_files.Length == 0) throw new InvalidDataException($"{root}: no PNG files in class sub-folders (expected root/CLASS/*.png).");
        var first = PngDecoder.Load(_files[0].Path);
        (_channels, _height, _width) = (first.Channels, first.Height, first.Width);
        Schema = new DataViewSchema([
            ("Image", new VectorDataViewType(NumberDataViewType.Byte, _channels, _height, _width)),
            ("Label", NumberDataViewType.Int64),
            ("Path", TextDataViewType.Instance)]);
    }

    /// <summary>The class folder names; label i is ClassNames[i].</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => true;

    /// <inheritdoc />
    public long? GetRowCount() => _files.Length;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var order = Enumerable.Range(0, _files.Length).ToArray();
        rand?.Shuffle(order);
        return new Cursor(this, order);
    }

    private byte[] Decode(string path)
    {
        var image = PngDecoder.Load(path);
        if (image.Channels != _channels || image.Height != _height || image.Width != _width)
            throw new InvalidDataException($"{path}: image is {image.Channels}x{image.Height}x{image.Width} (channels x height x width) but the folder's images are {_channels}x{_height}x{_width}.");
        // Interleaved (H, W, C) to planar (C, H, W), the layout tensors use.
        var planar = new byte[image.Pixels.Length];
        int plane = _height * _width;
        for (int i = 0; i < plane; i++)
            for (int c = 0; c < _channels; c++)
                planar[c * plane + i] = image.Pixels[i * _channels + c];
        return planar;
    }

    private sealed class Cursor(ImageFolderDataView view, int[] order) : DataViewRowCursor
    {
        private int _file = -1;

        public override DataViewSchema Schema => view.Schema;

        public override bool MoveNext()
        {
            if (Position + 1 >= order.Length) return false;
            Position++;
            _file = order[Position];
            return true;
        }

        public override ValueGetter<T> GetGetter<T>(DataViewSchema.Column column)
        {
            CheckType<T>(column);
            Delegate getter = column.Name switch
            {
                "Image" => (ValueGetter<byte[]>)((ref byte[] v) => v = view.Decode(view._files[_file].Path)),
                "Label" => (ValueGetter<long>)((ref long v) => v = view._files[_file].Label),
                _ => (ValueGetter<string>)((ref string v) => v = view._files[_file].Path),
            };
            return (ValueGetter<T>)getter;
        }
    }
}
