namespace Aigc.Torch.Onnx;

/// <summary>Element types of ONNX tensors (the values of onnx.proto's <c>TensorProto.DataType</c>).</summary>
public enum OnnxElementType
{
    /// <summary>32-bit float.</summary>
    Float = 1,
    /// <summary>32-bit signed integer.</summary>
    Int32 = 6,
    /// <summary>64-bit signed integer.</summary>
    Int64 = 7,
}

/// <summary>One dimension of an input or output shape: a fixed size, or a named symbolic size
/// ("batch", "sequence") that the runtime fills in per call.</summary>
public readonly record struct OnnxDim
{
    private OnnxDim(long? value, string? name) => (Value, Name) = (value, name);

    /// <summary>The fixed size, or null for a symbolic dimension.</summary>
    public long? Value { get; }

    /// <summary>The symbolic name, or null for a fixed size.</summary>
    public string? Name { get; }

    /// <summary>A fixed size.</summary>
    public static implicit operator OnnxDim(long value) =>
        value >= 0 ? new(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "A dimension cannot be negative.");

    /// <summary>A symbolic size.</summary>
    public static implicit operator OnnxDim(string name) =>
        !string.IsNullOrEmpty(name) ? new(null, name) : throw new ArgumentException("A symbolic dimension needs a name.", nameof(name));

    /// <inheritdoc />
    public override string ToString() => Name ?? Value!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    internal ProtoMessage ToProto() => Name is null ? new ProtoMessage().Int64(1, Value!.Value) : new ProtoMessage().String(2, Name);
}

/// <summary>A node attribute (onnx.proto's <c>AttributeProto</c>).</summary>
public sealed class OnnxAttribute
{
    private readonly Func<ProtoMessage, ProtoMessage> _write;

    private OnnxAttribute(string name, Func<ProtoMessage, ProtoMessage> write) => (Name, _write) = (name, write);

    /// <summary>The attribute's name.</summary>
    public string Name { get; }

    // AttributeProto fields: name 1, f 2, i 3, s 4, floats 7, ints 8, type 20 (FLOAT 1, INT 2, STRING 3, FLOATS 6, INTS 7).

    /// <summary>An integer attribute.</summary>
    public static OnnxAttribute Int(string name, long value) => new(name, m => m.Int64(3, value).Int64(20, 2));

    /// <summary>A float attribute.</summary>
    public static OnnxAttribute Float(string name, float value) => new(name, m => m.Float(2, value).Int64(20, 1));

    /// <summary>A string attribute.</summary>
    public static OnnxAttribute String(string name, string value) => new(name, m => m.Bytes(4, System.Text.Encoding.UTF8.GetBytes(value)).Int64(20, 3));

    /// <summary>A list-of-integers attribute.</summary>
    public static OnnxAttribute Ints(string name, params long[] values) => new(name, m => m.Int64s(8, values).Int64(20, 7));

    /// <summary>A list-of-floats attribute.</summary>
    public static OnnxAttribute Floats(string name, params float[] values) => new(name, m => m.Floats(7, values).Int64(20, 6));

    internal ProtoMessage ToProto() => _write(new ProtoMessage().String(1, Name));
}
