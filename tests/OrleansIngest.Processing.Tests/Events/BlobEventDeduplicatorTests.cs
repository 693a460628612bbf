using System.Text.Json;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Processing.Tests.Events;

[Trait("Category", "Unit")]
public sealed class BlobEventDeduplicatorTests
{
    private const string Url = "https://a.blob.core.windows.net/c/call.wav";

    [Fact]
    public void All_ReturnsEachVersionOnceAndOverwritesAsNewVersions()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.All);

        var outcomes = new[] { Created("0x1", "01"), Created("0x1", "01"), Created("0x2", "02"), Created("0x1", "01") }
            .Select(e => deduplicator.Observe(e).Outcome);

        Assert.Equal([BlobEventOutcome.NewVersion, BlobEventOutcome.Duplicate, BlobEventOutcome.NewVersion, BlobEventOutcome.Duplicate], outcomes);
    }

    [Fact]
    public void All_KeepsAnOlderVersionThatArrivesLate()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.All);
        deduplicator.Observe(Created("0x2", "02"));

        Assert.Equal(BlobEventOutcome.NewVersion, deduplicator.Observe(Created("0x1", "01")).Outcome);
    }

    [Fact]
    public void Latest_DropsALateOlderVersionAfterANewerOne()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
        deduplicator.Observe(Created("0x2", "0000000000000002"));

        var late = deduplicator.Observe(Created("0x1", "0000000000000001"));

        Assert.Equal(BlobEventOutcome.Stale, late.Outcome);
        Assert.Null(late.Superseded);
    }

    [Fact]
    public void Latest_ANewerVersionSupersedesTheCurrentOne()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
        deduplicator.Observe(Created("0x1", "0000000000000001"));

        var newer = deduplicator.Observe(Created("0x2", "0000000000000002"));

        Assert.Equal(BlobEventOutcome.NewVersion, newer.Outcome);
        Assert.Equal(new ObservedBlobVersion(Url, "0x1", "0000000000000001") { Size = 100 }, newer.Superseded);
        Assert.Equal(BlobEventOutcome.Duplicate, deduplicator.Observe(Created("0x2", "0000000000000002")).Outcome);
        Assert.Equal(BlobEventOutcome.Stale, deduplicator.Observe(Created("0x1", "0000000000000001")).Outcome);
    }

    [Fact]
    public void Latest_ComparesSequencersAsNumbersNotStrings()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
        deduplicator.Observe(Created("0x1", "ffff"));

        Assert.Equal(BlobEventOutcome.NewVersion, deduplicator.Observe(Created("0x2", "00010000")).Outcome);
    }

    [Fact]
    public void Latest_WithoutSequencersOrdersByArrival()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
        deduplicator.Observe(Created("0x1", null));

        var second = deduplicator.Observe(Created("0x2", null));

        Assert.Equal(BlobEventOutcome.NewVersion, second.Outcome);
        Assert.Equal("0x1", second.Superseded?.ETag);
    }

    [Fact]
    public void Deletions_AreIgnoredAndChangeNothing()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
        deduplicator.Observe(Created("0x1", "01"));

        var deleted = deduplicator.Observe(new BlobEvent("d", BlobEventKind.Deleted, Url, null, null, "05", DateTimeOffset.UnixEpoch));

        Assert.Equal(BlobEventOutcome.DeleteIgnored, deleted.Outcome);
        Assert.Equal(BlobEventOutcome.Duplicate, deduplicator.Observe(Created("0x1", "01")).Outcome);
        Assert.Equal(BlobEventOutcome.NewVersion, deduplicator.Observe(Created("0x2", "02")).Outcome);
    }

    [Fact]
    public void LatestBatch_ReturnsOnlyTheNewestVersionPerUrlAndReportsVersionsOfEarlierBatchesAsSuperseded()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
        deduplicator.ObserveBatch([Created("0x1", "01")]);

        var result = deduplicator.ObserveBatch([Created("0x3", "03"), Created("0x2", "02"), Created("0x4", "04"), Created("0x1", "01")]);

        Assert.Equal("0x4", Assert.Single(result.NewVersions).ETag);
        Assert.Equal("0x1", Assert.Single(result.Superseded).ETag);
        Assert.Equal(
            [BlobEventOutcome.NewVersion, BlobEventOutcome.Stale, BlobEventOutcome.NewVersion, BlobEventOutcome.Stale],
            result.Decisions.Select(d => d.Outcome));
    }

    [Fact]
    public void AllBatch_ReturnsEveryNewVersionInArrivalOrder()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.All);

        var result = deduplicator.ObserveBatch([Created("0x3", "03"), Created("0x2", "02"), Created("0x3", "03")]);

        Assert.Equal(["0x3", "0x2"], result.NewVersions.Select(e => e.ETag));
        Assert.Empty(result.Superseded);
    }

    [Fact]
    public void Capacity_EvictsTheLeastRecentlyObservedVersion()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.All, capacity: 2);
        deduplicator.Observe(Created("0x1", "01"));
        deduplicator.Observe(Created("0x2", "02"));
        deduplicator.Observe(Created("0x1", "01"));

        deduplicator.Observe(Created("0x3", "03"));

        Assert.Equal(2, deduplicator.Count);
        Assert.Equal(1, deduplicator.Evictions);
        Assert.Equal(BlobEventOutcome.Duplicate, deduplicator.Observe(Created("0x1", "01")).Outcome);
        Assert.Equal(BlobEventOutcome.NewVersion, deduplicator.Observe(Created("0x2", "02")).Outcome);
    }

    [Fact]
    public void Snapshot_RoundTripsThroughJsonAndRestoresTheSameDecisions()
    {
        var original = new BlobEventDeduplicator(VersionPolicy.Latest, capacity: 10);
        original.Observe(Created("0x2", "02"));
        original.Observe(Created("0x9", "09", "https://a.blob.core.windows.net/c/other.wav"));

        var json = JsonSerializer.Serialize(original.CreateSnapshot());
        var restored = BlobEventDeduplicator.Restore(JsonSerializer.Deserialize<BlobEventDeduplicatorSnapshot>(json)!);

        Assert.Equal(VersionPolicy.Latest, restored.Policy);
        Assert.Equal(10, restored.Capacity);
        Assert.Equal(original.CreateSnapshot().Versions, restored.CreateSnapshot().Versions);
        Assert.Equal(BlobEventOutcome.Stale, restored.Observe(Created("0x1", "01")).Outcome);
        Assert.Equal(BlobEventOutcome.Duplicate, restored.Observe(Created("0x2", "02")).Outcome);
    }

    [Fact]
    public void Snapshot_ListsVersionsLeastRecentlyObservedFirst()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.All);
        deduplicator.Observe(Created("0x1", "01"));
        deduplicator.Observe(Created("0x2", "02"));
        deduplicator.Observe(Created("0x1", "01"));

        Assert.Equal(["0x2", "0x1"], deduplicator.CreateSnapshot().Versions.Select(v => v.ETag));
    }

    [Fact]
    public void CreatedEventWithoutETag_IsRefused()
    {
        var deduplicator = new BlobEventDeduplicator(VersionPolicy.All);

        Assert.Throws<ArgumentException>(() => deduplicator.Observe(new BlobEvent("x", BlobEventKind.Created, Url, null, 1, null, DateTimeOffset.UnixEpoch)));
    }

    private static BlobEvent Created(string eTag, string? sequencer, string url = Url) =>
        new($"{url}#{eTag}", BlobEventKind.Created, url, eTag, 100, sequencer, DateTimeOffset.UnixEpoch);
}
