using Microsoft.ML.OnnxRuntime;
using OrleansIngest.Processing.Inference;
using OrleansIngest.TestSupport.Speech;

namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>The Silero VAD graph with its STFT cut out, and the host FFT that replaces it.</summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Integration")]
public sealed class SileroStftSplitTests(SileroVadModelFixture fixture)
{
    private const string Text = "Every blob version is ingested exactly once, and the probabilities must not move when the STFT moves.";

    private static readonly Lazy<Task<float[]>> Speech = new(() => SpeechSynth.SpeakAsync(Text));

    private static byte[] PinnedModel => File.ReadAllBytes(SileroVadModel.DefaultModelPath);

    [Fact]
    public void Split_PinnedModel_StartsAtTheMagnitudeAndKeepsStateAndOutputs()
    {
        var split = SileroStftSplit.Split(PinnedModel);
        using var session = new InferenceSession(split.Model);

        Assert.Equal((256, 128, 64, 4, 129), (split.FftSize, split.Hop, split.PadRight, split.Frames, split.Bins));
        Assert.Equal(["state", SileroStftSplitModel.MagnitudeInput], session.InputMetadata.Keys.Order());
        Assert.Equal([-1, 129, 4], session.InputMetadata[SileroStftSplitModel.MagnitudeInput].Dimensions);
        Assert.Equal(["output", "stateN"], session.OutputMetadata.Keys.Order());
        Assert.True(split.Model.Length < PinnedModel.Length / 2, $"split graph {split.Model.Length} B: the STFT basis and the 8 kHz branch should be gone");
    }

    [Fact]
    public void Split_PinnedModel_WindowIsTheBasisPeriodicHann()
    {
        var split = SileroStftSplit.Split(PinnedModel);

        for (var n = 0; n < split.FftSize; n++)
        {
            var hann = 0.5 - (0.5 * Math.Cos(2 * Math.PI * n / split.FftSize));
            Assert.True(Math.Abs(split.Window[n] - hann) < 1e-6, $"window[{n}] = {split.Window[n]}, Hann {hann}");
        }
    }

    [Fact]
    public void Split_RefusesAGraphWithoutTheSampleRateSwitch()
    {
        var half = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "models", "silero_vad_half.onnx"));

        var error = Assert.Throws<InvalidDataException>(() => SileroStftSplit.Split(half));

        Assert.Contains("If", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Split_RefusesATruncatedModelWithAReadError()
    {
        var truncated = PinnedModel.AsMemory(0, 4096);

        var error = Assert.Throws<InvalidDataException>(() => SileroStftSplit.Split(truncated));

        Assert.Contains("Protobuf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FrontEnd_MatchesADirectWindowedDft()
    {
        var split = SileroStftSplit.Split(PinnedModel);
        var frontEnd = new SileroStftFrontEnd(split);
        const int batch = 3;
        var random = new Random(5);
        var input = Enumerable.Range(0, batch * SileroVad.InputSamples).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray();
        var magnitude = new float[frontEnd.MagnitudeLength(batch)];

        frontEnd.Compute(input, magnitude, batch);

        for (var b = 0; b < batch; b++)
        {
            var row = input.AsSpan(b * SileroVad.InputSamples, SileroVad.InputSamples).ToArray();
            var padded = row.Concat(Enumerable.Range(0, split.PadRight).Select(j => row[SileroVad.InputSamples - 2 - j])).ToArray();
            for (var f = 0; f < split.Frames; f++)
            {
                for (var k = 0; k < split.Bins; k++)
                {
                    double re = 0, im = 0;
                    for (var n = 0; n < split.FftSize; n++)
                    {
                        var x = padded[(f * split.Hop) + n] * (double)split.Window[n];
                        re += x * Math.Cos(2 * Math.PI * k * n / split.FftSize);
                        im -= x * Math.Sin(2 * Math.PI * k * n / split.FftSize);
                    }

                    var expected = Math.Sqrt((re * re) + (im * im));
                    var actual = magnitude[(((b * split.Bins) + k) * split.Frames) + f];
                    Assert.True(Math.Abs(actual - expected) <= 1e-5 + (1e-5 * expected), $"row {b} frame {f} bin {k}: {actual} vs {expected}");
                }
            }
        }
    }

    [Fact]
    public void SileroVadModel_OnTheCpu_ComputesTheStftOnTheHost()
    {
        Assert.Equal("fft", fixture.Model.FrontEnd);
        Assert.Null(fixture.Model.FrontEndFallbackReason);
    }

    [Fact]
    public void SileroVadModel_FftFrontEndOff_RunsTheWholeGraph()
    {
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath) { FftFrontEnd = false });

        Assert.Equal("graph", model.FrontEnd);
        Assert.Contains("turned off", model.FrontEndFallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public void SileroVadModel_GraphWithoutTheSwitch_KeepsItsStftAndSaysWhy()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "models", "silero_vad_half.onnx");
        using var model = new SileroVadModel(new OnnxModelSettings(path));

        Assert.Equal("graph", model.FrontEnd);
        Assert.Contains("could not be split off", model.FrontEndFallbackReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SileroVad_HostStft_GivesTheWholeGraphsProbabilitiesOnSpeech()
    {
        var speech = await Speech.Value;
        using var whole = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath) { FftFrontEnd = false });

        var expected = SileroVad.Analyze(whole, speech).FrameProbabilities;
        var actual = SileroVad.Analyze(fixture.Model, speech).FrameProbabilities;

        Assert.True(expected.Length > 100, $"{expected.Length} frames");
        Assert.Contains(expected, p => p > 0.9f);
        var worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst < 1e-4, $"largest probability difference {worst}");
    }

    [Theory]
    [InlineData("rectangular window")]
    [InlineData("hop 127")]
    public void CompareWithWholeGraph_CatchesAFrontEndWithOtherConventions(string convention)
    {
        var split = SileroStftSplit.Split(PinnedModel);
        var frontEnd = convention == "hop 127"
            ? new SileroStftFrontEnd(split.Window, 127, split.PadRight, split.Frames)
            : new SileroStftFrontEnd(Enumerable.Repeat(1f, split.FftSize).ToArray(), split.Hop, split.PadRight, split.Frames);
        using var whole = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath) { FftFrontEnd = false });
        using var wrong = new SileroVadModel(whole, new InferenceSession(split.Model), frontEnd);

        var mismatch = SileroVadModel.CompareWithWholeGraph(whole, wrong);

        Assert.NotNull(mismatch);
        Assert.Contains("differs from the graph's", mismatch, StringComparison.Ordinal);
        Assert.Null(SileroVadModel.CompareWithWholeGraph(whole, fixture.Model));
    }
}
