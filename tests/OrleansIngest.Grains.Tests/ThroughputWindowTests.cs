using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains.Tests;

/// <summary>Cluster throughput from silos' cumulative counters: buckets, restarts, stale reports and per-silo rates.</summary>
[Trait("Category", "Unit")]
public sealed class ThroughputWindowTests
{
    // A whole minute, so it is the start of a 5 s bucket.
    private static readonly DateTimeOffset Start = new(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(Start);

    [Fact]
    public void Record_AddsTheDifferenceOfConsecutiveReportsToTheBucketOfTheLaterReport()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("a", units: 2, bytes: 200, audio: 1.5, startedAt: Start, at: Start + Seconds(3)));
        Record(window, Report("a", units: 9, bytes: 900, audio: 5, startedAt: Start, at: Start + Seconds(12)));

        var buckets = window.Buckets(Seconds(15));

        Assert.Equal([Start, Start + Seconds(5), Start + Seconds(10)], buckets.Select(b => b.Start));
        Assert.Equal([2L, 0L, 7L], buckets.Select(b => b.Units));
        Assert.Equal([200L, 0L, 700L], buckets.Select(b => b.Bytes));
        Assert.Equal(1.5, buckets[0].AudioSeconds, 9);
        Assert.Equal(0, buckets[1].AudioSeconds, 9);
        Assert.Equal(3.5, buckets[2].AudioSeconds, 9);
    }

    [Fact]
    public void Record_AddsUpTheWorkOfTwoSilosInTheSameBucket()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("a", units: 0, bytes: 0, audio: 0, startedAt: Start, at: Start + Seconds(1)));
        Record(window, Report("b", units: 0, bytes: 0, audio: 0, startedAt: Start, at: Start + Seconds(2)));
        Record(window, Report("a", units: 4, bytes: 40, audio: 2, startedAt: Start, at: Start + Seconds(6)));
        Record(window, Report("b", units: 3, bytes: 30, audio: 1, startedAt: Start, at: Start + Seconds(8)));

        var bucket = window.Buckets(Seconds(5)).Single();

        Assert.Equal(Start + Seconds(5), bucket.Start);
        Assert.Equal(7, bucket.Units);
        Assert.Equal(70, bucket.Bytes);
        Assert.Equal(3, bucket.AudioSeconds, 9);
    }

    [Fact]
    public void Record_CountsTheNewCountersOfASiloThatRestartedNotANegativeDifference()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("a", units: 100, bytes: 10_000, audio: 50, startedAt: Start, at: Start + Seconds(1)));
        var restartedAt = Start + Seconds(20);
        Record(window, Report("a", units: 3, bytes: 300, audio: 1, startedAt: restartedAt, at: restartedAt + Seconds(2)));

        var bucket = window.Buckets(Seconds(5)).Single();

        Assert.Equal(restartedAt, bucket.Start);
        Assert.Equal(3, bucket.Units);
        Assert.Equal(300, bucket.Bytes);
        Assert.Equal(1, bucket.AudioSeconds, 9);
    }

    [Fact]
    public void Record_TreatsCountersThatWentDownAsARestart()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("a", units: 100, bytes: 10_000, audio: 50, startedAt: Start, at: Start + Seconds(1)));
        // Same start time reported (a clock that did not move), but the counters went down: the silo started over.
        Record(window, Report("a", units: 4, bytes: 400, audio: 2, startedAt: Start, at: Start + Seconds(21)));

        var bucket = window.Buckets(Seconds(5)).Single();

        Assert.Equal(4, bucket.Units);
        Assert.Equal(400, bucket.Bytes);
        Assert.Equal(2, bucket.AudioSeconds, 9);
    }

    [Fact]
    public void Record_IgnoresARepeatedReportAndOneOlderThanThePrevious()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("a", units: 0, bytes: 0, audio: 0, startedAt: Start, at: Start + Seconds(2)));
        Record(window, Report("a", units: 5, bytes: 50, audio: 5, startedAt: Start, at: Start + Seconds(7)));
        var before = window.Buckets(Seconds(15));

        Record(window, Report("a", units: 9, bytes: 90, audio: 9, startedAt: Start, at: Start + Seconds(7)));
        Record(window, Report("a", units: 4, bytes: 40, audio: 4, startedAt: Start, at: Start + Seconds(6)));
        var after = window.Buckets(Seconds(15));
        var latest = Assert.Single(window.Silos()).Latest;
        Record(window, Report("a", units: 8, bytes: 80, audio: 8, startedAt: Start, at: Start + Seconds(12)));

        Assert.Equal(before, after);
        Assert.Equal(Start + Seconds(7), latest.At);
        Assert.Equal(5, latest.UnitsSettled);
        // The next report's difference is taken from the last accepted report, not from the ignored ones.
        Assert.Equal([0L, 5L, 3L], window.Buckets(Seconds(15)).Select(b => b.Units));
    }

    [Theory]
    [InlineData(0, 6)]
    [InlineData(10, 6)]
    [InlineData(11, 0)]
    [InlineData(3600, 0)]
    public void Record_CountsAFirstReportOnlyWhenTheSiloStartedWithinTwoBucketWidths(int secondsSinceStart, long expectedUnits)
    {
        var window = new ThroughputWindow(_time);
        var at = Start + Seconds(62);

        Record(window, Report("a", units: 6, bytes: 60, audio: 3, startedAt: at - Seconds(secondsSinceStart), at: at));

        Assert.Equal(expectedUnits, window.Buckets(ThroughputWindow.Horizon).Sum(b => b.Units));
        Assert.Equal(expectedUnits * 10, window.Buckets(ThroughputWindow.Horizon).Sum(b => b.Bytes));
    }

    [Fact]
    public void Record_CountsTheDifferencesAfterTheUncountedFirstReportOfAnOldSilo()
    {
        var window = new ThroughputWindow(_time);
        var startedLongAgo = Start - TimeSpan.FromDays(2);
        Record(window, Report("a", units: 1_000_000, bytes: 1_000_000_000, audio: 9_999, startedAt: startedLongAgo, at: Start + Seconds(1)));
        Record(window, Report("a", units: 1_000_012, bytes: 1_000_001_200, audio: 10_005, startedAt: startedLongAgo, at: Start + Seconds(6)));

        var buckets = window.Buckets(Seconds(10));

        Assert.Equal([0L, 12L], buckets.Select(b => b.Units));
        Assert.Equal([0L, 1_200L], buckets.Select(b => b.Bytes));
        Assert.Equal(6, buckets[1].AudioSeconds, 9);
    }

    [Fact]
    public void Buckets_AreConsecutiveFiveSecondBucketsEndingAtNowWithEmptyOnesIncluded()
    {
        var window = new ThroughputWindow(_time);
        _time.SetUtcNow(Start + Seconds(62));

        var buckets = window.Buckets(Seconds(30));
        var partial = window.Buckets(Seconds(12));

        Assert.Equal(6, buckets.Count);
        Assert.Equal(Start + Seconds(60), buckets[^1].Start);
        Assert.Equal(Start + Seconds(35), buckets[0].Start);
        Assert.All(buckets.Zip(buckets.Skip(1)), pair => Assert.Equal(ThroughputWindow.BucketWidth, pair.Second.Start - pair.First.Start));
        Assert.All(buckets, b => Assert.Equal((0L, 0L, 0d), (b.Units, b.Bytes, b.AudioSeconds)));
        // A window that is not a whole number of buckets is rounded up to one.
        Assert.Equal([Start + Seconds(50), Start + Seconds(55), Start + Seconds(60)], partial.Select(b => b.Start));
    }

    [Fact]
    public void Buckets_AreAtMostAnHour()
    {
        var window = new ThroughputWindow(_time);
        _time.SetUtcNow(Start + TimeSpan.FromHours(2) + Seconds(3));

        var buckets = window.Buckets(TimeSpan.FromDays(1));

        Assert.Equal(720, buckets.Count);
        Assert.Equal(Start + TimeSpan.FromHours(2), buckets[^1].Start);
        Assert.Equal(Start + TimeSpan.FromHours(1) + Seconds(5), buckets[0].Start);
    }

    [Fact]
    public void Buckets_OlderThanAnHourArePruned()
    {
        // The clock goes back at the end to look at a pruned bucket, which the window would not show otherwise.
        var clock = new SettableClock { UtcNow = Start + Seconds(3) };
        var window = new ThroughputWindow(clock);
        window.Record(Report("a", units: 5, bytes: 50, audio: 5, startedAt: Start, at: Start + Seconds(3)));
        clock.UtcNow = Start + Seconds(22);
        window.Record(Report("a", units: 7, bytes: 70, audio: 7, startedAt: Start, at: Start + Seconds(22)));
        var beforePrune = window.Buckets(Seconds(25));

        clock.UtcNow = Start + TimeSpan.FromHours(1) + Seconds(12);
        window.Record(Report("b", units: 0, bytes: 0, audio: 0, startedAt: clock.UtcNow, at: clock.UtcNow));
        clock.UtcNow = Start + Seconds(22);
        var afterPrune = window.Buckets(Seconds(25));

        Assert.Equal([5L, 0L, 0L, 0L, 2L], beforePrune.Select(b => b.Units));
        // The first bucket is more than an hour older than the last report's time and is gone; the one at 20 s is kept.
        Assert.Equal([0L, 0L, 0L, 0L, 2L], afterPrune.Select(b => b.Units));
    }

    [Fact]
    public void Silos_GivesRatesFromTheLastMinuteOfReports()
    {
        var window = new ThroughputWindow(_time);
        // 1 unit/s for two minutes, then 10 units/s for the last minute.
        for (var t = 0; t <= 180; t += 10)
        {
            var units = t <= 120 ? t : 120 + (10 * (t - 120));
            Record(window, Report("a", units: units, bytes: units * 100L, audio: 0, startedAt: Start, at: Start + Seconds(t)));
        }

        var silo = Assert.Single(window.Silos());

        Assert.Equal(10, silo.UnitsPerSecond, 9);
        Assert.Equal(1_000, silo.BytesPerSecond, 9);
        Assert.Equal(Start + Seconds(180), silo.Latest.At);
        Assert.Equal("a", silo.Latest.Silo);
    }

    [Fact]
    public void Silos_OfASiloThatRestartedStartOverFromItsNewReports()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("a", units: 0, bytes: 0, audio: 0, startedAt: Start, at: Start + Seconds(1)));
        Record(window, Report("a", units: 500, bytes: 5_000, audio: 0, startedAt: Start, at: Start + Seconds(11)));
        var restartedAt = Start + Seconds(15);
        Record(window, Report("a", units: 2, bytes: 20, audio: 0, startedAt: restartedAt, at: restartedAt + Seconds(1)));
        var justRestarted = Assert.Single(window.Silos());
        Record(window, Report("a", units: 22, bytes: 220, audio: 0, startedAt: restartedAt, at: restartedAt + Seconds(11)));

        var silo = Assert.Single(window.Silos());

        Assert.Equal((0d, 0d), (justRestarted.UnitsPerSecond, justRestarted.BytesPerSecond));
        Assert.Equal(2, silo.UnitsPerSecond, 9);
        Assert.Equal(20, silo.BytesPerSecond, 9);
    }

    [Fact]
    public void Silos_DropsASiloSilentForOverAnHour()
    {
        var window = new ThroughputWindow(_time);
        Record(window, Report("quiet", units: 0, bytes: 0, audio: 0, startedAt: Start, at: Start + Seconds(2)));
        Record(window, Report("busy", units: 0, bytes: 0, audio: 0, startedAt: Start, at: Start + Seconds(2)));
        Record(window, Report("busy", units: 9, bytes: 90, audio: 0, startedAt: Start, at: Start + TimeSpan.FromHours(1)));
        var withinTheHour = window.Silos();

        _time.SetUtcNow(Start + TimeSpan.FromHours(1) + Seconds(3));
        var afterTheHour = window.Silos();

        Assert.Equal(["busy", "quiet"], withinTheHour.Select(s => s.Latest.Silo));
        Assert.Equal(["busy"], afterTheHour.Select(s => s.Latest.Silo));
    }

    private void Record(ThroughputWindow window, SiloReport report)
    {
        // Reports arrive as they are made: the metrics grain's clock reads their time (a late one changes no clock).
        if (report.At > _time.GetUtcNow())
        {
            _time.SetUtcNow(report.At);
        }

        window.Record(report);
    }

    private static TimeSpan Seconds(int seconds) => TimeSpan.FromSeconds(seconds);

    private static SiloReport Report(string silo, long units, long bytes, double audio, DateTimeOffset startedAt, DateTimeOffset at) =>
        new(silo, $"10.0.0.1:{silo.Length}", Cores: 4, Lanes: 2, ExecutionProvider: "cpu", UnitsInFlight: 0, units, bytes, audio, startedAt, at);

    /// <summary>A clock that can also go back, unlike <see cref="FakeTimeProvider"/>.</summary>
    private sealed class SettableClock : TimeProvider
    {
        public DateTimeOffset UtcNow { get; set; }

        public override DateTimeOffset GetUtcNow() => UtcNow;
    }
}
