using Microsoft.ML;
using Microsoft.ML.Data;

namespace Aigc.MLNet.Data;

/// <summary>What an estimator or transformer needs of one input column, checkable both against a
/// full <see cref="DataViewSchema"/> and against the coarser <see cref="SchemaShape"/> that
/// <see cref="IEstimator{TTransformer}.GetOutputSchema"/> receives (which has no vector sizes).</summary>
/// <param name="Name">The column.</param>
/// <param name="Expected">What is wanted, in words, for error messages.</param>
/// <param name="Accepts">The check on a full type.</param>
/// <param name="AcceptsShape">The check on a schema-shape column.</param>
internal sealed record ColumnRequirement(string Name, string Expected, Func<DataViewType, bool> Accepts,
    Func<SchemaShape.Column, bool> AcceptsShape)
{
    /// <summary>A fixed-size vector of Single, e.g. an image from ExtractPixels.</summary>
    public static ColumnRequirement SingleVector(string name, string expected) => new(name, expected,
        t => t is VectorDataViewType { IsKnownSize: true } v && v.ItemType == NumberDataViewType.Single,
        c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Single && !c.IsKey);

    /// <summary>A fixed-size vector of Single or Byte: an image a model reads (Byte pixels are scaled by the model).</summary>
    public static ColumnRequirement Image(string name, string expected) => new(name, expected,
        t => t is VectorDataViewType { IsKnownSize: true } v && (v.ItemType == NumberDataViewType.Single || v.ItemType == NumberDataViewType.Byte),
        c => c.Kind == SchemaShape.Column.VectorKind.Vector && (c.ItemType == NumberDataViewType.Single || c.ItemType == NumberDataViewType.Byte) && !c.IsKey);

    /// <summary>A fixed-size vector of Single with exactly <paramref name="size"/> values.</summary>
    public static ColumnRequirement SingleVector(string name, int size) => new(name, $"Vector<Single, {size}>",
        t => t is VectorDataViewType { IsKnownSize: true } v && v.ItemType == NumberDataViewType.Single && v.Size == size,
        c => c.Kind == SchemaShape.Column.VectorKind.Vector && c.ItemType == NumberDataViewType.Single && !c.IsKey);

    /// <summary>A class label: a key column (as MapValueToKey makes) or an integer column holding 0-based classes.</summary>
    public static ColumnRequirement Label(string name) => new(name, "a class label (a key, or an integer type holding 0-based classes)",
        LabelValues.IsLabelType,
        c => c.Kind == SchemaShape.Column.VectorKind.Scalar && (c.IsKey || LabelValues.IsIntegerType(c.ItemType)));

    /// <summary>An integer scalar column, e.g. a per-row seed.</summary>
    public static ColumnRequirement Integer(string name, string expected) => new(name, expected,
        LabelValues.IsIntegerType,
        c => c.Kind == SchemaShape.Column.VectorKind.Scalar && !c.IsKey && LabelValues.IsIntegerType(c.ItemType));

    /// <summary>A text scalar column.</summary>
    public static ColumnRequirement Text(string name) => new(name, "Text (String)",
        t => t is TextDataViewType,
        c => c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType is TextDataViewType);

    /// <summary>Text, or token ids: a vector of Int32 of any length (one document or prompt per row).</summary>
    public static ColumnRequirement TextOrTokens(string name) => new(name, "Text (String) or token ids (Vector<Int32>)",
        t => t is TextDataViewType || IsTokens(t),
        c => (c.Kind == SchemaShape.Column.VectorKind.Scalar && c.ItemType is TextDataViewType)
            || (c.Kind != SchemaShape.Column.VectorKind.Scalar && c.ItemType == NumberDataViewType.Int32 && !c.IsKey));

    /// <summary>True for a token-id column: a vector of Int32, fixed or variable length.</summary>
    public static bool IsTokens(DataViewType type) => type is VectorDataViewType v && v.ItemType == NumberDataViewType.Int32;

    /// <summary>Checks the column in a schema shape.</summary>
    /// <exception cref="SchemaMismatchException">The column is missing or of another kind.</exception>
    public void Check(SchemaShape shape)
    {
        var found = shape.Where(c => c.Name == Name).ToList();
        if (found.Count == 0) throw new SchemaMismatchException(Name, Expected, null, shape.Describe());
        var column = found[^1];
        if (!AcceptsShape(column)) throw new SchemaMismatchException(Name, Expected, SchemaShapes.Describe(column), shape.Describe());
    }
}
