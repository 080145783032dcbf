namespace Aigc.MLNet.Data;

/// <summary>Names the column a property maps to (ML.NET's <c>ColumnName</c>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class ColumnNameAttribute(string name) : Attribute
{
    /// <summary>The column name.</summary>
    public string Name { get; } = name;
}

/// <summary>Gives an array property a fixed shape, e.g. <c>[VectorType(1, 28, 28)]</c> for a gray
/// 28x28 image (ML.NET's <c>VectorType</c>). Without it an array is a variable-length vector.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class VectorTypeAttribute(params int[] dimensions) : Attribute
{
    /// <summary>The shape.</summary>
    public int[] Dimensions { get; } = dimensions;
}

/// <summary>Keeps a property out of the mapping (ML.NET's <c>NoColumn</c>).</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Field)]
public sealed class NoColumnAttribute : Attribute;
