using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Tests.Models;

namespace OrleansIngest.Processing.Tests.Inference;

[Trait("Category", "Unit")]
public sealed class ModelStepTests
{
    [Fact]
    public void ModelStep_WritesEveryDeclaredOutputAsComputedIndependently()
    {
        using var step = ModelStep.Load(TestModels.LogMelEmbedStep(), TestModels.LogMelEmbedBytes, "test");
        var runner = new ModelStepRunner(new ModelSteps([step]), RouteKind.Audio);
        var (logMels, frames) = RandomLogMels(seed: 3, [30, 30, 30, 12, 30, 30]);

        var values = runner.RunAudio([.. logMels.Select((m, i) => runner.ForAudio(null, m, frames[i]))]);

        Assert.Equal(logMels.Length, values.Count);
        for (var r = 0; r < logMels.Length; r++)
        {
            var means = TestModels.BandMeans(logMels[r], frames[r]);
            var embedding = Assert.IsType<float[]>(values[r]["mel_embedding"]);
            Assert.Equal(TestModels.Embedding(means), embedding.Select(v => (double)v), new ToleranceComparer(1e-4));
            var probabilities = TestModels.Probabilities(means);
            Assert.Equal(probabilities, Assert.IsType<float[]>(values[r]["loudness"]).Select(v => (double)v), new ToleranceComparer(1e-5));
            Assert.Equal(TestModels.ProbabilityLabels[Array.IndexOf(probabilities, probabilities.Max())], values[r]["loudness_label"]);
            Assert.Equal(means.Average(), Assert.IsType<float>(values[r]["mel_energy"]), 4);
            Assert.Equal((long)frames[r], Assert.IsType<long>(values[r]["mel_frames"]));
        }
    }

    [Fact]
    public void ModelStep_PcmBindingFeedsTheSegmentSamplesAndFillsADoubleColumn()
    {
        using var step = ModelStep.Load(TestModels.PcmRmsStep(), TestModels.PcmRmsBytes, "test");
        var runner = new ModelStepRunner(new ModelSteps([step]), RouteKind.Audio);
        var random = new Random(5);
        var pcm = Enumerable.Range(0, 3).Select(_ => Enumerable.Range(0, 1600).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray()).ToArray();

        var values = runner.RunAudio([.. pcm.Select(p => runner.ForAudio(p, new float[80], 1))]);

        Assert.True(runner.NeedsPcm);
        for (var r = 0; r < pcm.Length; r++)
        {
            var expected = Math.Sqrt(pcm[r].Average(x => (double)x * x));
            Assert.Equal(expected, Assert.IsType<double>(values[r]["pcm_rms"]), 5);
        }
    }

    [Fact]
    public void ModelStep_MfccBindingFeedsTheMfccOfTheLogMel()
    {
        // logmel_embed reads any [B, 80, T] tensor; bound to 80 MFCCs its band means are the MFCCs' means.
        var definition = TestModels.LogMelEmbedStep() with { Inputs = new Dictionary<string, string> { ["mel"] = ModelBindings.Mfcc }, MfccCoefficients = 80 };
        using var step = ModelStep.Load(definition, TestModels.LogMelEmbedBytes, "test");
        var runner = new ModelStepRunner(new ModelSteps([step]), RouteKind.Audio);
        var (logMels, frames) = RandomLogMels(seed: 9, [20]);

        var values = runner.RunAudio([runner.ForAudio(null, logMels[0], frames[0])]);

        var mfcc = new Mfcc(80, 80).Compute(logMels[0], frames[0]);
        Assert.Equal(TestModels.BandMeans(mfcc, frames[0]).Average(), Assert.IsType<float>(values[0]["mel_energy"]), 4);
    }

    [Fact]
    public void ModelStep_LineageNamesTheStepVersionAndShaPrefix()
    {
        using var step = ModelStep.Load(TestModels.LogMelEmbedStep(), TestModels.LogMelEmbedBytes, "test");

        Assert.Equal("logmel_embed@7+2261c2dc14ed", step.LineageVersion);
        Assert.Equal("logmel_embed=logmel_embed@7+2261c2dc14ed", new ModelSteps([step]).LineageFor(RouteKind.Audio));
        Assert.Equal("cpu", step.ActualProvider);
    }

    [Fact]
    public void ModelStep_RejectsAFileWhoseSha256DiffersFromTheDeclaredOne()
    {
        var error = Assert.Throws<InvalidDataException>(() => ModelStep.Load(TestModels.LogMelEmbedStep(sha256: new string('a', 64)), TestModels.LogMelEmbedBytes, "test"));

        Assert.Contains(TestModels.LogMelEmbedSha256, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unbound", "model input(s) 'mel' are not bound")]
    [InlineData("mfcc13", "input 'mel' has size 80 on axis 1, but 'mfcc' gives 13 there")]
    [InlineData("unknownOutput", "it has no output 'logits'")]
    [InlineData("vectorLength", "output 'embedding' has 8 values per row, but column 'mel_embedding' (float_vector) needs 16")]
    [InlineData("labelCount", "output 'probs' has 3 values per row, but column 'loudness' (class_probabilities) needs 2")]
    [InlineData("int64AsFloat", "output 'frames' is Int64")]
    public void ModelStep_RejectsBindingsThatDoNotMatchTheModel(string mismatch, string expected)
    {
        var step = TestModels.LogMelEmbedStep();
        var outputs = step.Outputs.ToList();
        step = mismatch switch
        {
            "unbound" => step with { Inputs = new Dictionary<string, string> { ["spectrogram"] = ModelBindings.LogMel } },
            "mfcc13" => step with { Inputs = new Dictionary<string, string> { ["mel"] = ModelBindings.Mfcc } },
            "unknownOutput" => step with { Outputs = [.. outputs, new ModelOutputDefinition { Tensor = "logits", Column = "logits", Type = ModelOutputType.Float }] },
            "vectorLength" => step with { Outputs = [outputs[0] with { Length = 16 }] },
            "labelCount" => step with { Outputs = [outputs[1] with { Labels = ["a", "b"] }] },
            _ => step with { Outputs = [outputs[3] with { Type = ModelOutputType.Float }] },
        };

        var error = Assert.Throws<InvalidDataException>(() => ModelStep.Load(step, TestModels.LogMelEmbedBytes, "logmel_embed.onnx"));

        Assert.StartsWith("Model step 'logmel_embed' does not match 'logmel_embed.onnx': ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelStepRunner_BatchesRowsOfEqualShapeUpToTheBatchSize()
    {
        using var batched = ModelStep.Load(TestModels.LogMelEmbedStep(batchSize: 2), TestModels.LogMelEmbedBytes, "test");
        using var single = ModelStep.Load(TestModels.LogMelEmbedStep(batchSize: 1), TestModels.LogMelEmbedBytes, "test");
        var (logMels, frames) = RandomLogMels(seed: 4, [10, 10, 10, 7, 7]);
        var batchedRunner = new ModelStepRunner(new ModelSteps([batched]), RouteKind.Audio);
        var singleRunner = new ModelStepRunner(new ModelSteps([single]), RouteKind.Audio);

        var a = batchedRunner.RunAudio([.. logMels.Select((m, i) => batchedRunner.ForAudio(null, m, frames[i]))]);
        var b = singleRunner.RunAudio([.. logMels.Select((m, i) => singleRunner.ForAudio(null, m, frames[i]))]);

        for (var r = 0; r < logMels.Length; r++)
        {
            Assert.Equal((float[])b[r]["mel_embedding"]!, (float[])a[r]["mel_embedding"]!, new ToleranceComparer(1e-6));
            Assert.Equal(b[r]["mel_frames"], a[r]["mel_frames"]);
        }
    }

    private static (float[][] LogMels, int[] Frames) RandomLogMels(int seed, int[] frames)
    {
        var random = new Random(seed);
        var logMels = frames.Select(f => Enumerable.Range(0, WhisperLogMel.MelBands * f).Select(_ => (float)((random.NextDouble() * 2) - 1)).ToArray()).ToArray();
        return (logMels, frames);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>, IEqualityComparer<float>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;

        public int GetHashCode(float obj) => 0;
    }
}
