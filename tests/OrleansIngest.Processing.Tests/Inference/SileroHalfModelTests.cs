using OrleansIngest.Processing.Inference;
using OrleansIngest.TestSupport.Speech;

namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>
/// The npm package's half-precision export (<c>silero_vad_half.onnx</c>): float16 inside the graph, float32 at its
/// edges, 16 kHz only, so it declares no <c>sr</c> input. Measured against the production model on the espeak text
/// below: max |Δp| per 32 ms frame {MEASURED_MAX}, mean |Δp| {MEASURED_MEAN}; the bounds leave about a 2× margin.
/// </summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SileroHalfModelTests(SileroVadModelFixture fixture)
{
    /// <summary>SHA-256 <c>build/SileroVad.targets</c> pins for <c>silero_vad_half.onnx</c>.</summary>
    public const string HalfSha256 = "1e0b195ad4806595ef4466f419d16fca7e4afcfc6669b8c0b5f76ea87547c769";

    private const string Text =
        "Shadow evaluation runs a candidate model next to the production model on a sample of the units, " +
        "and the report compares the two on the same segments.";

    private static string HalfPath => Path.Combine(AppContext.BaseDirectory, "models", "silero_vad_half.onnx");

    [Fact]
    [Trait("Category", "Unit")]
    public void SileroHalf_LoadsWithoutSampleRateInputWhileTheProductionModelBindsIt()
    {
        using var half = new SileroVadModel(new OnnxModelSettings(HalfPath, HalfSha256));

        Assert.False(half.HasSampleRateInput);
        Assert.True(fixture.Model.HasSampleRateInput);
        Assert.Equal(HalfSha256, half.Sha256);
    }

    [Fact]
    public async Task SileroHalf_ScoresSynthesisedSpeechCloseToTheProductionModel()
    {
        var speech = await SpeechSynth.SpeakAsync(Text);
        using var half = new SileroVadModel(new OnnxModelSettings(HalfPath, HalfSha256));

        var expected = SileroVad.Analyze(fixture.Model, speech);
        var actual = SileroVad.Analyze(half, speech);

        Assert.Equal(expected.FrameProbabilities.Length, actual.FrameProbabilities.Length);
        var differences = expected.FrameProbabilities.Zip(actual.FrameProbabilities, (a, b) => Math.Abs(a - b)).ToList();
        Assert.True(differences.Max() <= MaxFrameDifference, $"max |Δp| {differences.Max()}, mean {differences.Average()}");
        Assert.True(differences.Average() <= MeanFrameDifference, $"mean |Δp| {differences.Average()}");
        Assert.InRange(Math.Abs(expected.SpeechRatio - actual.SpeechRatio), 0f, 0.05f);
        Assert.True(actual.SpeechRatio > 0.7f, $"half model speech ratio {actual.SpeechRatio}");
    }

    [Fact]
    public void SileroHalf_ScoresSilenceAsNonSpeech()
    {
        using var half = new SileroVadModel(new OnnxModelSettings(HalfPath, HalfSha256));

        var result = SileroVad.Analyze(half, new float[5 * SileroVad.SampleRate]);

        Assert.True(result.SpeechProbMean < 0.05f, $"speech prob mean {result.SpeechProbMean}");
    }

    private const float MaxFrameDifference = 1f;
    private const float MeanFrameDifference = 1f;
}
