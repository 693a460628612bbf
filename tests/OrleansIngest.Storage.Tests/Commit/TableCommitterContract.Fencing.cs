using OrleansIngest.Processing.Commit;

namespace OrleansIngest.Storage.Tests.Commit;

/// <summary>The lease check a commit makes before its log entry: a writer whose lease was taken over cannot commit.</summary>
public abstract partial class TableCommitterContract
{
    [Fact]
    public async Task CommitFile_WithALostLease_IsRejectedWholeAndItsStagedFileDeleted()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");

        var outcome = await committer.CommitFileAsync(
            Request("part-a.parquet", "u1", "u2"),
            _ => Task.FromResult(new LeaseFence(["u2"], _time.GetUtcNow().AddMinutes(1))));

        Assert.False(outcome.Committed);
        Assert.Equal(["u2"], outcome.LostLeases);
        Assert.Empty(outcome.AlreadyCommittedUnits);
        Assert.False(committer.State.IsCommitted("u1"));
        Assert.Equal(0, committer.State.NextSequence);
        Assert.Empty(await table.PublishedFilesAsync());
        Assert.Empty(await StagedAsync(store));
    }

    [Fact]
    public async Task CommitFile_RetriedAfterItsEntryLanded_IsRecognisedWithoutAskingTheFence()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        var committer = new TableCommitter(store, _time);
        await StageAsync(store, "part-a.parquet");
        var fenceCalls = 0;
        Task<LeaseFence> Fence(CancellationToken cancellationToken)
        {
            fenceCalls++;
            return Task.FromResult(fenceCalls == 1
                ? new LeaseFence([], _time.GetUtcNow().AddMinutes(1))
                : new LeaseFence(["u1"], _time.GetUtcNow().AddMinutes(1)));
        }

        var first = await committer.CommitFileAsync(Request("part-a.parquet", "u1"), Fence);
        // The answer was lost and, meanwhile, the lease expired and went to another worker: the file is committed
        // all the same, and the retry must say so rather than reject (and delete) a file the log names.
        var retried = await committer.CommitFileAsync(Request("part-a.parquet", "u1"), Fence);

        Assert.True(first.Committed);
        Assert.True(retried.Committed);
        Assert.Equal(first.Sequence, retried.Sequence);
        Assert.Equal(1, fenceCalls);
        Assert.Equal(["part-a.parquet"], await table.PublishedFilesAsync());
    }

    [Fact]
    public async Task CommitFile_ChecksTheLeasesAgainWhenTheirHoldRanOutBeforeTheEntryWasWritten()
    {
        await using var table = await CreateTableAsync();
        var store = table.OpenStore();
        var committer = new TableCommitter(store, _time);
        var other = new TableCommitter(table.OpenStore(), _time);
        await StageAsync(store, "part-a.parquet");
        await StageAsync(store, "part-b.parquet");
        await committer.RefreshAsync();
        var fenceCalls = 0;
        async Task<LeaseFence> Fence(CancellationToken cancellationToken)
        {
            fenceCalls++;
            if (fenceCalls == 1)
            {
                // Another writer takes the next log position, and the hold given now runs out before this
                // committer has re-read the log and tried again.
                await other.CommitFileAsync(Request("part-b.parquet", "u9"), cancellationToken);
                var heldUntil = _time.GetUtcNow().AddSeconds(1);
                _time.Advance(TimeSpan.FromSeconds(2));
                return new LeaseFence([], heldUntil);
            }

            return new LeaseFence([], _time.GetUtcNow().AddMinutes(1));
        }

        var outcome = await committer.CommitFileAsync(Request("part-a.parquet", "u1"), Fence);

        Assert.True(outcome.Committed);
        Assert.Equal(1, outcome.Sequence);
        Assert.Equal(2, fenceCalls);
        Assert.Equal(["part-a.parquet", "part-b.parquet"], (await table.PublishedFilesAsync()).Order(StringComparer.Ordinal));
    }
}
