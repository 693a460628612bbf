using OrleansIngest.Processing.Inference;
using OrleansIngest.TestSupport.Speech;

namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>
/// The real model on real (synthesised) speech. Measured on this model with this text: speech mean 0.89 and
/// ratio 0.90 (also at 1/10 amplitude and at ~10 dB SNR); silence and white noise from 0.001 to 0.3 std
/// mean ≤ 0.006, ratio 0, no frame above 0.1. The thresholds below leave wide margins on both sides.
/// </summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SileroVadSpeechTests(SileroVadModelFixture fixture)
{
    private const string Text =
        "The quick brown fox jumps over the lazy dog. " +
        "Training teams need recordings as parquet files, decoded and segmented, with features and model outputs. " +
        "Every file is written exactly once, and a bad input is quarantined with a reason.";

    private const float SpeechAtLeast = 0.7f;
    private const float NonSpeechBelow = 0.05f;

    private static readonly Lazy<Task<float[]>> Speech = new(() => SpeechSynth.SpeakAsync(Text));

    [Fact]
    public async Task SileroVad_EspeakSpeechScoresAsSpeech()
    {
        var speech = await Speech.Value;

        var result = SileroVad.Analyze(fixture.Model, speech);

        Assert.True(result.SpeechRatio > SpeechAtLeast, $"speech ratio {result.SpeechRatio}");
        Assert.True(result.SpeechProbMean > SpeechAtLeast, $"speech prob mean {result.SpeechProbMean}");
    }

    [Fact]
    public async Task SileroVad_QuietAndNoisySpeechStillScoresAsSpeech()
    {
        var speech = await Speech.Value;
        var quiet = speech.Select(x => x * 0.1f).ToArray();
        var noisy = speech.Zip(TestAudio.WhiteNoise(speech.Length, 0.03, seed: 7), (s, n) => s + n).ToArray();

        foreach (var samples in new[] { quiet, noisy })
        {
            var result = SileroVad.Analyze(fixture.Model, samples);
            Assert.True(result.SpeechRatio > SpeechAtLeast, $"speech ratio {result.SpeechRatio}");
        }
    }

    [Fact]
    public void SileroVad_SilenceScoresAsNonSpeech()
    {
        var result = SileroVad.Analyze(fixture.Model, new float[10 * SileroVad.SampleRate]);

        Assert.True(result.SpeechRatio < NonSpeechBelow, $"speech ratio {result.SpeechRatio}");
        Assert.True(result.SpeechProbMean < NonSpeechBelow, $"speech prob mean {result.SpeechProbMean}");
    }

    [Theory]
    [InlineData(0.3)]
    [InlineData(0.1)]
    [InlineData(0.01)]
    public void SileroVad_WhiteNoiseScoresAsNonSpeech(double standardDeviation)
    {
        var result = SileroVad.Analyze(fixture.Model, TestAudio.WhiteNoise(10 * SileroVad.SampleRate, standardDeviation, seed: 8));

        Assert.True(result.SpeechRatio < NonSpeechBelow, $"speech ratio {result.SpeechRatio}");
        Assert.True(result.SpeechProbMean < NonSpeechBelow, $"speech prob mean {result.SpeechProbMean}");
    }

    [Fact]
    public async Task VadBatcher_SpeechSilenceAndNoiseBatchedTogetherMatchTheirSingleStreamResults()
    {
        var speech = await Speech.Value;
        float[][] streams = [speech, new float[speech.Length / 2], TestAudio.WhiteNoise(speech.Length, 0.1, seed: 9), speech[..(speech.Length / 3)]];

        await using var batcher = new VadBatcher(fixture.Model);
        var batched = await Task.WhenAll(streams.Select(s => batcher.AnalyzeAsync(s)));

        for (var i = 0; i < streams.Length; i++)
        {
            var alone = SileroVad.Analyze(fixture.Model, streams[i]);
            Assert.Equal(alone.FrameProbabilities, batched[i].FrameProbabilities, (a, b) => Math.Abs(a - b) <= 1e-6f);
        }

        // Speech stands far above silence and noise in the same batch.
        Assert.True(batched[0].SpeechProbMean - Math.Max(batched[1].SpeechProbMean, batched[2].SpeechProbMean) > 0.6f);
    }
}
