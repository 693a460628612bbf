using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains.Tests;

/// <summary>What the ledger offers operators: units by state, reopening quarantined units, and per-silo shares.</summary>
[Trait("Category", "Unit")]
public sealed class UnitLedgerOperatorTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void List_WithoutAStateListsEveryUnitOrderedBySourceUri()
    {
        var ledger = LedgerWithOneUnitInEachState();

        var listing = ledger.List(null, 0, 100);

        Assert.Equal(5, listing.Total);
        Assert.Equal(["file:///a", "file:///b", "file:///c", "file:///d", "file:///e"], listing.Units.Select(u => u.SourceUri));
        Assert.Equal(["committed", "quarantined", "pending", "superseded", "leased"], listing.Units.Select(u => u.State));
        Assert.All(listing.Units, u => Assert.Equal("audio_segments", u.Table));
    }

    [Theory]
    [InlineData("pending", "p")]
    [InlineData("leased", "l")]
    [InlineData("committed", "c")]
    [InlineData("quarantined", "q")]
    [InlineData("superseded", "s")]
    [InlineData("PENDING", "p")]
    [InlineData("Quarantined", "q")]
    [InlineData("SuperSeded", "s")]
    public void List_FiltersByStateIgnoringCase(string state, string expectedUnitId)
    {
        var ledger = LedgerWithOneUnitInEachState();

        var listing = ledger.List(state, 0, 100);

        Assert.Equal(1, listing.Total);
        var unit = Assert.Single(listing.Units);
        Assert.Equal(expectedUnitId, unit.UnitId);
        Assert.Equal(state, unit.State, ignoreCase: true);
    }

    [Fact]
    public void List_OfAStateNoUnitIsInIsEmpty()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", "file:///a"));

        var listing = ledger.List("committed", 0, 100);

        Assert.Empty(listing.Units);
        Assert.Equal(0, listing.Total);
    }

    [Fact]
    public void List_PagesWithSkipAndTakeAndReturnsTheTotal()
    {
        var ledger = NewLedger();
        foreach (var name in new[] { "e", "b", "d", "a", "c" })
        {
            ledger.Add(Unit($"unit-{name}", $"file:///{name}"));
        }

        var first = ledger.List("pending", 0, 2);
        var second = ledger.List("pending", 2, 2);
        var last = ledger.List("pending", 4, 2);
        var beyond = ledger.List("pending", 10, 2);

        Assert.Equal(["unit-a", "unit-b"], first.Units.Select(u => u.UnitId));
        Assert.Equal(["unit-c", "unit-d"], second.Units.Select(u => u.UnitId));
        Assert.Equal(["unit-e"], last.Units.Select(u => u.UnitId));
        Assert.Empty(beyond.Units);
        Assert.All([first, second, last, beyond], page => Assert.Equal(5, page.Total));
    }

    [Fact]
    public void List_OrdersBySourceUriNotByUnitIdOrArrival()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("1", "file:///zebra"));
        ledger.Add(Unit("2", "file:///apple"));
        ledger.Add(Unit("3", "file:///mango"));

        var listing = ledger.List(null, 0, 10);

        Assert.Equal(["2", "3", "1"], listing.Units.Select(u => u.UnitId));
    }

    [Fact]
    public void List_ShowsAttemptsAndTheLastErrorOfAFailedUnit()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", "file:///a"));
        ledger.Apply(new UnitOutcome("a", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Failed, "503 from storage", 0, 0));

        var unit = Assert.Single(ledger.List("pending", 0, 10).Units);

        Assert.Equal(1, unit.Attempts);
        Assert.Equal("503 from storage", unit.LastError);
    }

    [Fact]
    public void List_ShowsTheQuarantineReasonAsTheLastErrorOfAQuarantinedUnit()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("bad", "file:///bad"));
        ledger.Add(Unit("flaky", "file:///flaky"));
        var leases = ledger.Lease(2).ToDictionary(l => l.Unit.UnitId);
        ledger.Apply(new UnitOutcome("bad", leases["bad"].LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));
        ledger.Apply(new UnitOutcome("flaky", leases["flaky"].LeaseToken, UnitOutcomeKind.Failed, "IOException: disk", 0, 0));
        for (var attempt = 1; attempt < 3; attempt++)
        {
            ledger.Apply(new UnitOutcome("flaky", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Failed, "IOException: disk", 0, 0));
        }

        var units = ledger.List("quarantined", 0, 10).Units.ToDictionary(u => u.UnitId);

        Assert.Equal(2, units.Count);
        Assert.Equal("bad header", units["bad"].LastError);
        Assert.Equal(0, units["bad"].Attempts);
        Assert.Equal("failed 3 times; last error: IOException: disk", units["flaky"].LastError);
        Assert.Equal(3, units["flaky"].Attempts);
        Assert.Equal("file:///flaky", units["flaky"].SourceUri);
    }

    [Fact]
    public void List_ListsUnitsQuarantinedBeforeARestoreFromTheirRecords()
    {
        var before = NewLedger();
        before.Add(Unit("bad", "file:///bad", table: "sensor_windows"));
        before.Add(Unit("next", "file:///next"));
        before.Apply(new UnitOutcome("bad", Assert.Single(before.Lease(1)).LeaseToken, UnitOutcomeKind.Quarantined, "truncated chunk", 0, 0));

        var ledger = NewLedger();
        ledger.Restore(before.Snapshot());
        var quarantined = ledger.List("quarantined", 0, 10);
        var all = ledger.List(null, 0, 10);

        Assert.Null(ledger.Find("bad"));
        var unit = Assert.Single(quarantined.Units);
        Assert.Equal(new UnitStatus("bad", "file:///bad", "sensor_windows", "quarantined", 0, "truncated chunk"), unit);
        Assert.Equal(1, quarantined.Total);
        Assert.Equal(["bad", "next"], all.Units.Select(u => u.UnitId));
        Assert.Equal(2, all.Total);
    }

    [Fact]
    public void Reopen_MakesAQuarantinedUnitPendingAgain()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("bad", "file:///bad", size: 40));
        ledger.Apply(new UnitOutcome("bad", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));
        Assert.True(ledger.AllSettled);

        var reopened = ledger.Reopen("bad");

        Assert.True(reopened);
        Assert.Equal(1, ledger.PendingCount);
        Assert.Equal(0, ledger.QuarantinedCount);
        Assert.Empty(ledger.Quarantined);
        Assert.Equal(0, ledger.BytesDone);
        Assert.False(ledger.AllSettled);
        Assert.Equal(0, ledger.List("quarantined", 0, 10).Total);
        Assert.Equal("bad", Assert.Single(ledger.List("pending", 0, 10).Units).UnitId);
        Assert.Equal("bad", Assert.Single(ledger.Lease(5)).Unit.UnitId);
        Assert.Equal(1, ledger.LeasedCount);
    }

    [Fact]
    public void Reopen_KeepsTheAttemptsSoTheNextFailureQuarantinesAgain()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("flaky", "file:///flaky"));
        for (var attempt = 0; attempt < 3; attempt++)
        {
            ledger.Apply(new UnitOutcome("flaky", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Failed, "timeout", 0, 0));
        }

        Assert.True(ledger.Reopen("flaky"));
        var pending = Assert.Single(ledger.List("pending", 0, 10).Units);
        var again = ledger.Apply(new UnitOutcome("flaky", Assert.Single(ledger.Lease(1)).LeaseToken, UnitOutcomeKind.Failed, "timeout", 0, 0));

        Assert.Equal(3, pending.Attempts);
        Assert.NotNull(again);
        Assert.Equal(1, ledger.QuarantinedCount);
        Assert.Equal("flaky", Assert.Single(ledger.List("quarantined", 0, 10).Units).UnitId);
    }

    [Fact]
    public void Reopen_OfAUnitQuarantinedBeforeARestoreDropsItsRecordAndReturnsFalse()
    {
        var before = NewLedger();
        before.Add(Unit("bad", "file:///bad"));
        before.Add(Unit("other", "file:///other"));
        var leases = before.Lease(2).ToDictionary(l => l.Unit.UnitId);
        before.Apply(new UnitOutcome("bad", leases["bad"].LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));
        before.Apply(new UnitOutcome("other", leases["other"].LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));
        var ledger = NewLedger();
        ledger.Restore(before.Snapshot());

        var reopened = ledger.Reopen("bad");

        Assert.False(reopened);
        Assert.Equal(1, ledger.QuarantinedCount);
        Assert.Equal("other", Assert.Single(ledger.Quarantined).UnitId);
        Assert.Equal(["other"], ledger.List("quarantined", 0, 10).Units.Select(u => u.UnitId));
        Assert.Equal(0, ledger.PendingCount);
        Assert.Empty(ledger.Lease(5));
    }

    [Fact]
    public void Reopen_OfAPendingOrUnknownUnitChangesNothingAndReturnsFalse()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", "file:///a"));

        Assert.False(ledger.Reopen("a"));
        Assert.False(ledger.Reopen("never added"));

        Assert.Equal(1, ledger.PendingCount);
        Assert.Equal("a", Assert.Single(ledger.Lease(5)).Unit.UnitId);
        Assert.Empty(ledger.Lease(5));
    }

    [Fact]
    public void Apply_CountsCommittedUnitsAndRowsPerSilo()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", "file:///a"));
        ledger.Add(Unit("b", "file:///b"));
        ledger.Add(Unit("c", "file:///c"));
        var leases = ledger.Lease(3).ToDictionary(l => l.Unit.UnitId);

        ledger.Apply(Committed(leases["a"], rows: 3), "silo-b/lane-0");
        ledger.Apply(Committed(leases["b"], rows: 4), "silo-a/lane-1");
        ledger.Apply(Committed(leases["c"], rows: 5), "silo-a/lane-2");

        Assert.Equal([new SiloUnitCount("silo-a", 2, 9), new SiloUnitCount("silo-b", 1, 3)], ledger.SiloShares);
    }

    [Fact]
    public void Apply_WithoutAWorkerAddsNoShare()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", "file:///a"));

        ledger.Apply(Committed(Assert.Single(ledger.Lease(1)), rows: 3));

        Assert.Equal(1, ledger.CommittedCount);
        Assert.Empty(ledger.SiloShares);
    }

    [Fact]
    public void Apply_ARepeatedCommitAddsNoSecondShare()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("a", "file:///a"));
        var lease = Assert.Single(ledger.Lease(1));

        ledger.Apply(Committed(lease, rows: 3), "silo-a/lane-0");
        ledger.Apply(Committed(lease, rows: 3), "silo-b/lane-0");

        Assert.Equal([new SiloUnitCount("silo-a", 1, 3)], ledger.SiloShares);
    }

    [Fact]
    public void Apply_SiloSharesSurviveSnapshotAndRestore()
    {
        var before = NewLedger();
        before.Add(Unit("a", "file:///a"));
        before.Add(Unit("b", "file:///b"));
        before.Add(Unit("c", "file:///c"));
        var leases = before.Lease(2).ToDictionary(l => l.Unit.UnitId);
        before.Apply(Committed(leases["a"], rows: 3), "silo-a/lane-0");
        before.Apply(Committed(leases["b"], rows: 4), "silo-b/lane-0");

        var ledger = NewLedger();
        ledger.Restore(before.Snapshot());
        var restored = ledger.SiloShares;
        ledger.Apply(Committed(Assert.Single(ledger.Lease(5)), rows: 6), "silo-a/lane-3");

        Assert.Equal([new SiloUnitCount("silo-a", 1, 3), new SiloUnitCount("silo-b", 1, 4)], restored);
        Assert.Equal([new SiloUnitCount("silo-a", 2, 9), new SiloUnitCount("silo-b", 1, 4)], ledger.SiloShares);
    }

    [Fact]
    public void Apply_QuarantinesAndFailuresAddNoShare()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("bad", "file:///bad"));
        ledger.Add(Unit("flaky", "file:///flaky"));
        ledger.Add(Unit("released", "file:///released"));
        var leases = ledger.Lease(3).ToDictionary(l => l.Unit.UnitId);

        ledger.Apply(new UnitOutcome("bad", leases["bad"].LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0), "silo-a/lane-0");
        ledger.Apply(new UnitOutcome("released", leases["released"].LeaseToken, UnitOutcomeKind.Released, null, 0, 0), "silo-a/lane-1");
        var token = leases["flaky"].LeaseToken;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            ledger.Apply(new UnitOutcome("flaky", token, UnitOutcomeKind.Failed, "timeout", 5, 5), "silo-b/lane-0");
            token = ledger.Lease(5).SingleOrDefault(l => l.Unit.UnitId == "flaky")?.LeaseToken ?? 0;
        }

        Assert.Equal(2, ledger.QuarantinedCount);
        Assert.Empty(ledger.SiloShares);
    }

    /// <summary>Units c (committed), q (quarantined), p (pending), s (superseded), l (leased), with URIs a to e in that order.</summary>
    private UnitLedger LedgerWithOneUnitInEachState()
    {
        var ledger = NewLedger();
        ledger.Add(Unit("l", "file:///e"));
        ledger.Add(Unit("c", "file:///a"));
        ledger.Add(Unit("q", "file:///b"));
        var leases = ledger.Lease(3).ToDictionary(l => l.Unit.UnitId);
        ledger.Add(Unit("s", "file:///d"));
        ledger.Add(Unit("p", "file:///c"));
        ledger.Apply(Committed(leases["c"], rows: 1), "silo-a/lane-0");
        ledger.Apply(new UnitOutcome("q", leases["q"].LeaseToken, UnitOutcomeKind.Quarantined, "bad header", 0, 0));
        Assert.True(ledger.Supersede("s"));
        return ledger;
    }

    private UnitLedger NewLedger() => new(_time, TimeSpan.FromMinutes(1), maxAttempts: 3);

    private static UnitOutcome Committed(WorkLease lease, long rows) =>
        new(lease.Unit.UnitId, lease.LeaseToken, UnitOutcomeKind.Committed, null, rows, rows * 2.0);

    private static WorkUnit Unit(string id, string sourceUri, long size = 10, string table = "audio_segments") =>
        new(id, sourceUri, id, "\"e\"", size, table, "audio");
}
