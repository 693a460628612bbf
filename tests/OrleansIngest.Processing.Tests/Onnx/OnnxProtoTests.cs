using OrleansIngest.Processing.Onnx;

namespace OrleansIngest.Processing.Tests.Onnx;

[Trait("Category", "Unit")]
public sealed class OnnxProtoTests
{
    [Fact]
    public void ProtoWriter_EncodesVarintFieldAsProtobufSpecifies()
    {
        // The protobuf encoding guide's example: field 1, value 150 → 08 96 01.
        var bytes = new OnnxProtoWriter().Int64(1, 150).ToArray();

        Assert.Equal(new byte[] { 0x08, 0x96, 0x01 }, bytes);
    }

    [Fact]
    public void ProtoWriter_EncodesNegativeInt64InTenBytes()
    {
        var bytes = new OnnxProtoWriter().Int64(2, -1).ToArray();

        Assert.Equal(new byte[] { 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, bytes);
    }

    [Fact]
    public void ProtoWriter_EncodesFloatAsLittleEndianFixed32()
    {
        var bytes = new OnnxProtoWriter().Float(2, 1f).ToArray();

        Assert.Equal(new byte[] { 0x15, 0x00, 0x00, 0x80, 0x3F }, bytes);
    }

    [Fact]
    public void ProtoWriter_PrefixesNestedMessageWithItsLength()
    {
        // The guide's example: field 3 holding a message whose field 1 is 150 → 1a 03 08 96 01.
        var bytes = new OnnxProtoWriter().Message(3, m => m.Int64(1, 150)).ToArray();

        Assert.Equal(new byte[] { 0x1A, 0x03, 0x08, 0x96, 0x01 }, bytes);
    }

    [Fact]
    public void ProtoWriter_EncodesStringAsUtf8WithLength()
    {
        var bytes = new OnnxProtoWriter().String(2, "testing").ToArray();

        Assert.Equal(new byte[] { 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67 }, bytes);
    }

    [Fact]
    public void ProtoReader_ReadsBackWhatTheWriterWrote()
    {
        var bytes = new OnnxProtoWriter().Int64(1, -3).String(2, "node").Message(5, m => m.Int64(8, 128)).Float(4, 0.5f).ToArray();

        var fields = OnnxProtoReader.ReadFields(bytes);

        Assert.Equal([1, 2, 5, 4], fields.Select(f => f.Number));
        Assert.Equal(-3, fields[0].AsInt64());
        Assert.Equal("node", fields[1].AsString());
        Assert.Equal([128L], OnnxProtoReader.ReadInt64s(OnnxProtoReader.ReadFields(fields[2].Payload), 8));
        Assert.Equal([0.5f], OnnxProtoReader.ReadFloats(fields, 4));
    }

    [Fact]
    public void ProtoWriter_RawCopiesAFieldByteForByte()
    {
        var bytes = new OnnxProtoWriter().Int64(3, 300).String(4, "Conv").ToArray();

        var copy = new OnnxProtoWriter();
        foreach (var field in OnnxProtoReader.ReadFields(bytes))
        {
            copy.Raw(field);
        }

        Assert.Equal(bytes, copy.ToArray());
    }

    [Fact]
    public void ProtoReader_ReadsPackedInt64s()
    {
        // Field 8, length-delimited, holding the varints 1, 150 and -1 back to back.
        byte[] packed = [0x42, 0x0D, 0x01, 0x96, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01];

        Assert.Equal([1L, 150L, -1L], OnnxProtoReader.ReadInt64s(OnnxProtoReader.ReadFields(packed), 8));
    }

    [Fact]
    public void ProtoReader_RejectsALengthPastTheEnd()
    {
        byte[] truncated = [0x12, 0x07, 0x74, 0x65];

        var error = Assert.Throws<InvalidDataException>(() => OnnxProtoReader.ReadFields(truncated));

        Assert.Contains("claims 7 bytes", error.Message, StringComparison.Ordinal);
    }
}
