using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Commit;

[Trait("Category", "Unit")]
public sealed class QuarantineRetryTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task RetryQuarantined_ReleasesOnlySelectedUnitsDurably()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        var committer = new TableCommitter(store, _time);
        await committer.QuarantineAsync([Bad("a"), Bad("b")], "w", "p");

        var released = await committer.RetryQuarantinedAsync(q => q.UnitId == "a", "operator");

        Assert.Equal("a", Assert.Single(released).UnitId);
        var reloaded = new TableCommitter(store, _time);
        await reloaded.RefreshAsync();
        Assert.False(reloaded.State.IsSettled("a"));
        Assert.True(reloaded.State.IsQuarantined("b"));
        Assert.Equal(2, reloaded.State.NextSequence);
    }

    [Fact]
    public async Task RetryQuarantined_WithNothingSelectedWritesNoEntry()
    {
        using var temp = new TempDirectory();
        var committer = new TableCommitter(new LocalTableStore(temp.Combine("t")), _time);
        await committer.QuarantineAsync([Bad("a")], "w", "p");

        var released = await committer.RetryQuarantinedAsync(_ => false, "operator");

        Assert.Empty(released);
        Assert.Equal(1, committer.State.NextSequence);
    }

    [Fact]
    public async Task QuarantineAfterRetry_QuarantinesAgainWithTheNewReason()
    {
        using var temp = new TempDirectory();
        var committer = new TableCommitter(new LocalTableStore(temp.Combine("t")), _time);
        await committer.QuarantineAsync([Bad("a", "timeout")], "w", "p");
        await committer.RetryQuarantinedAsync(_ => true, "operator");

        await committer.QuarantineAsync([Bad("a", "bad header")], "w", "p");

        Assert.Equal("bad header", Assert.Single(committer.State.Quarantined).Reason);
    }

    [Fact]
    public async Task CommitFile_RejectsARequestListingAUnitTwice()
    {
        using var temp = new TempDirectory();
        var committer = new TableCommitter(new LocalTableStore(temp.Combine("t")), _time);
        var unit = new LoggedUnit("a", "file:///a", "\"e\"", 1, 2, 0);

        await Assert.ThrowsAsync<ArgumentException>(() => committer.CommitFileAsync(new FileCommitRequest("part-x.parquet", 4, 10, [unit, unit], "w", "p")));
        Assert.Equal(0, committer.State.NextSequence);
    }

    private static QuarantinedUnit Bad(string id, string reason = "bad") => new(id, $"file:///{id}", "\"e\"", reason);
}
