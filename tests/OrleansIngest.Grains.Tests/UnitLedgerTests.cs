using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains.Tests;

[Trait("Category", "Unit")]
public sealed class UnitLedgerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Add_CollapsesDuplicateUnitIds()
    {
        var ledger = NewLedger();

        Assert.True(ledger.Add(Unit("a")));
        Assert.False(ledger.Add(Unit("a")));
        Assert.Equal(1, ledger.Count);
        Assert.Equal(1, ledger.PendingCount);
    }

    [Fact]
    public void Lease_HandsEachPendingUnitToOneWorkerOnly()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        ledger.Add(Unit("b"));

        var first = ledger.Lease(1);
        var second = ledger.Lease(5);

        Assert.Equal("a", Assert.Single(first).Unit.UnitId);
        Assert.Equal("b", Assert.Single(second).Unit.UnitId);
        Assert.Empty(ledger.Lease(5));
        Assert.Equal(2, ledger.LeasedCount);
    }

    [Fact]
    public void Lease_ReturnsExpiredLeasesToTheQueueAndIgnoresTheStaleHoldersReport()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        var stale = Assert.Single(ledger.Lease(1));

        _time.Advance(TimeSpan.FromMinutes(2));
        var fresh = Assert.Single(ledger.Lease(1));
        ledger.Apply(new UnitOutcome("a", stale.LeaseToken, UnitOutcomeKind.Released, null, 0, 0));

        Assert.NotEqual(stale.LeaseToken, fresh.LeaseToken);
        Assert.Equal(1, ledger.LeasedCount);
        Assert.Equal(0, ledger.PendingCount);
    }

    [Fact]
    public void Apply_CommitFromAStaleLeaseIsStillAFact()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        var stale = Assert.Single(ledger.Lease(1));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Single(ledger.Lease(1));

        ledger.Apply(new UnitOutcome("a", stale.LeaseToken, UnitOutcomeKind.Committed, null, 3, 90));

        Assert.Equal(1, ledger.CommittedCount);
        Assert.Equal(3, ledger.AudioSegments);
        Assert.True(ledger.AllSettled);
    }

    [Fact]
    public void Apply_FailedUnitIsRetriedThenQuarantinedAfterMaxAttempts()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        QuarantineRecord? exhausted = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var lease = Assert.Single(ledger.Lease(1));
            exhausted = ledger.Apply(new UnitOutcome("a", lease.LeaseToken, UnitOutcomeKind.Failed, "IOException: disk", 0, 0));
        }

        Assert.NotNull(exhausted);
        Assert.Contains("failed 3 times", exhausted.Reason, StringComparison.Ordinal);
        Assert.Contains("disk", exhausted.Reason, StringComparison.Ordinal);
        Assert.Equal(1, ledger.QuarantinedCount);
        Assert.True(ledger.AllSettled);
    }

    [Fact]
    public void Reopen_TakesBackAnUnrecordedQuarantineAndKeepsTheAttempts()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", size: 7));
        QuarantineRecord? exhausted = null;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            exhausted = ledger.Apply(new UnitOutcome("a", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Failed, "503", 0, 0));
        }

        Assert.NotNull(exhausted);
        ledger.Reopen("a");

        Assert.Equal(0, ledger.QuarantinedCount);
        Assert.Equal(1, ledger.PendingCount);
        Assert.Equal(0, ledger.BytesDone);
        var again = ledger.Apply(new UnitOutcome("a", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Failed, "503", 0, 0));
        Assert.NotNull(again);
        Assert.Contains("failed 4 times", again.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_ReleasedUnitIsLeasedAgainWithoutCountingAnAttempt()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        for (var i = 0; i < 5; i++)
        {
            var lease = Assert.Single(ledger.Lease(1));
            Assert.Null(ledger.Apply(new UnitOutcome("a", lease.LeaseToken, UnitOutcomeKind.Released, null, 0, 0)));
        }

        Assert.Equal(1, ledger.PendingCount);
        Assert.Equal(0, ledger.QuarantinedCount);
    }

    [Fact]
    public void Progress_CountsBytesAndKindsSeparately()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", size: 100));
        ledger.Add(Unit("s", size: 50, kind: "sensor"));
        foreach (var lease in ledger.Lease(2))
        {
            ledger.Apply(new UnitOutcome(lease.Unit.UnitId, lease.LeaseToken, UnitOutcomeKind.Committed, null, 4, 120));
        }

        Assert.Equal(150, ledger.BytesTotal);
        Assert.Equal(150, ledger.BytesDone);
        Assert.Equal(4, ledger.AudioSegments);
        Assert.Equal(4, ledger.SensorWindows);
        Assert.Equal(120, ledger.AudioSeconds);
    }

    [Fact]
    public void Snapshot_RestoresUnsettledUnitsAsPendingAndKeepsCounters()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("done", size: 100));
        ledger.Add(Unit("leased", size: 10));
        ledger.Add(Unit("pending", size: 1));
        ledger.Add(Unit("bad", size: 5));
        var leases = ledger.Lease(3).ToDictionary(l => l.Unit.UnitId);
        ledger.Apply(new UnitOutcome("done", leases["done"].LeaseToken, UnitOutcomeKind.Committed, null, 2, 60));
        ledger.Apply(new UnitOutcome("bad", 0, UnitOutcomeKind.Quarantined, "bad header", 0, 0));

        var restored = NewLedger();
        restored.Restore(ledger.Snapshot());

        Assert.Equal(4, restored.Count);
        Assert.Equal(2, restored.PendingCount);
        Assert.Equal(0, restored.LeasedCount);
        Assert.Equal(1, restored.CommittedCount);
        Assert.Equal(2, restored.AudioSegments);
        Assert.Equal(116, restored.BytesTotal);
        Assert.Equal(105, restored.BytesDone);
        Assert.Equal("bad header", Assert.Single(restored.Quarantined).Reason);
        Assert.Equal(["leased", "pending"], restored.Lease(5).Select(l => l.Unit.UnitId).Order());
    }

    [Fact]
    public void Restore_RefusesANonEmptyLedger()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));

        Assert.Throws<InvalidOperationException>(() => ledger.Restore(new LedgerSnapshot()));
    }

    [Fact]
    public void Fence_HoldsTheCurrentLeaseForTheCommitEvenPastItsExpiry()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        var lease = Assert.Single(ledger.Lease(1));
        _time.Advance(TimeSpan.FromSeconds(50));

        var fence = ledger.Fence([new LeaseClaim("a", lease.LeaseToken)], TimeSpan.FromMinutes(2));
        _time.Advance(TimeSpan.FromSeconds(90));

        Assert.Empty(fence.Lost);
        Assert.Equal(TimeSpan.FromMinutes(2), fence.HeldFor);
        Assert.Empty(ledger.Lease(1));
        Assert.Equal(1, ledger.LeasedCount);
    }

    [Fact]
    public void Fence_RefusesAWorkerWhoseExpiredLeaseWasTakenOver()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        ledger.Add(Unit("b"));
        var stale = ledger.Lease(2).ToDictionary(l => l.Unit.UnitId);
        _time.Advance(TimeSpan.FromMinutes(2));
        var takenOver = ledger.Lease(1).Single();

        var fence = ledger.Fence([new LeaseClaim("a", stale["a"].LeaseToken), new LeaseClaim("b", stale["b"].LeaseToken)], TimeSpan.FromMinutes(2));

        Assert.Equal("a", takenOver.Unit.UnitId);
        Assert.Equal(["a"], fence.Lost);
        Assert.Empty(ledger.Fence([new LeaseClaim("a", takenOver.LeaseToken)], TimeSpan.FromMinutes(2)).Lost);
    }

    [Fact]
    public void Fence_RefusesClaimsOnSettledAndUnknownUnits()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a"));
        ledger.Add(Unit("q"));
        var leases = ledger.Lease(2).ToDictionary(l => l.Unit.UnitId);
        ledger.Apply(new UnitOutcome("a", leases["a"].LeaseToken, UnitOutcomeKind.Committed, null, 1, 1));
        ledger.Apply(new UnitOutcome("q", leases["q"].LeaseToken, UnitOutcomeKind.Quarantined, "bad", 0, 0));

        var fence = ledger.Fence(
            [new LeaseClaim("a", leases["a"].LeaseToken), new LeaseClaim("q", leases["q"].LeaseToken), new LeaseClaim("zz", 1)],
            TimeSpan.FromMinutes(2));

        Assert.Equal(["a", "q", "zz"], fence.Lost);
    }

    [Fact]
    public void Fence_GivesAPendingUnitBackToTheClaimantAfterARestartAndItIsNotLeasedTwice()
    {
        var before = NewLedger();
        before.BeginEpoch(1);
        before.Add(Unit("a"));
        var lease = Assert.Single(before.Lease(1));
        var restarted = NewLedger();
        restarted.Restore(before.Snapshot());
        restarted.BeginEpoch(2);

        var fence = restarted.Fence([new LeaseClaim("a", lease.LeaseToken)], TimeSpan.FromMinutes(2));

        Assert.Empty(fence.Lost);
        Assert.Equal(0, restarted.PendingCount);
        Assert.Equal(1, restarted.LeasedCount);
        Assert.Empty(restarted.Lease(1));
        restarted.Apply(new UnitOutcome("a", lease.LeaseToken, UnitOutcomeKind.Released, null, 0, 0));
        Assert.Equal(1, restarted.PendingCount);
    }

    [Fact]
    public void BeginEpoch_LeaseTokensOfANewEpochNeverEqualEarlierOnes()
    {
        var first = NewLedger();
        first.BeginEpoch(1);
        var second = NewLedger();
        second.BeginEpoch(2);
        for (var i = 0; i < 100; i++)
        {
            first.Add(Unit($"u{i}"));
            second.Add(Unit($"u{i}"));
        }

        var earlier = first.Lease(100).Select(l => l.LeaseToken).ToHashSet();
        var later = second.Lease(100).Select(l => l.LeaseToken).ToList();

        Assert.Equal(100, earlier.Count);
        Assert.DoesNotContain(later, earlier.Contains);
        Assert.True(later.Min() > earlier.Max());
    }

    private UnitLedger NewLedger() => new(_time, TimeSpan.FromMinutes(1), maxAttempts: 3);

    private static WorkUnit Unit(string id, long size = 10, string kind = "audio") =>
        new(id, $"file:///{id}", id, "\"e\"", size, kind == "audio" ? "audio_segments" : "sensor_windows", kind);
}
