using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

/// <summary>
/// The commit protocol and the source reader on Azurite with faults injected below the SDK's retry policy: lost
/// responses (the write happened, the answer did not arrive), 503s and latency.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class FaultInjectionTests(AzuriteFixture azurite)
{
    private const int MaxRetries = 3;
    private const int BlockBytes = 4096;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task LostLogAppendResponse_CommitsOnceWithOneLogEntryNamingTheFile()
    {
        await using var table = new AzureTableHarness(azurite);
        var faults = new FaultInjectionPolicy();
        var store = OpenStore(table, faults);
        await StageAsync(store, "part-a.parquet", Bytes(100, seed: 1));
        var lost = new FaultRule(FaultRule.IsLogAppend, FaultKind.LostResponse);
        faults.AddRule(lost);
        var committer = new TableCommitter(store, _time);

        var outcome = await committer.CommitFileAsync(Request("part-a.parquet", "u1", "u2"));

        Assert.True(outcome.Committed);
        Assert.Equal(0, outcome.Sequence);
        Assert.Equal(1, faults.FiredCount(lost));
        var entry = Assert.Single(await ReadLogAsync(table.OpenStore()));
        Assert.Equal(["part-a.parquet"], entry.Files.Select(f => f.Path));
        Assert.Equal(1, await CountLogBlobsAsync(table));
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();
        AssertEachUnitCommittedOnce(fresh.State);
        Assert.Equal(["part-a.parquet"], fresh.State.Files.Select(f => f.Path));
        Assert.Equal(2, fresh.State.CommittedUnitCount);

        // The committer's own view stayed in step with the log: its next entry takes the next sequence.
        await StageAsync(store, "part-b.parquet", Bytes(100, seed: 2));
        Assert.Equal(1, (await committer.CommitFileAsync(Request("part-b.parquet", "u3"))).Sequence);
    }

    [Fact]
    public async Task LostBlockUploadAndBlockListCommitResponses_PublishTheFileOnceWithItsBytes()
    {
        await using var table = new AzureTableHarness(azurite);
        var faults = new FaultInjectionPolicy();
        var store = OpenStore(table, faults, new AzureTableStoreOptions { StageBlockBytes = BlockBytes });
        var upload = new FaultRule(FaultRule.IsBlockUpload, FaultKind.LostResponse);
        var publish = new FaultRule(FaultRule.IsBlockListCommit, FaultKind.LostResponse);
        faults.AddRule(upload);
        faults.AddRule(publish);
        var content = Bytes((3 * BlockBytes) + 100, seed: 3);
        await StageAsync(store, "part-a.parquet", content);

        var outcome = await new TableCommitter(store, _time).CommitFileAsync(Request("part-a.parquet", "u1"));

        Assert.True(outcome.Committed);
        Assert.Equal(1, faults.FiredCount(upload));
        Assert.Equal(1, faults.FiredCount(publish));
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        var blob = table.Container.GetBlockBlobClient(AzureTableHarness.BlobName("part-a.parquet"));
        Assert.Equal(content, (await blob.DownloadContentAsync()).Value.Content.ToArray());
        var blocks = (await blob.GetBlockListAsync(BlockListTypes.All)).Value;
        Assert.Equal(4, blocks.CommittedBlocks.Count());
        Assert.Empty(blocks.UncommittedBlocks);
        Assert.Empty(await StagedAsync(table.OpenStore()));
    }

    [Fact]
    public async Task RacingCommittersWithLostLogAppendResponses_CommitEachUnitOnceAndDeleteTheLosersFile()
    {
        await using var table = new AzureTableHarness(azurite);
        var faultsA = new FaultInjectionPolicy();
        var faultsB = new FaultInjectionPolicy();
        var a = new TableCommitter(OpenStore(table, faultsA), _time);
        var b = new TableCommitter(OpenStore(table, faultsB), _time);
        await a.RefreshAsync();
        await b.RefreshAsync();
        await StageAsync(a.Store, "part-a.parquet", Bytes(100, seed: 4));
        await StageAsync(b.Store, "part-b.parquet", Bytes(100, seed: 5));
        var lostA = new FaultRule(FaultRule.IsLogAppend, FaultKind.LostResponse);
        var lostB = new FaultRule(FaultRule.IsLogAppend, FaultKind.LostResponse);
        faultsA.AddRule(lostA);
        faultsB.AddRule(lostB);

        // Both loaded the empty log, so both append at sequence 0 and both appends lose their answer.
        var outcomes = await Task.WhenAll(
            Task.Run(() => a.CommitFileAsync(Request("part-a.parquet", "u1", "u2"))),
            Task.Run(() => b.CommitFileAsync(Request("part-b.parquet", "u2", "u3"))));

        Assert.Equal(1, faultsA.FiredCount(lostA));
        Assert.Equal(1, faultsB.FiredCount(lostB));
        var winner = Assert.Single(outcomes, o => o.Committed);
        var loser = Assert.Single(outcomes, o => !o.Committed);
        Assert.Equal(0, winner.Sequence);
        Assert.Equal(["u2"], loser.AlreadyCommittedUnits);
        var winnerFile = outcomes[0].Committed ? "part-a.parquet" : "part-b.parquet";
        Assert.Equal([winnerFile], await table.PublishedFilesAsync());
        Assert.Empty(await StagedAsync(table.OpenStore()));
        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();
        AssertEachUnitCommittedOnce(fresh.State);
        Assert.Equal([winnerFile], fresh.State.Files.Select(f => f.Path));
        Assert.Equal(1, await CountLogBlobsAsync(table));
    }

    [Fact]
    public async Task ServiceUnavailableOnTheFirstRangeReads_OpenReadStillReturnsTheExactBytes()
    {
        var (container, url, etag, content) = await UploadSourceAsync(Bytes((5 * BlockBytes) + 123, seed: 6));
        try
        {
            var faults = new FaultInjectionPolicy();
            var busy = new FaultRule(FaultRule.IsRangeRead, FaultKind.ServiceUnavailable, Times: MaxRetries);
            faults.AddRule(busy);
            var store = new AzureBlobStore(Clients(faults), new AzureBlobStoreOptions { ReadBlockBytes = BlockBytes });

            byte[] read;
            await using (var stream = await store.OpenReadAsync(url, etag))
            {
                using var copy = new MemoryStream();
                await stream.CopyToAsync(copy);
                read = copy.ToArray();
            }

            Assert.Equal(content, read);
            Assert.Equal(MaxRetries, faults.FiredCount(busy));
            Assert.Equal(MaxRetries, faults.InjectedCount(FaultKind.ServiceUnavailable));
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task ServiceUnavailableBeyondTheRetries_FailsAsATransientStorageErrorNotASourceChange()
    {
        var (container, url, etag, _) = await UploadSourceAsync(Bytes(2 * BlockBytes, seed: 7));
        try
        {
            var faults = new FaultInjectionPolicy();
            faults.AddRule(new FaultRule(FaultRule.IsRangeRead, FaultKind.ServiceUnavailable, Times: int.MaxValue));
            var store = new AzureBlobStore(Clients(faults), new AzureBlobStoreOptions { ReadBlockBytes = BlockBytes });

            var ex = await Assert.ThrowsAsync<RequestFailedException>(async () =>
            {
                await using var stream = await store.OpenReadAsync(url, etag);
                await stream.CopyToAsync(Stream.Null);
            });

            Assert.Equal(503, ex.Status);
            Assert.Equal(MaxRetries + 1, faults.InjectedFaults);
        }
        finally
        {
            await container.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task LatencyOnLogAppends_StillCommitsEveryUnitOnceAndPublishesExactlyTheLoggedFiles()
    {
        await using var table = new AzureTableHarness(azurite);
        var faultsA = new FaultInjectionPolicy();
        var faultsB = new FaultInjectionPolicy();
        var slowA = new FaultRule(FaultRule.IsLogAppend, FaultKind.Latency, Times: int.MaxValue, Latency: TimeSpan.FromMilliseconds(30));
        var slowB = new FaultRule(FaultRule.IsLogAppend, FaultKind.Latency, Times: int.MaxValue, Latency: TimeSpan.FromMilliseconds(5));
        faultsA.AddRule(slowA);
        faultsB.AddRule(slowB);
        var committers = new[] { new TableCommitter(OpenStore(table, faultsA), _time), new TableCommitter(OpenStore(table, faultsB), _time) };
        var random = new Random(11);
        var requests = new List<(TableCommitter Committer, FileCommitRequest Request)>();
        for (var i = 0; i < 12; i++)
        {
            var committer = committers[i % 2];
            var name = $"part-{i:D2}.parquet";
            await StageAsync(committer.Store, name, Bytes(64, seed: 100 + i));
            var units = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"u{random.Next(0, 10)}").Distinct().ToArray();
            requests.Add((committer, Request(name, units)));
        }

        var outcomes = await Task.WhenAll(requests.GroupBy(r => r.Committer).Select(g => Task.Run(async () =>
        {
            var results = new List<(string File, FileCommitOutcome Outcome)>();
            foreach (var (committer, request) in g)
            {
                results.Add((request.FileName, await committer.CommitFileAsync(request)));
            }

            return results;
        })));

        Assert.True(faultsA.FiredCount(slowA) > 0);
        Assert.True(faultsB.FiredCount(slowB) > 0);
        var committed = outcomes.SelectMany(o => o).Where(o => o.Outcome.Committed).Select(o => o.File).Order(StringComparer.Ordinal).ToList();
        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();
        AssertEachUnitCommittedOnce(fresh.State);
        Assert.Equal(committed, fresh.State.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Equal(committed, await table.PublishedFilesAsync());
        Assert.Empty(await StagedAsync(table.OpenStore()));
        // A rejected file names units that really are committed (by another file).
        Assert.All(outcomes.SelectMany(o => o).Where(o => !o.Outcome.Committed), o =>
        {
            Assert.NotEmpty(o.Outcome.AlreadyCommittedUnits);
            Assert.All(o.Outcome.AlreadyCommittedUnits, u => Assert.True(fresh.State.IsCommitted(u)));
        });
    }

    [Fact]
    public async Task RuleWithTimesOne_FiresExactlyOnce()
    {
        await using var table = new AzureTableHarness(azurite);
        var faults = new FaultInjectionPolicy();
        var store = OpenStore(table, faults);
        var busy = new FaultRule(FaultRule.IsLogAppend, FaultKind.ServiceUnavailable, Times: 1);
        faults.AddRule(busy);
        var committer = new TableCommitter(store, _time);

        var sequences = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            var name = $"part-{i}.parquet";
            await StageAsync(store, name, Bytes(50, seed: 20 + i));
            sequences.Add((await committer.CommitFileAsync(Request(name, $"u{i}"))).Sequence);
        }

        Assert.Equal([0L, 1L, 2L], sequences);
        Assert.Equal(1, faults.FiredCount(busy));
        Assert.Equal(1, faults.InjectedCount(FaultKind.ServiceUnavailable));
        Assert.Equal(0, faults.InjectedCount(FaultKind.LostResponse));
        Assert.Equal(1, faults.InjectedFaults);
        Assert.Equal(3, (await ReadLogAsync(table.OpenStore())).Count);

        faults.Clear();
        Assert.Equal(0, faults.FiredCount(busy));
        Assert.Equal(0, faults.InjectedFaults);
    }

    [Fact]
    public async Task CommitRetriedAfterEveryLogAppendAnswerWasLost_ReportsCommittedAndPublishesTheLoggedFile()
    {
        await using var table = new AzureTableHarness(azurite);
        var faults = new FaultInjectionPolicy();
        var store = OpenStore(table, faults);
        var content = Bytes(300, seed: 8);
        await StageAsync(store, "part-a.parquet", content);
        var lost = new FaultRule(FaultRule.IsLogAppend, FaultKind.LostResponse, Times: MaxRetries + 1);
        faults.AddRule(lost);
        var committer = new TableCommitter(store, _time);

        // Every try's answer is lost, so the commit fails although its first try wrote the entry.
        await Assert.ThrowsAsync<AggregateException>(() => committer.CommitFileAsync(Request("part-a.parquet", "u1")));
        Assert.Equal(MaxRetries + 1, faults.FiredCount(lost));
        Assert.Equal(1, await CountLogBlobsAsync(table));

        // The caller tries again a moment later (so the new entry's bytes differ from the logged one).
        _time.Advance(TimeSpan.FromSeconds(1));
        var outcome = await committer.CommitFileAsync(Request("part-a.parquet", "u1"));

        Assert.True(outcome.Committed);
        Assert.Equal(0, outcome.Sequence);
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        Assert.Equal(content, (await table.Container.GetBlobClient(AzureTableHarness.BlobName("part-a.parquet")).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Single(await ReadLogAsync(table.OpenStore()));
    }

    [Fact]
    public async Task CommitRetriedAfterPublishingFailed_PublishesTheLoggedFileInsteadOfDeletingIt()
    {
        await using var table = new AzureTableHarness(azurite);
        var faults = new FaultInjectionPolicy();
        var store = OpenStore(table, faults);
        var content = Bytes(300, seed: 9);
        await StageAsync(store, "part-a.parquet", content);
        faults.AddRule(new FaultRule(FaultRule.IsBlockListCommit, FaultKind.ServiceUnavailable, Times: MaxRetries + 1));
        var committer = new TableCommitter(store, _time);

        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => committer.CommitFileAsync(Request("part-a.parquet", "u1")));
        Assert.Equal(503, failure.Status);
        Assert.Empty(await table.PublishedFilesAsync());

        var outcome = await committer.CommitFileAsync(Request("part-a.parquet", "u1"));

        Assert.True(outcome.Committed);
        Assert.Equal(0, outcome.Sequence);
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        Assert.Equal(content, (await table.Container.GetBlobClient(AzureTableHarness.BlobName("part-a.parquet")).DownloadContentAsync()).Value.Content.ToArray());
        Assert.Single(await ReadLogAsync(table.OpenStore()));
    }

    [Fact]
    public async Task CommitRetriedWithOtherUnitsUnderALoggedFileName_FailsAndKeepsTheLoggedFile()
    {
        await using var table = new AzureTableHarness(azurite);
        var faults = new FaultInjectionPolicy();
        var store = OpenStore(table, faults);
        await StageAsync(store, "part-a.parquet", Bytes(300, seed: 10));
        faults.AddRule(new FaultRule(FaultRule.IsLogAppend, FaultKind.LostResponse, Times: MaxRetries + 1));
        var committer = new TableCommitter(store, _time);
        await Assert.ThrowsAsync<AggregateException>(() => committer.CommitFileAsync(Request("part-a.parquet", "u1")));
        _time.Advance(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAsync<InvalidOperationException>(() => committer.CommitFileAsync(Request("part-a.parquet", "u1", "u2")));

        // The log still names the file and it is still there, so recovery publishes it.
        Assert.Equal(["part-a.parquet"], await StagedAsync(table.OpenStore()));
        Assert.Equal(1, await new TableCommitter(table.OpenStore(), _time).RecoverAsync());
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
    }

    private AzureBlobClientFactory Clients(FaultInjectionPolicy faults)
    {
        var options = AzureBlobClientFactory.CreateDefaultClientOptions();
        // Enough retries to ride out the injected faults, with short waits: the emulator is local.
        options.Retry.MaxRetries = MaxRetries;
        options.Retry.Delay = TimeSpan.FromMilliseconds(10);
        options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        faults.AttachTo(options);
        return new AzureBlobClientFactory(new AzureStorageSettings(ConnectionString: azurite.ConnectionString), options);
    }

    private AzureTableStore OpenStore(AzureTableHarness table, FaultInjectionPolicy faults, AzureTableStoreOptions? options = null) =>
        new(Clients(faults).Resolve(table.OutputUrl), AzureTableHarness.TableName, options);

    private async Task<(BlobContainerClient Container, string Url, string ETag, byte[] Content)> UploadSourceAsync(byte[] content)
    {
        var name = AzuriteCollection.NewContainerName();
        var container = AzuriteCollection.Container(azurite, name);
        await container.CreateAsync();
        var info = (await container.GetBlobClient("src/a.bin").UploadAsync(BinaryData.FromBytes(content))).Value;
        return (container, azurite.ContainerUrl(name, "src/a.bin"), info.ETag.ToString(), content);
    }

    private static async Task<int> CountLogBlobsAsync(AzureTableHarness table)
    {
        var count = 0;
        await foreach (var _ in table.Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, AzureTableHarness.BlobName("_ingest/log/"), default))
        {
            count++;
        }

        return count;
    }

    private static void AssertEachUnitCommittedOnce(CommitLogState state)
    {
        var units = state.Files.SelectMany(f => f.Units.Select(u => u.UnitId)).ToList();
        Assert.Equal(units.Count, units.Distinct(StringComparer.Ordinal).Count());
    }

    private static FileCommitRequest Request(string file, params string[] units) =>
        new(file, units.Length * 2, 4, units.Select(u => new LoggedUnit(u, $"file:///{u}", "\"e\"", 10, 2, 1.5)).ToList(), "test", "p@1");

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static async Task StageAsync(ITableStore store, string name, byte[] content)
    {
        await using (var stream = await store.CreateStagedFileAsync(name))
        {
            await stream.WriteAsync(content);
        }

        await store.SealStagedFileAsync(name);
    }

    private static async Task<List<CommitLogEntry>> ReadLogAsync(ITableStore store)
    {
        var entries = new List<CommitLogEntry>();
        await foreach (var (sequence, content) in store.ReadLogAsync(0))
        {
            entries.Add(CommitLogEntry.Parse(sequence, content));
        }

        return entries;
    }

    private static async Task<List<string>> StagedAsync(ITableStore store)
    {
        var staged = new List<string>();
        await foreach (var (fileName, _) in store.ListStagedFilesAsync())
        {
            staged.Add(fileName);
        }

        return staged;
    }
}
