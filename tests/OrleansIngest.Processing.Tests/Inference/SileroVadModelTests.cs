using Microsoft.ML.OnnxRuntime;
using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Processing.Tests.Inference;

[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class SileroVadModelTests(SileroVadModelFixture fixture)
{
    private const int StateLength = SileroVad.StateSizePerStream;

    [Fact]
    public void SileroVadModel_LoadsPinnedModelOnCpuAndReportsItsVersion()
    {
        var model = fixture.Model;

        Assert.Equal(SileroVadModel.PinnedSha256, model.Sha256);
        Assert.Equal("silero_vad@sha256:1a153a22f450", model.ModelVersion);
        Assert.Equal("cpu", model.ActualProvider);
        Assert.Null(model.ProviderFallbackReason);
    }

    [Fact]
    public void SileroVadModel_FileMetadataMatchesTheInputsAndOutputsItBindsByName()
    {
        using var session = new InferenceSession(SileroVadModel.DefaultModelPath);

        Assert.Equal(["input", "sr", "state"], session.InputMetadata.Keys.Order());
        Assert.Equal(["output", "stateN"], session.OutputMetadata.Keys.Order());
        Assert.Equal(typeof(float), session.InputMetadata["input"].ElementType);
        Assert.Equal([-1, -1], session.InputMetadata["input"].Dimensions);
        Assert.Equal([2, -1, 128], session.InputMetadata["state"].Dimensions);
        Assert.Equal(typeof(long), session.InputMetadata["sr"].ElementType);
        Assert.Empty(session.InputMetadata["sr"].Dimensions);
        Assert.Equal([-1, 1], session.OutputMetadata["output"].Dimensions);
        Assert.Equal(3, session.OutputMetadata["stateN"].Dimensions.Length);
    }

    [Fact]
    public void SileroVadModel_RejectsFileWhoseSha256DiffersFromTheExpectedOne()
    {
        var wrong = new string('0', 64);

        var error = Assert.Throws<InvalidDataException>(
            () => new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, wrong)));

        Assert.Contains(SileroVadModel.PinnedSha256, error.Message, StringComparison.Ordinal);
        Assert.Contains(wrong, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SileroVadModel_AcceptsExpectedSha256InUpperCase()
    {
        using var model = new SileroVadModel(
            new OnnxModelSettings(SileroVadModel.DefaultModelPath, SileroVadModel.PinnedSha256.ToUpperInvariant()));

        Assert.Equal(SileroVadModel.PinnedSha256, model.Sha256);
    }

    [Fact]
    public void SileroVadModel_MissingFileThrowsFileNotFoundNamingThePath()
    {
        var path = Path.Combine(Path.GetTempPath(), $"missing-{Guid.NewGuid():N}.onnx");

        var error = Assert.Throws<FileNotFoundException>(() => new SileroVadModel(new OnnxModelSettings(path)));

        Assert.Equal(path, error.FileName);
    }

    [Fact]
    public void SileroVadModel_RejectsUnknownExecutionProvider()
    {
        Assert.Throws<ArgumentException>(
            () => new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, ExecutionProvider: "tpu")));
    }

    [Fact]
    public void SileroVadModel_AutoReportsTheProviderItRunsOnAndWhyNotCuda()
    {
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, ExecutionProvider: "auto"));

        Assert.Equal("auto", model.RequestedProvider);
        Assert.Equal(model.ActualProvider == "cpu", model.ProviderFallbackReason is not null);
    }

    [Fact]
    public void SileroVadModel_CudaRequestFallsBackToCpuWithAReasonWhenCudaIsUnavailable()
    {
        var cudaInBuild = OrtEnv.Instance().GetAvailableProviders().Contains("CUDAExecutionProvider");

        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath, ExecutionProvider: "CUDA"));

        Assert.Equal("cuda", model.RequestedProvider);
        if (!cudaInBuild)
        {
            Assert.Equal("cpu", model.ActualProvider);
            Assert.NotNull(model.ProviderFallbackReason);
        }
        else
        {
            Assert.Equal(model.ActualProvider == "cpu", model.ProviderFallbackReason is not null);
        }

        // Whatever it runs on, it still works.
        Span<float> state = stackalloc float[StateLength];
        Span<float> probability = stackalloc float[1];
        model.Run(TestAudio.Bursts(SileroVad.InputSamples, seed: 1), state, probability, 1);
        Assert.InRange(probability[0], 0f, 1f);
    }

    [Fact]
    public void SileroVadModel_InPlaceRunEqualsRunWithSeparateNextState()
    {
        var input = TestAudio.Bursts(3 * SileroVad.InputSamples, seed: 2);
        var stateInPlace = new float[3 * StateLength];
        var state = new float[3 * StateLength];
        var nextState = new float[3 * StateLength];
        var probabilitiesInPlace = new float[3];
        var probabilities = new float[3];

        fixture.Model.Run(input, stateInPlace, probabilitiesInPlace, 3);
        fixture.Model.Run(input, state, nextState, probabilities, 3);

        Assert.Equal(nextState, stateInPlace);
        Assert.Equal(probabilities, probabilitiesInPlace);
        Assert.Contains(nextState, v => v != 0f);
    }

    [Fact]
    public void SileroVadModel_EachRowOfABatchEqualsThatRowRunAlone()
    {
        const int Batch = 5;
        var input = TestAudio.Bursts(Batch * SileroVad.InputSamples, seed: 3);
        var state = TestAudio.WhiteNoise(Batch * StateLength, 0.3, seed: 4);
        var batchNext = new float[Batch * StateLength];
        var batchProbabilities = new float[Batch];

        fixture.Model.Run(input, state, batchNext, batchProbabilities, Batch);

        for (var row = 0; row < Batch; row++)
        {
            // state is [layer, batch, width]: gather this row's two layers.
            var rowState = new float[StateLength];
            for (var layer = 0; layer < 2; layer++)
            {
                state.AsSpan(((layer * Batch) + row) * 128, 128).CopyTo(rowState.AsSpan(layer * 128));
            }

            var rowNext = new float[StateLength];
            var rowProbability = new float[1];
            fixture.Model.Run(input.AsSpan(row * SileroVad.InputSamples, SileroVad.InputSamples), rowState, rowNext, rowProbability, 1);

            Assert.Equal(rowProbability[0], batchProbabilities[row], 1e-6f);
            for (var layer = 0; layer < 2; layer++)
            {
                var expected = rowNext.AsSpan(layer * 128, 128).ToArray();
                var actual = batchNext.AsSpan(((layer * Batch) + row) * 128, 128).ToArray();
                Assert.Equal(expected, actual, (a, b) => Math.Abs(a - b) <= 1e-6f);
            }
        }
    }

    [Fact]
    public async Task SileroVadModel_ConcurrentRunsGiveTheSameResultsAsSequentialRuns()
    {
        var streams = Enumerable.Range(0, 8).Select(i => TestAudio.Bursts(20 * SileroVad.ChunkSamples, seed: 10 + i)).ToArray();
        var sequential = streams.Select(s => SileroVad.Analyze(fixture.Model, s).FrameProbabilities).ToArray();

        var concurrent = await Task.WhenAll(streams.Select(s => Task.Run(() => SileroVad.Analyze(fixture.Model, s).FrameProbabilities)));

        Assert.Equal(sequential, concurrent);
    }

    [Fact]
    public void SileroVadModel_RejectsBuffersOfTheWrongLength()
    {
        var state = new float[2 * StateLength];
        var probabilities = new float[2];

        Assert.Throws<ArgumentException>(() => fixture.Model.Run(new float[SileroVad.InputSamples], state, probabilities, 2));
        Assert.Throws<ArgumentException>(() => fixture.Model.Run(new float[2 * SileroVad.InputSamples], new float[StateLength], probabilities, 2));
        Assert.Throws<ArgumentException>(() => fixture.Model.Run(new float[2 * SileroVad.InputSamples], state, new float[1], 2));
    }

    [Fact]
    public void SileroVadModel_RunAfterDisposeThrowsObjectDisposed()
    {
        var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        model.Dispose();

        Assert.Throws<ObjectDisposedException>(
            () => model.Run(new float[SileroVad.InputSamples], new float[StateLength], new float[1], 1));
    }
}
