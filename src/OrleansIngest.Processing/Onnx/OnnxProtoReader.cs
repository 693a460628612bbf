using System.Buffers.Binary;
using System.Text;

namespace OrleansIngest.Processing.Onnx;

/// <summary>One field of a protobuf message as it lies in the encoded bytes.</summary>
/// <param name="Number">Field number.</param>
/// <param name="WireType">0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.</param>
/// <param name="Varint">The value of a varint field; 0 otherwise.</param>
/// <param name="Payload">The bytes of a length-delimited, fixed32 or fixed64 field (without tag and length).</param>
/// <param name="Encoded">The whole field, tag included, for copying it unchanged.</param>
internal readonly record struct OnnxProtoField(int Number, int WireType, ulong Varint, ReadOnlyMemory<byte> Payload, ReadOnlyMemory<byte> Encoded)
{
    /// <summary>The payload as a UTF-8 string.</summary>
    public string AsString() => Encoding.UTF8.GetString(Payload.Span);

    /// <summary>The varint as a signed 64-bit integer (protobuf <c>int64</c>).</summary>
    public long AsInt64() => unchecked((long)Varint);
}

/// <summary>
/// Reads the protobuf wire format an ONNX <c>ModelProto</c> is stored in, one message level at a time: the
/// counterpart of <see cref="OnnxProtoWriter"/>. Only the encoding is known here; what each field means is the
/// caller's business (field numbers from <c>onnx.proto3</c>). Malformed input raises <see cref="InvalidDataException"/>.
/// </summary>
internal static class OnnxProtoReader
{
    private const int VarintWireType = 0;
    private const int Fixed64WireType = 1;
    private const int LengthDelimitedWireType = 2;
    private const int Fixed32WireType = 5;

    /// <summary>The fields of one message, in the order they are stored.</summary>
    public static List<OnnxProtoField> ReadFields(ReadOnlyMemory<byte> message)
    {
        var fields = new List<OnnxProtoField>();
        var span = message.Span;
        var position = 0;
        while (position < span.Length)
        {
            var start = position;
            var tag = ReadVarint(span, ref position);
            var number = (int)(tag >> 3);
            var wireType = (int)(tag & 7);
            if (number < 1)
            {
                throw new InvalidDataException($"Protobuf field number {number} at byte {start} is invalid.");
            }

            ulong varint = 0;
            int payloadStart = position, payloadLength;
            switch (wireType)
            {
                case VarintWireType:
                    varint = ReadVarint(span, ref position);
                    payloadLength = 0;
                    break;
                case Fixed64WireType:
                    payloadLength = 8;
                    break;
                case Fixed32WireType:
                    payloadLength = 4;
                    break;
                case LengthDelimitedWireType:
                    var length = ReadVarint(span, ref position);
                    payloadStart = position;
                    payloadLength = length <= (ulong)(span.Length - position)
                        ? (int)length
                        : throw new InvalidDataException($"Protobuf field {number} at byte {start} claims {length} bytes; {span.Length - position} remain.");
                    break;
                default:
                    throw new InvalidDataException($"Protobuf field {number} at byte {start} has unsupported wire type {wireType}.");
            }

            if (wireType != VarintWireType)
            {
                position = payloadStart + payloadLength;
                if (position > span.Length)
                {
                    throw new InvalidDataException($"Protobuf field {number} at byte {start} runs past the end of its message.");
                }
            }

            fields.Add(new OnnxProtoField(number, wireType, varint, message.Slice(payloadStart, payloadLength), message[start..position]));
        }

        return fields;
    }

    /// <summary>The values of a repeated <c>int64</c> field, packed or not.</summary>
    public static List<long> ReadInt64s(IEnumerable<OnnxProtoField> fields, int number)
    {
        var values = new List<long>();
        foreach (var field in fields.Where(f => f.Number == number))
        {
            if (field.WireType == VarintWireType)
            {
                values.Add(field.AsInt64());
                continue;
            }

            var span = field.Payload.Span;
            var position = 0;
            while (position < span.Length)
            {
                values.Add(unchecked((long)ReadVarint(span, ref position)));
            }
        }

        return values;
    }

    /// <summary>The values of a repeated <c>float</c> field, packed or not.</summary>
    public static List<float> ReadFloats(IEnumerable<OnnxProtoField> fields, int number)
    {
        var values = new List<float>();
        foreach (var field in fields.Where(f => f.Number == number))
        {
            var span = field.Payload.Span;
            for (var i = 0; i + 4 <= span.Length; i += 4)
            {
                values.Add(BinaryPrimitives.ReadSingleLittleEndian(span[i..]));
            }
        }

        return values;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= span.Length)
            {
                throw new InvalidDataException("Protobuf varint runs past the end of its message.");
            }

            var b = span[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("Protobuf varint is longer than ten bytes.");
    }
}
