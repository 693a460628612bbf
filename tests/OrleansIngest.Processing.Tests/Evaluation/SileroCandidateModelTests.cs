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

    [Fact]
    public void SileroCandidate_HalfExportIsRejectedBecauseItHasNoSampleRateInputAlthoughItsTensorsAreFloat32()
    {
        var path = ModelPath("silero_vad_half.onnx");
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(path);

        var error = Assert.Throws<InvalidDataException>(() => new SileroVadModel(new OnnxModelSettings(path, "1e0b195ad4806595ef4466f419d16fca7e4afcfc6669b8c0b5f76ea87547c769")));

        // Half precision is internal to the graph: its inputs and outputs are float32, but it is 16 kHz only and has no 'sr'.
        Assert.Equal(["input", "state"], session.InputMetadata.Keys.Order());
        Assert.All(session.InputMetadata.Values.Concat(session.OutputMetadata.Values), m => Assert.Equal(typeof(float), m.ElementType));
        Assert.Contains("has no input named 'sr'", error.Message, StringComparison.Ordinal);
    }
}
