using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains.Tests;

/// <summary>The ledger's part in continuous jobs: superseding overwritten versions and measuring commit latency.</summary>
[Trait("Category", "Unit")]
public sealed class UnitLedgerSupersedeTests
{
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Supersede_CancelsAPendingUnitAndMovesTheCounts()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("old", size: 40));

        var cancelled = ledger.Supersede("old");

        Assert.True(cancelled);
        Assert.Equal(0, ledger.PendingCount);
        Assert.Equal(1, ledger.SupersededCount);
        Assert.Equal(0, ledger.CommittedCount);
        Assert.Equal(40, ledger.BytesDone);
        Assert.True(ledger.AllSettled);
        Assert.Empty(ledger.Lease(5));
    }

    [Fact]
    public void Supersede_LeavesTheOtherUnitsPendingSoTheLedgerIsNotSettled()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("old"));
        ledger.Add(Unit("new"));

        Assert.True(ledger.Supersede("old"));

        Assert.Equal(1, ledger.PendingCount);
        Assert.False(ledger.AllSettled);
        Assert.Equal("new", Assert.Single(ledger.Lease(5)).Unit.UnitId);
    }

    [Fact]
    public void Supersede_DoesNotCancelALeasedUnit()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        var lease = Assert.Single(ledger.Lease(1));

        Assert.False(ledger.Supersede("a"));

        Assert.Equal(1, ledger.LeasedCount);
        Assert.Equal(0, ledger.SupersededCount);
        Assert.Empty(ledger.Fence([new LeaseClaim("a", lease.LeaseToken)], TimeSpan.FromMinutes(1)).Lost);
    }

    [Fact]
    public void Supersede_DoesNotCancelASettledUnit()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("done"));
        ledger.Add(Unit("bad"));
        var leases = ledger.Lease(2).ToDictionary(l => l.Unit.UnitId);
        ledger.Apply(new UnitOutcome("done", leases["done"].LeaseToken, UnitOutcomeKind.Committed, null, 1, 30));
        ledger.Apply(new UnitOutcome("bad", leases["bad"].LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));

        Assert.False(ledger.Supersede("done"));
        Assert.False(ledger.Supersede("bad"));

        Assert.Equal(0, ledger.SupersededCount);
        Assert.Equal(1, ledger.CommittedCount);
        Assert.Equal(1, ledger.QuarantinedCount);
    }

    [Fact]
    public void Supersede_OfAnUnknownOrAlreadySupersededUnitDoesNothing()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        Assert.True(ledger.Supersede("a"));

        Assert.False(ledger.Supersede("a"));
        Assert.False(ledger.Supersede("never added"));

        Assert.Equal(1, ledger.SupersededCount);
    }

    [Fact]
    public void Supersede_CancelsAUnitWhoseExpiredLeaseWasReclaimed()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        ledger.Add(Unit("b"));
        Assert.Single(ledger.Lease(1));
        _time.Advance(TimeSpan.FromMinutes(2));

        // Leasing reclaims the expired lease of "a" (pending again, behind "b") and hands out "b".
        var next = ledger.Lease(1);

        Assert.Equal("b", Assert.Single(next).Unit.UnitId);
        Assert.True(ledger.Supersede("a"));
        Assert.False(ledger.Supersede("b"));
        Assert.Equal(1, ledger.LeasedCount);
        Assert.Equal(0, ledger.PendingCount);
        Assert.Equal(1, ledger.SupersededCount);
    }

    [Fact]
    public void Fence_ReportsASupersededUnitLost()
    {
        var before = NewLedger();
        before.Add(Unit("a"));
        var lease = Assert.Single(before.Lease(1));
        // After a restart the lease is gone and the unit pending, so a newer version can cancel it.
        var ledger = NewLedger();
        ledger.Restore(before.Snapshot());
        Assert.True(ledger.Supersede("a"));

        var fence = ledger.Fence([new LeaseClaim("a", lease.LeaseToken)], TimeSpan.FromMinutes(1));

        Assert.Equal(["a"], fence.Lost);
        Assert.Equal(0, ledger.LeasedCount);
        Assert.Equal(1, ledger.SupersededCount);
    }

    [Fact]
    public void Apply_ACommitOfAUnitSupersededAfterItsLeaseExpiredIsAFactOfTheLog()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", size: 40, arrivedAt: Start));
        var stale = Assert.Single(ledger.Lease(1));
        _time.Advance(TimeSpan.FromMinutes(2));
        // The lease expired; the next lease call reclaims it (nothing else to hand out), leaving "a" pending.
        Assert.Empty(ledger.Lease(0));
        Assert.Equal(1, ledger.PendingCount);
        Assert.True(ledger.Supersede("a"));

        // The first worker had committed anyway: its rows are in the table, so the ledger records the commit.
        var quarantine = ledger.Apply(new UnitOutcome("a", stale.LeaseToken, UnitOutcomeKind.Committed, null, 3, 90));

        Assert.Null(quarantine);
        Assert.Equal(1, ledger.CommittedCount);
        Assert.Equal(0, ledger.SupersededCount);
        Assert.Equal(0, ledger.PendingCount);
        Assert.Equal(0, ledger.LeasedCount);
        Assert.Equal(40, ledger.BytesDone);
        Assert.Equal(3, ledger.AudioSegments);
        Assert.Equal(90, ledger.AudioSeconds);
        Assert.True(ledger.AllSettled);
        Assert.Equal(1, ledger.CommitLatency.Count);
        Assert.Empty(ledger.Lease(5));
    }

    [Theory]
    [InlineData(UnitOutcomeKind.Failed)]
    [InlineData(UnitOutcomeKind.Released)]
    [InlineData(UnitOutcomeKind.Quarantined)]
    public void Apply_AnyOtherOutcomeOfASupersededUnitIsIgnored(UnitOutcomeKind kind)
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", size: 40));
        var stale = Assert.Single(ledger.Lease(1));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Empty(ledger.Lease(0));
        Assert.True(ledger.Supersede("a"));

        var quarantine = ledger.Apply(new UnitOutcome("a", stale.LeaseToken, kind, "late", 0, 0));

        Assert.Null(quarantine);
        Assert.Equal(1, ledger.SupersededCount);
        Assert.Equal(0, ledger.QuarantinedCount);
        Assert.Equal(0, ledger.PendingCount);
        Assert.Equal(40, ledger.BytesDone);
        Assert.True(ledger.AllSettled);
    }

    [Fact]
    public void Snapshot_KeepsTheSupersededCountAndDropsTheCancelledUnit()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("old", size: 40));
        ledger.Add(Unit("new", size: 50));
        ledger.Supersede("old");

        var restored = NewLedger();
        restored.Restore(ledger.Snapshot());

        Assert.Equal(1, restored.SupersededCount);
        Assert.Equal(2, restored.Count);
        Assert.Equal(1, restored.PendingCount);
        Assert.Equal(40, restored.BytesDone);
        Assert.Equal(90, restored.BytesTotal);
        Assert.Equal("new", Assert.Single(restored.Lease(5)).Unit.UnitId);
    }

    [Fact]
    public void CommitLatency_IsMeasuredFromArrivalToCommit()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", arrivedAt: Start - TimeSpan.FromSeconds(30)));
        var lease = Assert.Single(ledger.Lease(1));
        _time.Advance(TimeSpan.FromSeconds(15));

        ledger.Apply(new UnitOutcome("a", lease.LeaseToken, UnitOutcomeKind.Committed, null, 1, 1));

        var latency = ledger.CommitLatency;
        Assert.Equal(1, latency.Count);
        Assert.Equal(1, latency.Counts[LatencyHistogram.BucketOf(TimeSpan.FromSeconds(45))]);
        Assert.InRange(latency.Percentile(0.5)!.Value.TotalSeconds, 45 * 0.91, 45 * 1.09);
    }

    [Fact]
    public void CommitLatency_RecordsNothingForUnitsWithoutAnArrivalTime()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("backfill"));
        ledger.Add(Unit("arrived", arrivedAt: Start));
        var leases = ledger.Lease(2).ToDictionary(l => l.Unit.UnitId);
        _time.Advance(TimeSpan.FromSeconds(5));

        ledger.Apply(new UnitOutcome("backfill", leases["backfill"].LeaseToken, UnitOutcomeKind.Committed, null, 1, 1));
        var afterBackfill = ledger.CommitLatency.Count;
        ledger.Apply(new UnitOutcome("arrived", leases["arrived"].LeaseToken, UnitOutcomeKind.Committed, null, 1, 1));

        Assert.Equal(0, afterBackfill);
        Assert.Equal(1, ledger.CommitLatency.Count);
        Assert.Equal(2, ledger.CommittedCount);
    }

    [Fact]
    public void CommitLatency_RecordsNothingForQuarantinedUnits()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("bad", arrivedAt: Start));
        var lease = Assert.Single(ledger.Lease(1));

        ledger.Apply(new UnitOutcome("bad", lease.LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));

        Assert.Equal(0, ledger.CommitLatency.Count);
    }

    [Fact]
    public void CommitLatency_SurvivesSnapshotAndRestore()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", arrivedAt: Start));
        ledger.Add(Unit("b", arrivedAt: Start));
        var leases = ledger.Lease(2).ToDictionary(l => l.Unit.UnitId);
        _time.Advance(TimeSpan.FromSeconds(2));
        ledger.Apply(new UnitOutcome("a", leases["a"].LeaseToken, UnitOutcomeKind.Committed, null, 1, 1));
        _time.Advance(TimeSpan.FromMinutes(10));
        ledger.Apply(new UnitOutcome("b", leases["b"].LeaseToken, UnitOutcomeKind.Committed, null, 1, 1));

        var restored = NewLedger();
        restored.Restore(ledger.Snapshot());

        Assert.Equal(2, restored.CommitLatency.Count);
        Assert.Equal(ledger.CommitLatency.Counts, restored.CommitLatency.Counts);
        Assert.Equal(1, restored.CommitLatency.Counts[LatencyHistogram.BucketOf(TimeSpan.FromSeconds(2))]);
    }

    [Fact]
    public void Restore_OfASnapshotWithoutLatencyCountsStartsAnEmptyHistogram()
    {
        var restored = NewLedger();

        restored.Restore(new LedgerSnapshot { Committed = 4, Settled = 4 });

        Assert.Equal(0, restored.CommitLatency.Count);
        Assert.Equal(4, restored.CommittedCount);
    }

    private UnitLedger NewLedger() => new(_time, TimeSpan.FromMinutes(1), maxAttempts: 3);

    private static WorkUnit Unit(string id, long size = 10, DateTimeOffset? arrivedAt = null) =>
        new(id, $"file:///{id}", id, "\"e\"", size, "audio_segments", "audio") { ArrivedAt = arrivedAt };
}
