using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Commit;

[Trait("Category", "Unit")]
public sealed class TableCommitterTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task CommitFile_AppendsEntryAndPublishes()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");

        var outcome = await committer.CommitFileAsync(Request("part-a.parquet", "u1", "u2"));

        Assert.True(outcome.Committed);
        Assert.Equal(0, outcome.Sequence);
        Assert.True(File.Exists(temp.Combine("t", "part-a.parquet")));
        var reloaded = new TableCommitter(store, _time);
        await reloaded.RefreshAsync();
        Assert.True(reloaded.State.IsCommitted("u1"));
        Assert.True(reloaded.State.IsCommitted("u2"));
        Assert.Equal(4, reloaded.State.RowCount);
    }

    [Fact]
    public async Task CommitFile_RejectsWholeFileWhenAnyUnitIsAlreadyCommitted()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");
        await StageAsync(store, "part-b.parquet");
        await committer.CommitFileAsync(Request("part-a.parquet", "u1"));

        var outcome = await committer.CommitFileAsync(Request("part-b.parquet", "u2", "u1"));

        Assert.False(outcome.Committed);
        Assert.Equal(["u1"], outcome.AlreadyCommittedUnits);
        Assert.False(committer.State.IsCommitted("u2"));
        Assert.False(File.Exists(temp.Combine("t", "part-b.parquet")));
        Assert.False(File.Exists(temp.Combine("t", "_ingest", "staging", "part-b.parquet")));
    }

    [Fact]
    public async Task CommitFile_SecondCommitterWithStaleStateSeesTheOtherCommitAndRejects()
    {
        using var temp = new TempDirectory();
        var a = new TableCommitter(new LocalTableStore(temp.Combine("t")), _time);
        var b = new TableCommitter(new LocalTableStore(temp.Combine("t")), _time);
        await a.RefreshAsync();
        await b.RefreshAsync();
        await StageAsync(a.Store, "part-a.parquet");
        await StageAsync(b.Store, "part-b.parquet");

        Assert.True((await a.CommitFileAsync(Request("part-a.parquet", "u1"))).Committed);
        var second = await b.CommitFileAsync(Request("part-b.parquet", "u1"));

        Assert.False(second.Committed);
        Assert.Single(Directory.GetFiles(temp.Combine("t"), "*.parquet"));
    }

    [Fact]
    public async Task CommitFile_ConcurrentCommittersNeverCommitAUnitTwice()
    {
        // Property: many committers race over overlapping unit sets; every unit ends up in at most one
        // committed file, and every published file is exactly a committed one.
        using var temp = new TempDirectory();
        var random = new Random(7);
        var committers = Enumerable.Range(0, 6).Select(_ => new TableCommitter(new LocalTableStore(temp.Combine("t")), _time)).ToList();
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

        var truth = new TableCommitter(new LocalTableStore(temp.Combine("t")), _time);
        await truth.RefreshAsync();
        var unitsInFiles = truth.State.Files.SelectMany(f => f.Units.Select(u => u.UnitId)).ToList();
        Assert.Equal(unitsInFiles.Count, unitsInFiles.Distinct().Count());
        var published = Directory.GetFiles(temp.Combine("t"), "*.parquet").Select(p => Path.GetFileName(p)).Order().ToList();
        Assert.Equal(truth.State.Files.Select(f => f.Path).Order().ToList(), published);
        Assert.Empty(Directory.GetFiles(temp.Combine("t", "_ingest", "staging")));
    }

    [Fact]
    public async Task Recover_PublishesFilesCommittedButLeftStagedByACrash()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        await StageAsync(store, "part-a.parquet");
        // Simulate a crash between the log write and the publish.
        var entry = new CommitLogEntry { Sequence = 0, CommittedAt = _time.GetUtcNow(), Files = [new LoggedFile("part-a.parquet", 2, 4, [new LoggedUnit("u1", "file:///u1", "e", 1, 2, 1)])] };
        Assert.True(await store.TryCreateLogEntryAsync(0, entry.ToUtf8Json()));

        var published = await new TableCommitter(store, _time).RecoverAsync();

        Assert.Equal(1, published);
        Assert.True(File.Exists(temp.Combine("t", "part-a.parquet")));
    }

    [Fact]
    public async Task CollectOrphans_DeletesOnlyUnloggedStagedFilesOlderThanGrace()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        await StageAsync(store, "part-old.parquet");
        File.SetLastWriteTimeUtc(temp.Combine("t", "_ingest", "staging", "part-old.parquet"), _time.GetUtcNow().UtcDateTime.AddHours(-2));
        await StageAsync(store, "part-young.parquet");
        File.SetLastWriteTimeUtc(temp.Combine("t", "_ingest", "staging", "part-young.parquet"), _time.GetUtcNow().UtcDateTime.AddMinutes(-1));

        var deleted = await new TableCommitter(store, _time).CollectOrphansAsync(TimeSpan.FromHours(1));

        Assert.Equal(1, deleted);
        Assert.False(File.Exists(temp.Combine("t", "_ingest", "staging", "part-old.parquet")));
        Assert.True(File.Exists(temp.Combine("t", "_ingest", "staging", "part-young.parquet")));
    }

    [Fact]
    public async Task Quarantine_RecordsReasonAndIgnoresCommittedUnits()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");
        await committer.CommitFileAsync(Request("part-a.parquet", "u1"));

        await committer.QuarantineAsync([new QuarantinedUnit("u1", "file:///u1", "e", "late"), new QuarantinedUnit("u9", "file:///u9", "e", "bad header")], "w", "p");

        var reloaded = new TableCommitter(store, _time);
        await reloaded.RefreshAsync();
        Assert.True(reloaded.State.IsCommitted("u1"));
        var quarantined = Assert.Single(reloaded.State.Quarantined);
        Assert.Equal("u9", quarantined.UnitId);
        Assert.Equal("bad header", quarantined.Reason);
    }

    [Fact]
    public async Task Refresh_FailsLoudlyOnACorruptEntry()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        await store.TryCreateLogEntryAsync(0, "{not json"u8.ToArray());

        var ex = await Assert.ThrowsAsync<InvalidDataException>(() => new TableCommitter(store, _time).RefreshAsync());
        Assert.Contains("entry 0", ex.Message, StringComparison.Ordinal);
    }

    private static FileCommitRequest Request(string file, params string[] units) =>
        new(file, units.Length * 2, 4, units.Select(u => new LoggedUnit(u, $"file:///{u}", "\"e\"", 10, 2, 1.5)).ToList(), "test", "p@1");

    private static async Task StageAsync(Processing.Ports.ITableStore store, string name)
    {
        await using var stream = await store.CreateStagedFileAsync(name);
        await stream.WriteAsync("PAR1"u8.ToArray());
    }
}
