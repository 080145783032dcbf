using Aigc.MLNet.Data;

namespace Aigc.MLNet.Transforms;

/// <summary>Maps a text column to a variable-length Int64 vector of token ids, lazily.</summary>
public sealed class TokenizingTransformer(string inputColumn, string outputColumn, ITokenizer tokenizer)
    : ColumnTransformer<string, long[]>(inputColumn, outputColumn)
{
    private readonly ITokenizer _tokenizer = tokenizer ?? throw new ArgumentNullException(nameof(tokenizer));

    /// <summary>The tokenizer.</summary>
    public ITokenizer Tokenizer => _tokenizer;

    /// <inheritdoc />
    protected override string ExpectedInput => "Text";

    /// <inheritdoc />
    protected override DataViewType? OutputTypeFor(DataViewType inputType) =>
        inputType is TextDataViewType ? new VectorDataViewType(NumberDataViewType.Int64) : null;

    /// <inheritdoc />
    protected override Func<string, long[]> MapperFor(DataViewType inputType) => text => _tokenizer.Encode(text ?? string.Empty);
}
