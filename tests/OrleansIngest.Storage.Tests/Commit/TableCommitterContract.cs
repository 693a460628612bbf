using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Tests.Commit;

/// <summary>
/// The commit protocol's facts, run against every <see cref="ITableStore"/> (local folder, Azure Blob), so that
/// each store is held to the same exactly-once behaviour.
/// </summary>
public abstract partial class TableCommitterContract
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));

    /// <summary>A fresh, empty table.</summary>
    protected abstract Task<ITableHarness> CreateTableAsync();

    [Fact]
    public async Task CommitFile_AppendsEntryAndPublishes()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");

        var outcome = await committer.CommitFileAsync(Request("part-a.parquet", "u1", "u2"));

        Assert.True(outcome.Committed);
        Assert.Equal(0, outcome.Sequence);
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        Assert.Empty(await StagedAsync(store));
        var reloaded = new TableCommitter(table.OpenStore(), _time);
        await reloaded.RefreshAsync();
        Assert.True(reloaded.State.IsCommitted("u1"));
        Assert.True(reloaded.State.IsCommitted("u2"));
        Assert.Equal(4, reloaded.State.RowCount);
    }

    [Fact]
    public async Task CommitFile_RejectsWholeFileWhenAnyUnitIsAlreadyCommitted()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");
        await StageAsync(store, "part-b.parquet");
        await committer.CommitFileAsync(Request("part-a.parquet", "u1"));

        var outcome = await committer.CommitFileAsync(Request("part-b.parquet", "u2", "u1"));

        Assert.False(outcome.Committed);
        Assert.Equal(["u1"], outcome.AlreadyCommittedUnits);
        Assert.False(committer.State.IsCommitted("u2"));
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        Assert.DoesNotContain("part-b.parquet", await StagedAsync(store));
    }

    [Fact]
    public async Task CommitFile_SecondCommitterWithStaleStateSeesTheOtherCommitAndRejects()
    {
        await using var table = await CreateTableAsync();
        var a = new TableCommitter(table.OpenStore(), _time);
        var b = new TableCommitter(table.OpenStore(), _time);
        await a.RefreshAsync();
        await b.RefreshAsync();
        await StageAsync(a.Store, "part-a.parquet");
        await StageAsync(b.Store, "part-b.parquet");

        Assert.True((await a.CommitFileAsync(Request("part-a.parquet", "u1"))).Committed);
        var second = await b.CommitFileAsync(Request("part-b.parquet", "u1"));

        Assert.False(second.Committed);
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
    }

    [Fact]
    public async Task CommitFile_ConcurrentCommittersNeverCommitAUnitTwice()
    {
        // Property: many committers race over overlapping unit sets; every unit ends up in at most one
        // committed file, and every published file is exactly a committed one.
        await using var table = await CreateTableAsync();
        var random = new Random(7);
        var committers = Enumerable.Range(0, 6).Select(_ => new TableCommitter(table.OpenStore(), _time)).ToList();
        var requests = new List<(TableCommitter, FileCommitRequest)>();
        for (var i = 0; i < 60; i++)
        {
            var units = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"u{random.Next(0, 40)}").Distinct().ToArray();
            var committer = committers[i % committers.Count];
            var name = $"part-{i:D3}.parquet";
            await StageAsync(committer.Store, name);
            requests.Add((committer, Request(name, units)));
        }

        await Task.WhenAll(requests.GroupBy(r => r.Item1).Select(g => Task.Run(async () =>
        {
            foreach (var (committer, request) in g)
            {
                await committer.CommitFileAsync(request);
            }
        })));

        var truth = new TableCommitter(table.OpenStore(), _time);
        await truth.RefreshAsync();
        var unitsInFiles = truth.State.Files.SelectMany(f => f.Units.Select(u => u.UnitId)).ToList();
        Assert.Equal(unitsInFiles.Count, unitsInFiles.Distinct().Count());
        Assert.Equal(truth.State.Files.Select(f => f.Path).Order(StringComparer.Ordinal).ToList(), await table.PublishedFilesAsync());
        Assert.Empty(await StagedAsync(truth.Store));
    }

    [Fact]
    public async Task Recover_PublishesFilesCommittedButLeftStagedByACrash()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        await StageAsync(store, "part-a.parquet");
        // Simulate a crash between the log write and the publish.
        Assert.True(await store.TryCreateLogEntryAsync(0, EntryNaming("part-a.parquet", 0).ToUtf8Json()));
        Assert.Empty(await table.PublishedFilesAsync());

        var published = await new TableCommitter(table.OpenStore(), _time).RecoverAsync();

        Assert.Equal(1, published);
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
        Assert.Equal(0, await new TableCommitter(table.OpenStore(), _time).RecoverAsync());
    }

    [Fact]
    public async Task CollectOrphans_DeletesOnlyUnloggedStagedFilesOlderThanGrace()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        await StageAsync(store, "part-orphan.parquet");
        await StageAsync(store, "part-logged.parquet");
        // Logged but not yet published (a crash before publish): never an orphan, whatever its age.
        Assert.True(await store.TryCreateLogEntryAsync(0, EntryNaming("part-logged.parquet", 0).ToUtf8Json()));
        var stagedAt = (await StagedWithTimesAsync(store)).Max(s => s.LastModified);
        var grace = TimeSpan.FromHours(1);
        // The clock is set relative to the times the store reports, so no test waits an hour.
        var clock = new FakeTimeProvider(stagedAt - TimeSpan.FromDays(1));

        clock.SetUtcNow(stagedAt + grace - TimeSpan.FromMinutes(1));
        var early = await new TableCommitter(store, clock).CollectOrphansAsync(grace);
        clock.SetUtcNow(stagedAt + grace + TimeSpan.FromMinutes(1));
        var late = await new TableCommitter(store, clock).CollectOrphansAsync(grace);

        Assert.Equal(0, early);
        Assert.Equal(1, late);
        Assert.Equal(["part-logged.parquet"], await StagedAsync(store));
        Assert.Empty(await table.PublishedFilesAsync());
    }

    [Fact]
    public async Task Quarantine_RecordsReasonAndIgnoresCommittedUnits()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");
        await committer.CommitFileAsync(Request("part-a.parquet", "u1"));

        await committer.QuarantineAsync([new QuarantinedUnit("u1", "file:///u1", "e", "late"), new QuarantinedUnit("u9", "file:///u9", "e", "bad header")], "w", "p");

        var reloaded = new TableCommitter(table.OpenStore(), _time);
        await reloaded.RefreshAsync();
        Assert.True(reloaded.State.IsCommitted("u1"));
        var quarantined = Assert.Single(reloaded.State.Quarantined);
        Assert.Equal("u9", quarantined.UnitId);
        Assert.Equal("bad header", quarantined.Reason);
    }

    [Fact]
    public async Task Refresh_FailsLoudlyOnACorruptEntry()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        await store.TryCreateLogEntryAsync(0, "{not json"u8.ToArray());

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new TableCommitter(store, _time).RefreshAsync());
        Assert.Contains("entry 0", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>A commit request for <paramref name="file"/> holding <paramref name="units"/> (2 rows each).</summary>
    protected static FileCommitRequest Request(string file, params string[] units) =>
        new(file, units.Length * 2, 4, units.Select(u => new LoggedUnit(u, $"file:///{u}", "\"e\"", 10, 2, 1.5)).ToList(), "test", "p@1");

    /// <summary>Stages a small file named <paramref name="name"/>.</summary>
    protected static async Task StageAsync(ITableStore store, string name)
    {
        await using (var stream = await store.CreateStagedFileAsync(name))
        {
            await stream.WriteAsync("PAR1"u8.ToArray());
        }

        await store.SealStagedFileAsync(name);
    }

    /// <summary>The names of the staged files, sorted.</summary>
    protected static async Task<IReadOnlyList<string>> StagedAsync(ITableStore store) =>
        (await StagedWithTimesAsync(store)).Select(s => s.FileName).Order(StringComparer.Ordinal).ToList();

    private static async Task<List<(string FileName, DateTimeOffset LastModified)>> StagedWithTimesAsync(ITableStore store)
    {
        var staged = new List<(string, DateTimeOffset)>();
        await foreach (var item in store.ListStagedFilesAsync())
        {
            staged.Add(item);
        }

        return staged;
    }

    private CommitLogEntry EntryNaming(string file, long sequence) => new()
    {
        Sequence = sequence,
        CommittedAt = _time.GetUtcNow(),
        Files = [new LoggedFile(file, 2, 4, [new LoggedUnit("u1", "file:///u1", "e", 1, 2, 1)])],
    };
}
