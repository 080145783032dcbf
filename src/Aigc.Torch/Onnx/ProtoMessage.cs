using Google.Protobuf;

namespace Aigc.Torch.Onnx;

/// <summary>
/// One protobuf message being written, field by field, in the wire format (tag = field number
/// and wire type; varints for integers, fixed 32 bits for floats, length-prefixed bytes for
/// strings and nested messages). ONNX files are a single <c>ModelProto</c> message; we write the
/// few fields of onnx.proto we need this way rather than generating classes for all of it.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly MemoryStream _bytes = new();
    private readonly CodedOutputStream _out;

    public ProtoMessage() => _out = new CodedOutputStream(_bytes, leaveOpen: true);

    public ProtoMessage Int64(int field, long value)
    {
        _out.WriteTag(field, WireFormat.WireType.Varint);
        _out.WriteInt64(value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        _out.WriteTag(field, WireFormat.WireType.Fixed32);
        _out.WriteFloat(value);
        return this;
    }

    public ProtoMessage String(int field, string? value)
    {
        if (value is null) return this;
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteString(value);
        return this;
    }

    public ProtoMessage Bytes(int field, ReadOnlySpan<byte> value)
    {
        _out.WriteTag(field, WireFormat.WireType.LengthDelimited);
        _out.WriteBytes(ByteString.CopyFrom(value));
        return this;
    }

    public ProtoMessage Message(int field, ProtoMessage message) => Bytes(field, message.ToArray());

    /// <summary>A repeated int64 written unpacked, one tag per value, as proto2 declares it.</summary>
    public ProtoMessage Int64s(int field, IEnumerable<long> values)
    {
        foreach (var v in values) Int64(field, v);
        return this;
    }

    public ProtoMessage Floats(int field, IEnumerable<float> values)
    {
        foreach (var v in values) Float(field, v);
        return this;
    }

    public byte[] ToArray()
    {
        _out.Flush();
        return _bytes.ToArray();
    }
}
