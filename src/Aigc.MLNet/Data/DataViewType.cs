namespace Aigc.MLNet.Data;

/// <summary>The type of a data-view column (ML.NET's <c>DataViewType</c>).</summary>
public abstract class DataViewType : IEquatable<DataViewType>
{
    /// <summary>The CLR type a getter for this column produces.</summary>
    public abstract Type RawType { get; }

    /// <inheritdoc />
    public abstract bool Equals(DataViewType? other);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is DataViewType t && Equals(t);

    /// <summary>The type's name as schemas print it, e.g. "Vector&lt;Single, 1x28x28&gt;".</summary>
    public abstract override string ToString();

    /// <inheritdoc />
    public override int GetHashCode() => ToString().GetHashCode(StringComparison.Ordinal);
}

/// <summary>A scalar number or boolean column.</summary>
public sealed class NumberDataViewType : DataViewType
{
    private NumberDataViewType(Type raw) => RawType = raw;

    /// <summary>float.</summary>
    public static NumberDataViewType Single { get; } = new(typeof(float));
    /// <summary>double.</summary>
    public static NumberDataViewType Double { get; } = new(typeof(double));
    /// <summary>int.</summary>
    public static NumberDataViewType Int32 { get; } = new(typeof(int));
    /// <summary>long (class labels, token ids).</summary>
    public static NumberDataViewType Int64 { get; } = new(typeof(long));
    /// <summary>bool.</summary>
    public static NumberDataViewType Boolean { get; } = new(typeof(bool));
    /// <summary>byte (raw pixels).</summary>
    public static NumberDataViewType Byte { get; } = new(typeof(byte));

    /// <inheritdoc />
    public override Type RawType { get; }

    internal static NumberDataViewType? For(Type t) =>
        t == typeof(float) ? Single : t == typeof(double) ? Double : t == typeof(int) ? Int32 :
        t == typeof(long) ? Int64 : t == typeof(bool) ? Boolean : t == typeof(byte) ? Byte : null;

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is NumberDataViewType n && n.RawType == RawType;

    /// <inheritdoc />
    public override int GetHashCode() => RawType.GetHashCode();

    /// <inheritdoc />
    public override string ToString() => RawType.Name;
}

/// <summary>A text column; getters produce <see cref="string"/>.</summary>
public sealed class TextDataViewType : DataViewType
{
    private TextDataViewType() { }

    /// <summary>The single instance.</summary>
    public static TextDataViewType Instance { get; } = new();

    /// <inheritdoc />
    public override Type RawType => typeof(string);

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) => other is TextDataViewType;

    /// <inheritdoc />
    public override int GetHashCode() => 17;

    /// <inheritdoc />
    public override string ToString() => "Text";
}

/// <summary>
/// A vector column: a fixed shape such as an image (1, 28, 28), or variable length (no dimensions)
/// such as a token sequence. Getters produce <c>T[]</c> of the item type, in row-major order.
/// </summary>
public sealed class VectorDataViewType : DataViewType
{
    /// <summary>Creates the type; no dimensions means variable length.</summary>
    public VectorDataViewType(NumberDataViewType itemType, params int[] dimensions)
    {
        ItemType = itemType ?? throw new ArgumentNullException(nameof(itemType));
        ArgumentNullException.ThrowIfNull(dimensions);
        if (dimensions.Any(d => d <= 0)) throw new ArgumentOutOfRangeException(nameof(dimensions), "dimensions must be positive");
        Dimensions = [.. dimensions];
    }

    /// <summary>The element type.</summary>
    public NumberDataViewType ItemType { get; }

    /// <summary>The shape; empty for variable length.</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>True when every row has the same shape.</summary>
    public bool IsKnownSize => Dimensions.Count > 0;

    /// <summary>Elements per row (0 for variable length).</summary>
    public int Size => IsKnownSize ? Dimensions.Aggregate(1, (a, b) => a * b) : 0;

    /// <inheritdoc />
    public override Type RawType => ItemType.RawType.MakeArrayType();

    /// <inheritdoc />
    public override bool Equals(DataViewType? other) =>
        other is VectorDataViewType v && v.ItemType.Equals(ItemType) && v.Dimensions.SequenceEqual(Dimensions);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(ItemType, Size, Dimensions.Count);

    /// <inheritdoc />
    public override string ToString() =>
        IsKnownSize ? $"Vector<{ItemType}, {string.Join("x", Dimensions)}>" : $"Vector<{ItemType}>";
}
