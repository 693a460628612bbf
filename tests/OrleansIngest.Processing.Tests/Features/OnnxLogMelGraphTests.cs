using OrleansIngest.Processing.Features;

namespace OrleansIngest.Processing.Tests.Features;

[Trait("Category", "Unit")]
public sealed class OnnxLogMelGraphTests
{
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
