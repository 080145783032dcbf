using Aigc.MLNet.Data;
using Aigc.MLNet.Text;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.LanguageModels;

/// <summary>
/// The documents of one column, one per row: text to be tokenised, or token ids that some tokenizer
/// already produced (a <c>Vector&lt;Int32&gt;</c> column). Either way they become one token stream,
/// joined by end-of-text (when the tokenizer has it) or by the encoded separator.
/// </summary>
internal sealed class Corpus
{
    private Corpus(string column, List<string>? texts, List<long[]>? tokens) => (Column, Texts, TokenDocuments) = (column, texts, tokens);

    /// <summary>The column read.</summary>
    public string Column { get; }

    /// <summary>The text documents, or null for a token column.</summary>
    public List<string>? Texts { get; }

    /// <summary>The token documents, or null for a text column.</summary>
    public List<long[]>? TokenDocuments { get; }

    /// <summary>Reads every non-empty document of <paramref name="column"/>.</summary>
    /// <exception cref="SchemaMismatchException">The column is missing or neither text nor Int32 vectors.</exception>
    /// <exception cref="ArgumentException">The column holds no document.</exception>
    public static Corpus Read(IDataView data, string column)
    {
        var col = data.Schema.Require(ColumnRequirement.TextOrTokens(column));
        if (col.Type is TextDataViewType) return new Corpus(column, ReadTexts(data, col), null);
        var docs = new List<long[]>();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<VBuffer<int>>(col);
        VBuffer<int> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            if (value.Length == 0) continue;
            var dense = new int[value.Length];
            ValueCopy.ToDense(value, dense);
            docs.Add(Array.ConvertAll(dense, id => (long)id));
        }
        if (docs.Count == 0) throw new ArgumentException($"Column '{column}' holds no tokens.", nameof(data));
        return new Corpus(column, null, docs);
    }

    /// <summary>Every non-empty document of a text column, in order.</summary>
    public static List<string> ReadTexts(IDataView data, string column) =>
        ReadTexts(data, data.Schema.Require(column, TextDataViewType.Instance));

    private static List<string> ReadTexts(IDataView data, DataViewSchema.Column col)
    {
        var docs = new List<string>();
        using var cursor = data.GetRowCursor([col]);
        var getter = cursor.GetGetter<ReadOnlyMemory<char>>(col);
        ReadOnlyMemory<char> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            if (!value.IsEmpty) docs.Add(value.ToString());
        }
        if (docs.Count == 0) throw new ArgumentException($"Column '{col.Name}' holds no text.", nameof(data));
        return docs;
    }

    /// <summary>The documents as one token stream.</summary>
    /// <exception cref="ArgumentException">A text document cannot be tokenised, or a token id is outside the vocabulary.</exception>
    public long[] ToStream(ITokenIds tokenizer, string separator)
    {
        long[] join = tokenizer.EndOfTextId is { } eot ? [eot]
            : separator.Length == 0 ? [] : tokenizer.Encode(separator);
        int count = Texts?.Count ?? TokenDocuments!.Count;
        var stream = new List<long>();
        for (int i = 0; i < count; i++)
        {
            if (i > 0) stream.AddRange(join);
            stream.AddRange(Texts is null ? CheckIds(TokenDocuments![i], i, tokenizer.VocabularySize) : Encode(tokenizer, Texts[i], i));
        }
        return [.. stream];
    }

    private static long[] Encode(ITokenIds tokenizer, string text, int row)
    {
        try
        {
            return tokenizer.Encode(text);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Document {row} cannot be tokenised: {e.Message}", "data", e);
        }
    }

    private long[] CheckIds(long[] ids, int row, int vocabularySize)
    {
        foreach (long id in ids)
            if (id < 0 || id >= vocabularySize)
                throw new ArgumentException($"Column '{Column}' row {row} holds token id {id}, outside the tokenizer's vocabulary [0, {vocabularySize}).", "data");
        return ids;
    }
}
