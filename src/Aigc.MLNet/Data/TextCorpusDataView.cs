using System.Text;

using System.IO.Enumeration;

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

/// <summary>Options of <see cref="TextCorpusDataView"/>.</summary>
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

/// <summary>
/// A text corpus — one file, or every file under a folder — as documents in a "Text" column, read
/// lazily file by file (so the corpus may be larger than memory), with a "Source" column naming
/// the file. Files that are not valid UTF-8 are reported, not silently mangled.
/// </summary>
public sealed class TextCorpusDataView : IDataView
{
    private readonly string[] _files;
    private readonly TextCorpusOptions _options;

    /// <summary>Lists the files of <paramref name="path"/> (a file or a folder, searched recursively).</summary>
    public TextCorpusDataView(string path, TextCorpusOptions? options = null)
    {
        _options = options ?? new TextCorpusOptions();
        _options.Validate();
        if (File.Exists(path)) _files = [path];
        else if (Directory.Exists(path))
            _files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(f => !_options.Exclude.Any(p => FileSystemName.MatchesSimpleExpression(p, Path.GetFileName(f))))
                .Order(StringComparer.Ordinal).ToArray();
        else throw new FileNotFoundException($"Text corpus not found: {path}", path);
        if (_files.Length == 0) throw new InvalidDataException($"{path}: no files to read.");
        Schema = new DataViewSchema([("Text", TextDataViewType.Instance), ("Source", TextDataViewType.Instance)]);
    }

    /// <inheritdoc />
    public DataViewSchema Schema { get; }

    /// <inheritdoc />
    public bool CanShuffle => false;

    /// <inheritdoc />
    public long? GetRowCount() => _options.Split == TextSplit.WholeFile ? _files.Length : null;

    /// <inheritdoc />
    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null) =>
        new BufferedRowCursor(Schema, Documents().Select(d => new object?[] { d.Text, d.Source }).GetEnumerator());

    private IEnumerable<(string Text, string Source)> Documents()
    {
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        foreach (var file in _files)
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
            foreach (var doc in Split(content))
                yield return (doc, file);
        }
    }

    private IEnumerable<string> Split(string content)
    {
        content = content.Replace("\r\n", "\n", StringComparison.Ordinal);
        switch (_options.Split)
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
                    if (line == _options.Separator)
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
