using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Tests.Inference;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class SileroCandidateModelTests
{
    private static string ModelPath(string file) => Path.Combine(AppContext.BaseDirectory, "models", file);

    [Theory]
    [InlineData("silero_vad_16k_op15.onnx", "7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49")]
    [InlineData("silero_vad_op18_ifless.onnx", "7671cd04b004e9076da0d4a7b1a5aec36adf161c39230c1cb94a4fd5db6bbd28")]
    [InlineData("silero_vad_half.onnx", SileroHalfModelTests.HalfSha256)]
    public void SileroCandidate_LoadsWithTheSileroBindingAndScoresCloseToTheProductionModel(string file, string sha256)
    {
        using var baseline = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256));
        using var candidate = new SileroVadModel(new OnnxModelSettings(ModelPath(file), sha256));
        var samples = TestAudio.Bursts(16_000 * 3, seed: 7);

        var expected = SileroVad.Analyze(baseline, samples);
        var actual = SileroVad.Analyze(candidate, samples);

        Assert.Equal(sha256, candidate.Sha256);
        Assert.Equal(expected.FrameProbabilities.Length, actual.FrameProbabilities.Length);
        var maxDifference = expected.FrameProbabilities.Zip(actual.FrameProbabilities, (a, b) => Math.Abs(a - b)).Max();
        Assert.InRange(maxDifference, 0f, 0.05f);
    }
}
