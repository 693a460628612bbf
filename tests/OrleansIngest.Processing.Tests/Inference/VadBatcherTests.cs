using OrleansIngest.Processing.Inference;

namespace OrleansIngest.Processing.Tests.Inference;

[Collection(SileroVadCollection.Name)]
[Trait("Category", "Unit")]
public sealed class VadBatcherTests(SileroVadModelFixture fixture)
{
    // Rows of a batch are independent, but kernels may sum in a different order at another batch size.
    private const float Tolerance = 1e-6f;

    [Fact]
    public async Task VadBatcher_ResultsEqualBatchOneForStreamsOfDifferentLengthsJoiningAtDifferentTimes()
    {
        using var runner = new ScriptedRunner(fixture.Model, 0, 5);
        var first = new[] { 40_000, 1, 512, 513, 16_000 * 3 + 17 }.Select((n, i) => TestAudio.Bursts(n, seed: 100 + i)).ToArray();
        var later = new[] { 511, 30_000, 5_000 }.Select((n, i) => TestAudio.Bursts(n, seed: 200 + i)).ToArray();
        var all = first.Concat(later).ToArray();
        var expected = all.Select(s => SileroVad.Analyze(fixture.Model, s)).ToArray();

        Task<VadResult>[] tasks;
        await using (var batcher = new VadBatcher(runner, new VadBatcherSettings(MaxBatch: 4)))
        {
            var firstTasks = first.Select(s => batcher.AnalyzeAsync(s)).ToArray();
            await runner.WaitUntilHeldAsync();
            runner.Continue();
            await runner.WaitUntilHeldAsync();

            // Held in the middle of step 5: these join streams that are already 5+ frames in.
            var laterTasks = later.Select(s => batcher.AnalyzeAsync(s)).ToArray();
            runner.Continue();
            tasks = [.. firstTasks, .. laterTasks];
            await Task.WhenAll(tasks);
        }

        for (var i = 0; i < all.Length; i++)
        {
            var actual = await tasks[i];
            Assert.Equal(expected[i].FrameProbabilities.Length, actual.FrameProbabilities.Length);
            Assert.Equal(expected[i].FrameProbabilities, actual.FrameProbabilities, (a, b) => Math.Abs(a - b) <= Tolerance);
            Assert.Equal(expected[i].SpeechProbMean, actual.SpeechProbMean, Tolerance);
            Assert.Equal(expected[i].SpeechRatio, actual.SpeechRatio);
        }

        // The batch really changed shape while streams were in flight, and never exceeded MaxBatch.
        Assert.All(runner.BatchSizes, b => Assert.InRange(b, 1, 4));
        Assert.True(runner.BatchSizes.Distinct().Count() > 1);
    }

    [Fact]
    public async Task VadBatcher_AdvancesAllActiveStreamsInOneBatch()
    {
        using var runner = new ScriptedRunner(fixture.Model, 0);
        var streams = Enumerable.Range(0, 40).Select(i => TestAudio.Bursts(20 * SileroVad.ChunkSamples, seed: 300 + i)).ToArray();

        await using (var batcher = new VadBatcher(runner, new VadBatcherSettings(MaxBatch: 64)))
        {
            var head = batcher.AnalyzeAsync(TestAudio.Bursts(40 * SileroVad.ChunkSamples, seed: 299));
            await runner.WaitUntilHeldAsync();
            var tasks = streams.Select(s => batcher.AnalyzeAsync(s)).ToList();
            runner.Continue();
            tasks.Add(head);
            await Task.WhenAll(tasks);
        }

        // Step 0 held only the head stream; the 40 then joined together and ran their 20 frames side by side.
        Assert.Equal(1, runner.BatchSizes[0]);
        Assert.Equal(Enumerable.Repeat(41, 20), runner.BatchSizes.Skip(1).Take(20));
        Assert.Equal(Enumerable.Repeat(1, 19), runner.BatchSizes.Skip(21));
    }

    [Fact]
    public async Task VadBatcher_EmptyStreamCompletesWithNoFrames()
    {
        await using var batcher = new VadBatcher(fixture.Model);

        var result = await batcher.AnalyzeAsync(ReadOnlyMemory<float>.Empty);

        Assert.Empty(result.FrameProbabilities);
        Assert.Equal(0f, result.SpeechProbMean);
        Assert.Equal(0f, result.SpeechRatio);
    }

    [Fact]
    public async Task VadBatcher_ModelErrorFailsTheStreamsOfThatBatchAndTheLoopGoesOn()
    {
        using var runner = new ScriptedRunner(fixture.Model, 0) { FailAtStep = 3 };
        await using var batcher = new VadBatcher(runner, new VadBatcherSettings(MaxBatch: 8));
        var first = batcher.AnalyzeAsync(TestAudio.Bursts(10 * SileroVad.ChunkSamples, seed: 400));
        await runner.WaitUntilHeldAsync();
        Task<VadResult>[] victims =
        [
            first,
            .. Enumerable.Range(1, 2).Select(i => batcher.AnalyzeAsync(TestAudio.Bursts(10 * SileroVad.ChunkSamples, seed: 400 + i))),
        ];
        runner.Continue();

        foreach (var victim in victims)
        {
            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => victim);
            Assert.Contains("Injected failure at step 3", error.Message, StringComparison.Ordinal);
        }

        var survivor = TestAudio.Bursts(5 * SileroVad.ChunkSamples, seed: 410);
        var result = await batcher.AnalyzeAsync(survivor);
        Assert.Equal(SileroVad.Analyze(fixture.Model, survivor).FrameProbabilities, result.FrameProbabilities, (a, b) => Math.Abs(a - b) <= Tolerance);
        Assert.Equal([1, 3, 3, 3, 1, 1, 1, 1, 1], runner.BatchSizes);
    }

    [Fact]
    public async Task VadBatcher_CancellingAStreamRemovesItFromLaterBatches()
    {
        using var runner = new ScriptedRunner(fixture.Model, 0, 3);
        using var cancellation = new CancellationTokenSource();
        await using var batcher = new VadBatcher(runner, new VadBatcherSettings(MaxBatch: 8));
        var kept = TestAudio.Bursts(10 * SileroVad.ChunkSamples, seed: 500);
        var keptTask = batcher.AnalyzeAsync(kept);
        await runner.WaitUntilHeldAsync();
        var cancelledTask = batcher.AnalyzeAsync(TestAudio.Bursts(10 * SileroVad.ChunkSamples, seed: 501), cancellation.Token);
        runner.Continue();
        await runner.WaitUntilHeldAsync();

        // Held inside step 3 with both streams in the batch.
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelledTask);
        runner.Continue();
        var result = await keptTask;

        Assert.Equal(SileroVad.Analyze(fixture.Model, kept).FrameProbabilities, result.FrameProbabilities, (a, b) => Math.Abs(a - b) <= Tolerance);
        Assert.Equal([1, 2, 2, 2, 1, 1, 1, 1, 1, 1], runner.BatchSizes);
    }

    [Fact]
    public async Task VadBatcher_RegistrationWaitsWhenActiveAndPendingStreamsAreFull()
    {
        using var runner = new ScriptedRunner(fixture.Model, 0);
        using var cancellation = new CancellationTokenSource();
        await using var batcher = new VadBatcher(runner, new VadBatcherSettings(MaxBatch: 1, MaxPendingStreams: 1));
        var active = batcher.AnalyzeAsync(TestAudio.Bursts(SileroVad.ChunkSamples, seed: 600));
        await runner.WaitUntilHeldAsync();

        var pending = batcher.AnalyzeAsync(TestAudio.Bursts(SileroVad.ChunkSamples, seed: 601));
        var waiting = batcher.AnalyzeAsync(TestAudio.Bursts(SileroVad.ChunkSamples, seed: 602), cancellation.Token);

        // The third stream cannot even register: cancelling it now ends its wait without it ever running.
        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        runner.Continue();
        await Task.WhenAll(active, pending);
        Assert.Equal([1, 1], runner.BatchSizes);
    }

    [Fact]
    public async Task VadBatcher_DisposeFailsUnfinishedStreamsAndRejectsNewOnes()
    {
        using var runner = new ScriptedRunner(fixture.Model, 1);
        var batcher = new VadBatcher(runner, new VadBatcherSettings(MaxBatch: 1));
        var active = batcher.AnalyzeAsync(TestAudio.Bursts(10 * SileroVad.ChunkSamples, seed: 700));
        var pending = batcher.AnalyzeAsync(TestAudio.Bursts(10 * SileroVad.ChunkSamples, seed: 701));
        await runner.WaitUntilHeldAsync();

        var disposal = batcher.DisposeAsync().AsTask();
        runner.Continue();
        await disposal;

        await Assert.ThrowsAsync<ObjectDisposedException>(() => active);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => batcher.AnalyzeAsync(new float[512]));
        Assert.Equal(2, runner.BatchSizes.Count);
    }

    [Fact]
    public void VadBatcher_RejectsInvalidSettings()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new VadBatcher(fixture.Model, new VadBatcherSettings(MaxBatch: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VadBatcher(fixture.Model, new VadBatcherSettings(MaxPendingStreams: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new VadBatcher(fixture.Model, new VadBatcherSettings(SpeechThreshold: 1f)));
    }
}
