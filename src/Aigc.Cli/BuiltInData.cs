using Microsoft.ML;
using Aigc.MLNet;
using Aigc.MLNet.Data;
using Aigc.MLNet.Transforms;

namespace Aigc.Cli;

/// <summary>
/// Resolves what <c>--data</c> names: a built-in data set shipped by a Debian package
/// (fashion-mnist, fortunes, words) or a path (an IDX images file, a folder of class folders of
/// PNGs, a text file or folder). A missing built-in set is a <see cref="CliException"/> saying how to
/// install it.
/// </summary>
internal static class BuiltInData
{
    public const string FashionMnist = "/usr/share/datasets/fashion-mnist";
    public const string Fortunes = "/usr/share/games/fortunes";
    public const string Words = "/usr/share/dict/words";

    public static readonly string[] ImageNames = ["fashion-mnist", "fashion-mnist-test"];
    public static readonly string[] TextNames = ["fortunes", "words"];

    /// <summary>Images with a "Label" column when the source has labels, pixels scaled to the range
    /// asked for; at most <paramref name="limit"/> rows when given.</summary>
    public static IDataView Images(GenerativeCatalog ctx, string data, PixelScale scale, long? limit = null)
    {
        IDataView raw;
        switch (data)
        {
            case "fashion-mnist" or "fashion-mnist-test":
                var split = data == "fashion-mnist" ? "train" : "t10k";
                var images = Path.Combine(FashionMnist, $"{split}-images-idx3-ubyte.gz");
                var labels = Path.Combine(FashionMnist, $"{split}-labels-idx1-ubyte.gz");
                if (!File.Exists(images))
                    throw new CliException($"Fashion-MNIST is not installed ({images} is missing). Install it: sudo apt-get install dataset-fashion-mnist");
                raw = ctx.MLContext.Data.LoadFromIdx(images, labels);
                break;
            case var path when Directory.Exists(path):
                raw = ctx.MLContext.Data.LoadFromImageFolder(path);
                break;
            case var path when File.Exists(path):
                var labelFile = path.Replace("images-idx3", "labels-idx1", StringComparison.Ordinal);
                raw = ctx.MLContext.Data.LoadFromIdx(path, labelFile != path && File.Exists(labelFile) ? labelFile : null);
                break;
            default:
                throw new CliException($"'{data}' is neither a built-in image data set ({string.Join(", ", ImageNames)}) nor an existing file or folder.");
        }
        if (limit is { } n) raw = ctx.MLContext.Data.TakeRows(raw, n);
        return ctx.MLContext.Data.Cache(ctx.MLContext.Transforms.ScaleImagePixels("Image", scale: scale).Fit(raw).Transform(raw));
    }

    /// <summary>How <c>aigc train lm</c> splits a corpus: every 10th document is held out for validation
    /// (and is what <c>aigc eval</c> scores); a corpus of fewer than 10 documents is all training text.</summary>
    public static (string[] Train, string[]? HeldOut) Split(string[] docs) =>
        docs.Length < 10 ? (docs, null) : (docs.Where((_, i) => i % 10 != 9).ToArray(), docs.Where((_, i) => i % 10 == 9).ToArray());

    /// <summary>The documents of <see cref="Corpus"/>, read into memory (at most <paramref name="limit"/>).</summary>
    public static string[] Documents(GenerativeCatalog ctx, string data, long? limit = null)
    {
        var view = Corpus(ctx, data);
        var column = view.Schema["Text"];
        var docs = new List<string>();
        using var cursor = view.GetRowCursor([column]);
        var get = cursor.GetGetter<ReadOnlyMemory<char>>(column);
        ReadOnlyMemory<char> text = default;
        while ((limit is not { } n || docs.Count < n) && cursor.MoveNext())
        {
            get(ref text);
            if (text.Length > 0) docs.Add(text.ToString());
        }
        if (docs.Count == 0) throw new CliException($"'{data}' holds no text.");
        return [.. docs];
    }

    /// <summary>A text view over documents.</summary>
    public static IDataView Text(MLContext ml, IEnumerable<string> documents) =>
        ml.Data.LoadFromEnumerable(documents.Select(d => new TextRow { Text = d }).ToArray());

    private sealed class TextRow
    {
        public string Text { get; set; } = "";
    }

    /// <summary>Documents in a "Text" column: one fortune, one word, one line or one file each.</summary>
    private static IDataView Corpus(GenerativeCatalog ctx, string data)
    {
        switch (data)
        {
            case "fortunes":
                if (!Directory.Exists(Fortunes))
                    throw new CliException($"The fortunes corpus is not installed ({Fortunes} is missing). Install it: sudo apt-get install fortunes");
                return ctx.MLContext.Data.LoadTextCorpus(Fortunes, new TextCorpusOptions { Split = TextSplit.Separator, Exclude = ["*.dat", "*.u8"] });
            case "words":
                if (!File.Exists(Words))
                    throw new CliException($"The word list is not installed ({Words} is missing). Install it: sudo apt-get install wamerican");
                return ctx.MLContext.Data.LoadTextCorpus(Words, new TextCorpusOptions { Split = TextSplit.Lines });
            case var path when File.Exists(path) || Directory.Exists(path):
                return ctx.MLContext.Data.LoadTextCorpus(path, new TextCorpusOptions { Split = TextSplit.WholeFile });
            default:
                throw new CliException($"'{data}' is neither a built-in text corpus ({string.Join(", ", TextNames)}) nor an existing file or folder.");
        }
    }
}
