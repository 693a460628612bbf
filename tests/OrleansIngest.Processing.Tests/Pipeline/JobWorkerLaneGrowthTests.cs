using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Tests.Decoding;
using OrleansIngest.Processing.Tests.Diagnostics;
using OrleansIngest.Processing.Tests.Inference;

namespace OrleansIngest.Processing.Tests.Pipeline;

/// <summary>
/// Lanes grow while the VAD batch runs below half full and units are pending: short files hold one segment per lane, so a
/// fixed lane count would leave the batch at a few streams. Every unit still lands exactly once.
/// </summary>
[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class JobWorkerLaneGrowthTests(SileroVadModelFixture fixture)
{
    private const int Units = 12;
    private const int UnitSeconds = 10;

    [Fact]
    public async Task JobWorker_GrowsLanesUpToMaxLanesWhileTheVadBatchIsUnderfilled()
    {
        var (worker, coordinator) = await RunAsync(new JobWorkerSettings(Lanes: 1, MaxLanes: 4));

        Assert.InRange(worker.LanesStarted, 2, 4);
        AssertEveryUnitCommittedOnce(coordinator);
        Assert.True(coordinator.Commits.Select(c => c.Writer).Distinct().Count() > 1, "only one lane committed files");
    }

    [Fact]
    public async Task JobWorker_KeepsItsLanesWhenMaxLanesIsNotAbove()
    {
        var (worker, coordinator) = await RunAsync(new JobWorkerSettings(Lanes: 1, MaxLanes: 1));

        Assert.Equal(1, worker.LanesStarted);
        AssertEveryUnitCommittedOnce(coordinator);
        Assert.Single(coordinator.Commits.Select(c => c.Writer).Distinct());
    }

    private async Task<(JobWorker Worker, RecordingCoordinator Coordinator)> RunAsync(JobWorkerSettings settings)
    {
        var blobs = new Dictionary<string, byte[]>();
        var units = new List<LeasedUnit>();
        for (var i = 0; i < Units; i++)
        {
            var uri = $"file:///data/calls/call{i:00}.wav";
            blobs[uri] = Wav(UnitSeconds, seed: i);
            units.Add(new LeasedUnit($"unit-{i:00}", 1, uri, $"calls/call{i:00}.wav", $"\"e{i}\"", blobs[uri].Length, "audio_segments", RouteKind.Audio));
        }

        var coordinator = new RecordingCoordinator(units);
        var context = new PipelineContext(PipelineDefinition.Default, "default@1+test", "test-silo");
        await using var batcher = new VadBatcher(fixture.Model);
        var worker = new JobWorker(
            coordinator, new InMemoryStorage(new InMemorySource(blobs)), batcher, "silero_vad@test", TimeProvider.System, settings, "memory://raw", "memory://out", context);
        await worker.RunAsync();
        return (worker, coordinator);
    }

    private static void AssertEveryUnitCommittedOnce(RecordingCoordinator coordinator)
    {
        var committed = coordinator.Commits.SelectMany(c => c.Units).Select(u => u.UnitId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, Units).Select(i => $"unit-{i:00}"), committed);
        Assert.Equal(Units, coordinator.Commits.Sum(c => c.Rows));
    }

    private static byte[] Wav(int seconds, int seed)
    {
        var samples = TestAudio.Bursts(seconds * AudioUnitProcessor.SampleRate, seed);
        var pcm = samples.Select(s => (short)Math.Clamp(s * short.MaxValue, short.MinValue, short.MaxValue)).ToArray();
        return new WavFileBuilder { Data = WavFileBuilder.Pcm16(pcm) }.Build();
    }
}
