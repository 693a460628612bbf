using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace OrleansIngest.Processing.Onnx;

/// <summary>
/// The few protobuf wire-format encodings an ONNX <c>ModelProto</c> needs: varints (wire type 0), 32-bit floats
/// (wire type 5) and length-delimited strings, bytes and nested messages (wire type 2). Fields are written in the
/// order they are called; nested messages are encoded into their own writer first so their length is known.
/// </summary>
internal sealed class OnnxProtoWriter
{
    private const int VarintWireType = 0;
    private const int LengthDelimitedWireType = 2;
    private const int Fixed32WireType = 5;

    private readonly ArrayBufferWriter<byte> _buffer = new();

    /// <summary>Bytes written so far.</summary>
    public ReadOnlySpan<byte> WrittenSpan => _buffer.WrittenSpan;

    /// <summary>Writes an int64/int32/enum field (negative values take ten bytes, as protobuf specifies).</summary>
    public OnnxProtoWriter Int64(int field, long value)
    {
        Tag(field, VarintWireType);
        Varint(unchecked((ulong)value));
        return this;
    }

    /// <summary>Writes a float field.</summary>
    public OnnxProtoWriter Float(int field, float value)
    {
        Tag(field, Fixed32WireType);
        BinaryPrimitives.WriteSingleLittleEndian(_buffer.GetSpan(4), value);
        _buffer.Advance(4);
        return this;
    }

    /// <summary>Writes a UTF-8 string field.</summary>
    public OnnxProtoWriter String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

    /// <summary>Writes a bytes field.</summary>
    public OnnxProtoWriter Bytes(int field, ReadOnlySpan<byte> value)
    {
        Tag(field, LengthDelimitedWireType);
        Varint((ulong)value.Length);
        value.CopyTo(_buffer.GetSpan(value.Length));
        _buffer.Advance(value.Length);
        return this;
    }

    /// <summary>Writes a nested message field whose body <paramref name="write"/> fills.</summary>
    public OnnxProtoWriter Message(int field, Action<OnnxProtoWriter> write)
    {
        var nested = new OnnxProtoWriter();
        write(nested);
        return Bytes(field, nested.WrittenSpan);
    }

    /// <summary>Copies <paramref name="field"/> as read, tag included, so fields this code does not model pass through unchanged.</summary>
    public OnnxProtoWriter Raw(OnnxProtoField field)
    {
        field.Encoded.Span.CopyTo(_buffer.GetSpan(field.Encoded.Length));
        _buffer.Advance(field.Encoded.Length);
        return this;
    }

    /// <summary>Returns a copy of the bytes written.</summary>
    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    private void Tag(int field, int wireType)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(field, 1);
        Varint(((ulong)field << 3) | (uint)wireType);
    }

    private void Varint(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var length = 0;
        while (value >= 0x80)
        {
            span[length++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[length++] = (byte)value;
        _buffer.Advance(length);
    }
}
