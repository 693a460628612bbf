using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains.Tests;

[Trait("Category", "Unit")]
public sealed class LatencyHistogramTests
{
    // The largest error of a bucket's geometric middle is half a bucket: 2^(1/16) − 1 ≈ 4.4%, well inside 9%.
    private const double Tolerance = 0.09;

    [Theory]
    [InlineData(10.5)]
    [InlineData(11)]
    [InlineData(20)]
    [InlineData(37.3)]
    [InlineData(999)]
    [InlineData(1_000)]
    [InlineData(61_234)]
    [InlineData(3_600_000)]
    [InlineData(86_400_000)]
    [InlineData(300_000_000)]
    public void BucketOf_PutsADurationInTheBucketWhoseBoundsHoldIt(double milliseconds)
    {
        var bucket = LatencyHistogram.BucketOf(TimeSpan.FromMilliseconds(milliseconds));

        Assert.InRange(bucket, 0, LatencyHistogram.BucketCount - 1);
        Assert.InRange(milliseconds, Lower(bucket), Math.BitDecrement(Upper(bucket)));
    }

    [Fact]
    public void BucketOf_EveryBucketHoldsItsOwnGeometricMiddle()
    {
        for (var bucket = 0; bucket < LatencyHistogram.BucketCount; bucket++)
        {
            var middle = Math.Sqrt(Lower(bucket) * Upper(bucket));

            Assert.Equal(bucket, LatencyHistogram.BucketOf(TimeSpan.FromMilliseconds(middle)));
        }
    }

    [Theory]
    [InlineData(-5)]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9.99)]
    [InlineData(10)]
    public void BucketOf_TenMillisecondsOrLessIsTheFirstBucket(double milliseconds)
    {
        Assert.Equal(0, LatencyHistogram.BucketOf(TimeSpan.FromMilliseconds(milliseconds)));
    }

    [Fact]
    public void BucketOf_AHugeDurationIsTheLastBucket()
    {
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.BucketOf(TimeSpan.FromDays(30)));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.BucketOf(TimeSpan.MaxValue));
        Assert.Equal(LatencyHistogram.BucketCount - 1, LatencyHistogram.BucketOf(TimeSpan.FromMilliseconds(Lower(LatencyHistogram.BucketCount))));
    }

    [Theory]
    [InlineData(0.015)]
    [InlineData(0.25)]
    [InlineData(1.7)]
    [InlineData(42)]
    [InlineData(600)]
    [InlineData(12_345)]
    [InlineData(200_000)]
    public void Percentile_OfOneKnownSampleIsWithinNinePercent(double seconds)
    {
        var histogram = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(seconds));

        foreach (var quantile in new[] { 0.0, 0.5, 0.95, 1.0 })
        {
            var estimate = histogram.Percentile(quantile)!.Value.TotalSeconds;

            Assert.InRange(estimate, seconds * (1 - Tolerance), seconds * (1 + Tolerance));
        }
    }

    [Fact]
    public void Percentile_IsTheNearestRankOfTheSamplesWithinOneBucket()
    {
        var histogram = LatencyHistogram.Empty;
        for (var second = 1; second <= 100; second++)
        {
            histogram = histogram.Add(TimeSpan.FromSeconds(second));
        }

        var p50 = histogram.Percentile(0.5)!.Value;
        var p95 = histogram.Percentile(0.95)!.Value;
        var p01 = histogram.Percentile(0.01)!.Value;
        var max = histogram.Percentile(1)!.Value;

        Assert.Equal(LatencyHistogram.BucketOf(TimeSpan.FromSeconds(50)), LatencyHistogram.BucketOf(p50));
        Assert.Equal(LatencyHistogram.BucketOf(TimeSpan.FromSeconds(95)), LatencyHistogram.BucketOf(p95));
        Assert.Equal(LatencyHistogram.BucketOf(TimeSpan.FromSeconds(1)), LatencyHistogram.BucketOf(p01));
        Assert.Equal(LatencyHistogram.BucketOf(TimeSpan.FromSeconds(100)), LatencyHistogram.BucketOf(max));
        Assert.InRange(p50.TotalSeconds, 50 * (1 - Tolerance), 50 * (1 + Tolerance));
        Assert.InRange(p95.TotalSeconds, 95 * (1 - Tolerance), 95 * (1 + Tolerance));
    }

    [Fact]
    public void Percentile_OfSkewedSamplesFollowsTheirRanks()
    {
        // 90 fast commits and 10 slow ones: p50 and p90 are fast, p95 and p99 slow.
        var histogram = LatencyHistogram.Empty;
        for (var i = 0; i < 90; i++)
        {
            histogram = histogram.Add(TimeSpan.FromMilliseconds(200));
        }

        for (var i = 0; i < 10; i++)
        {
            histogram = histogram.Add(TimeSpan.FromMinutes(10));
        }

        Assert.InRange(histogram.Percentile(0.5)!.Value.TotalMilliseconds, 200 * (1 - Tolerance), 200 * (1 + Tolerance));
        Assert.InRange(histogram.Percentile(0.9)!.Value.TotalMilliseconds, 200 * (1 - Tolerance), 200 * (1 + Tolerance));
        Assert.InRange(histogram.Percentile(0.95)!.Value.TotalMinutes, 10 * (1 - Tolerance), 10 * (1 + Tolerance));
        Assert.InRange(histogram.Percentile(0.99)!.Value.TotalMinutes, 10 * (1 - Tolerance), 10 * (1 + Tolerance));
    }

    [Fact]
    public void Empty_HasNoSamplesAndNoPercentile()
    {
        Assert.Equal(0, LatencyHistogram.Empty.Count);
        Assert.Null(LatencyHistogram.Empty.Percentile(0.5));
        Assert.Null(LatencyHistogram.Empty.Percentile(0));
        Assert.Null(LatencyHistogram.Empty.Percentile(1));
        Assert.Equal("no samples", LatencyHistogram.Empty.ToString());
    }

    [Fact]
    public void Add_LeavesTheOriginalUnchanged()
    {
        var one = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(1));

        var two = one.Add(TimeSpan.FromSeconds(2));

        Assert.Equal(0, LatencyHistogram.Empty.Count);
        Assert.Equal(1, one.Count);
        Assert.Equal(2, two.Count);
    }

    [Fact]
    public void Merge_SumsTheBucketCounts()
    {
        var a = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(1)).Add(TimeSpan.FromSeconds(1)).Add(TimeSpan.FromMinutes(5));
        var b = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(1)).Add(TimeSpan.FromHours(2));

        var merged = a.Merge(b);

        Assert.Equal(5, merged.Count);
        Assert.Equal(Enumerable.Range(0, LatencyHistogram.BucketCount).Select(i => a.Counts[i] + b.Counts[i]), merged.Counts);
        Assert.Equal(3, merged.Counts[LatencyHistogram.BucketOf(TimeSpan.FromSeconds(1))]);
        Assert.Equal(3, a.Count);
        Assert.Equal(2, b.Count);
    }

    [Fact]
    public void Merge_WithEmptyChangesNothing()
    {
        var a = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(3)).Add(TimeSpan.FromMilliseconds(40));

        Assert.Equal(a.Counts, a.Merge(LatencyHistogram.Empty).Counts);
        Assert.Equal(a.Counts, LatencyHistogram.Empty.Merge(a).Counts);
    }

    [Fact]
    public void Constructor_KeepsTheGivenCounts()
    {
        var counts = new long[LatencyHistogram.BucketCount];
        counts[3] = 7;
        counts[150] = 2;

        var histogram = new LatencyHistogram(counts);
        counts[3] = 0;

        Assert.Equal(9, histogram.Count);
        Assert.Equal(7, histogram.Counts[3]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(LatencyHistogram.BucketCount - 1)]
    [InlineData(LatencyHistogram.BucketCount + 1)]
    public void Constructor_RejectsAWrongBucketCount(int buckets)
    {
        Assert.Throws<ArgumentException>(() => new LatencyHistogram(new long[buckets]));
    }

    [Theory]
    [InlineData(-0.01)]
    [InlineData(1.01)]
    public void Percentile_RejectsAQuantileOutsideZeroToOne(double quantile)
    {
        var histogram = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(1));

        Assert.Throws<ArgumentOutOfRangeException>(() => histogram.Percentile(quantile));
    }

    [Fact]
    public void ToString_GivesP50AndP95AndTheCount()
    {
        var histogram = LatencyHistogram.Empty.Add(TimeSpan.FromSeconds(2)).Add(TimeSpan.FromSeconds(2));

        Assert.Matches(@"^p50 2\.\d s, p95 2\.\d s \(n=2\)$", histogram.ToString());
    }

    private static double Lower(int bucket) => 10 * Math.Pow(2, bucket / 8.0);

    private static double Upper(int bucket) => 10 * Math.Pow(2, (bucket + 1) / 8.0);
}
