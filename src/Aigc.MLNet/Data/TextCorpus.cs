using System.Text;

using System.IO.Enumeration;
using Microsoft.ML;

namespace Aigc.MLNet.Data;

/// <summary>How a text corpus is cut into documents.</summary>
public enum TextSplit
{
    /// <summary>Each file is one document.</summary>
    WholeFile,
    /// <summary>Each non-empty line is one document.</summary>
    Lines,
    /// <summary>Documents are separated by lines holding only the separator (fortune files use "%").</summary>
    Separator,
}

/// <summary>Options of <c>mlContext.Data.LoadTextCorpus</c>.</summary>
public sealed record TextCorpusOptions
{
    /// <summary>How files are cut into documents.</summary>
    public TextSplit Split { get; init; } = TextSplit.WholeFile;

    /// <summary>The separator line for <see cref="TextSplit.Separator"/>.</summary>
    public string Separator { get; init; } = "%";

    /// <summary>File names to skip in folders (glob patterns such as "*.dat").</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> on bad settings.</summary>
    public void Validate()
    {
        if (Split == TextSplit.Separator && string.IsNullOrEmpty(Separator))
            throw new ArgumentOutOfRangeException(nameof(Separator), "a separator line is needed for TextSplit.Separator");
    }
}

/// <summary>A text corpus (a file, or every file under a folder in ordinal path order) cut into
/// documents: "Text" and "Source" (the file) columns. Files must be UTF-8.</summary>
internal static class TextCorpus
{
    public static IDataView Load(string path, TextCorpusOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new TextCorpusOptions();
        options.Validate();
        string[] files;
        if (File.Exists(path)) files = [path];
        else if (Directory.Exists(path))
            files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !options.Exclude.Any(p => FileSystemName.MatchesSimpleExpression(p, Path.GetFileName(f))))
                .Order(StringComparer.Ordinal).ToArray();
        else throw new FileNotFoundException($"Text corpus not found: {path}", path);
        if (files.Length == 0) throw new InvalidDataException($"{path}: no files to read.");
        var docs = Documents(files, options).ToList();
        return new IndexedDataView(docs.Count, [
            IndexedColumn.Texts("Text", docs.Select(d => d.Text).ToArray()),
            IndexedColumn.Texts("Source", docs.Select(d => d.Source).ToArray())]);
    }

    private static IEnumerable<(string Text, string Source)> Documents(string[] files, TextCorpusOptions options)
    {
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        foreach (var file in files)
        {
            string content;
            try
            {
                content = File.ReadAllText(file, utf8);
            }
            catch (DecoderFallbackException e)
            {
                throw new InvalidDataException($"{file}: not valid UTF-8 text ({e.Message}); exclude it with TextCorpusOptions.Exclude.", e);
            }
            foreach (var doc in Split(content, options))
                yield return (doc, file);
        }
    }

    private static IEnumerable<string> Split(string content, TextCorpusOptions options)
    {
        content = content.Replace("\r\n", "\n", StringComparison.Ordinal);
        switch (options.Split)
        {
            case TextSplit.WholeFile:
                yield return content;
                break;
            case TextSplit.Lines:
                foreach (var line in content.Split('\n'))
                    if (line.Trim().Length > 0) yield return line;
                break;
            default:
                var doc = new StringBuilder();
                foreach (var line in content.Split('\n'))
                {
                    if (line == options.Separator)
                    {
                        if (doc.ToString().Trim().Length > 0) yield return doc.ToString().TrimEnd('\n');
                        doc.Clear();
                    }
                    else doc.Append(line).Append('\n');
                }
                if (doc.ToString().Trim().Length > 0) yield return doc.ToString().TrimEnd('\n');
                break;
        }
    }
}
