using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Processing.Tests.Inference;

[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class SileroVadTests(SileroVadModelFixture fixture)
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 1)]
    [InlineData(511, 1)]
    [InlineData(512, 1)]
    [InlineData(513, 2)]
    [InlineData(480000, 938)]
    public void SileroVad_FrameCountRoundsPartialChunksUp(int samples, int frames)
    {
        Assert.Equal(frames, SileroVad.FrameCount(samples));
    }

    [Fact]
    public void SileroVad_FirstRowHasZeroContextThenTheFirstChunk()
    {
        var samples = Enumerable.Range(1, 1000).Select(i => (float)i).ToArray();
        var row = new float[SileroVad.InputSamples];
        row.AsSpan().Fill(float.NaN);

        VadStream.FillInputRow(samples, 0, row);

        Assert.All(row[..64], v => Assert.Equal(0f, v));
        Assert.Equal(samples[..512], row[64..]);
    }

    [Fact]
    public void SileroVad_LaterRowsCarryTheLast64SamplesOfThePreviousChunkAndZeroPadTheEnd()
    {
        var samples = Enumerable.Range(1, 1000).Select(i => (float)i).ToArray();
        var row = new float[SileroVad.InputSamples];
        row.AsSpan().Fill(float.NaN);

        VadStream.FillInputRow(samples, 1, row);

        Assert.Equal(samples[448..1000], row[..552]);
        Assert.All(row[552..], v => Assert.Equal(0f, v));
    }

    [Fact]
    public void VadResult_MeanAndRatioUseAStrictThreshold()
    {
        var result = VadResult.FromFrameProbabilities([0.1f, 0.5f, 0.9f, 0.7f], 0.5f);

        Assert.Equal(0.55f, result.SpeechProbMean, 1e-6f);
        Assert.Equal(0.5f, result.SpeechRatio);
        Assert.Equal(4, result.FrameProbabilities.Length);
    }

    [Fact]
    public void VadResult_NoFramesGivesZeroMeanAndRatio()
    {
        var result = VadResult.FromFrameProbabilities([], 0.5f);

        Assert.Empty(result.FrameProbabilities);
        Assert.Equal(0f, result.SpeechProbMean);
        Assert.Equal(0f, result.SpeechRatio);
    }

    [Fact]
    public void SileroVad_AnalyzeOfEmptyInputHasNoFrames()
    {
        var result = SileroVad.Analyze(fixture.Model, []);

        Assert.Empty(result.FrameProbabilities);
        Assert.Equal(0f, result.SpeechProbMean);
        Assert.Equal(0f, result.SpeechRatio);
    }

    [Fact]
    public void SileroVad_AnalyzeYieldsOneProbabilityPerFrameInUnitRange()
    {
        var result = SileroVad.Analyze(fixture.Model, TestAudio.Bursts(16000 + 100, seed: 5));

        Assert.Equal(32, result.FrameProbabilities.Length);
        Assert.All(result.FrameProbabilities, p => Assert.InRange(p, 0f, 1f));
        Assert.Equal(result.FrameProbabilities.Average(), result.SpeechProbMean, 1e-6f);
    }

    [Fact]
    public void SileroVad_AnalyzeStopsWhenCancelled()
    {
        using var cancellation = new CancellationTokenSource();
        cancellation.Cancel();

        Assert.Throws<OperationCanceledException>(
            () => SileroVad.Analyze(fixture.Model, TestAudio.Bursts(16000, seed: 6), cancellationToken: cancellation.Token));
    }
}
