using OrleansIngest.Processing.Features;

namespace OrleansIngest.Processing.Tests.Features;

[Trait("Category", "Unit")]
public sealed class OnnxLogMelGraphTests
{
    [Fact]
    public void ProtoWriter_EncodesVarintFieldAsProtobufSpecifies()
    {
        // The protobuf encoding guide's example: field 1, value 150 → 08 96 01.
        var bytes = new OnnxLogMelProtoWriter().Int64(1, 150).ToArray();

        Assert.Equal(new byte[] { 0x08, 0x96, 0x01 }, bytes);
    }

    [Fact]
    public void ProtoWriter_EncodesNegativeInt64InTenBytes()
    {
        var bytes = new OnnxLogMelProtoWriter().Int64(2, -1).ToArray();

        Assert.Equal(new byte[] { 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 }, bytes);
    }

    [Fact]
    public void ProtoWriter_EncodesFloatAsLittleEndianFixed32()
    {
        var bytes = new OnnxLogMelProtoWriter().Float(2, 1f).ToArray();

        Assert.Equal(new byte[] { 0x15, 0x00, 0x00, 0x80, 0x3F }, bytes);
    }

    [Fact]
    public void ProtoWriter_PrefixesNestedMessageWithItsLength()
    {
        // The guide's example: field 3 holding a message whose field 1 is 150 → 1a 03 08 96 01.
        var bytes = new OnnxLogMelProtoWriter().Message(3, m => m.Int64(1, 150)).ToArray();

        Assert.Equal(new byte[] { 0x1A, 0x03, 0x08, 0x96, 0x01 }, bytes);
    }

    [Fact]
    public void ProtoWriter_EncodesStringAsUtf8WithLength()
    {
        var bytes = new OnnxLogMelProtoWriter().String(2, "testing").ToArray();

        Assert.Equal(new byte[] { 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67 }, bytes);
    }

    [Fact]
    public void OnnxLogMelGraph_BuildGivesTheSameBytesEachTime()
    {
        Assert.Equal(OnnxLogMelGraph.Build(), OnnxLogMelGraph.Build());
    }

    [Fact]
    public void OnnxLogMelGraph_LoadsInOnnxRuntimeWithDeclaredInputAndOutput()
    {
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(OnnxLogMelGraph.Build());

        var input = Assert.Single(session.InputMetadata);
        var outputValue = Assert.Single(session.OutputMetadata);
        Assert.Equal(OnnxLogMelGraph.InputName, input.Key);
        Assert.Equal(new[] { -1, 1, -1 }, input.Value.Dimensions);
        Assert.Equal(OnnxLogMelGraph.OutputName, outputValue.Key);
        Assert.Equal(new[] { -1, WhisperLogMel.MelBands, -1 }, outputValue.Value.Dimensions);
    }

    [Fact]
    public void OnnxLogMelGraph_FourierBasisHasZeroImaginaryKernelAtDcAndNyquist()
    {
        var basis = OnnxLogMelGraph.FourierBasis();
        var size = WhisperLogMel.FftSize;
        var bins = WhisperLogMel.FrequencyBins;

        Assert.All(basis.AsSpan(bins * size, size).ToArray(), v => Assert.Equal(0f, v, 6));
        Assert.All(basis.AsSpan((2 * bins - 1) * size, size).ToArray(), v => Assert.Equal(0f, v, 6));
        Assert.Equal(WhisperLogMel.HannWindow.ToArray(), basis.AsSpan(0, size).ToArray());
    }

    [Fact]
    public void OnnxLogMelGraph_PaddedLengthFitsExactlyTheFrameCount()
    {
        Assert.Equal(400, OnnxLogMelGraph.PaddedLength(1));
        Assert.Equal(480_240, OnnxLogMelGraph.PaddedLength(3_000));
    }
}
