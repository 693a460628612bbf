using System.Globalization;

namespace OrleansIngest.Abstractions;

/// <summary>
/// A fixed-bucket, mergeable histogram of durations: bucket <c>i</c> holds durations in
/// [10 ms · 2^(i/8), 10 ms · 2^((i+1)/8)), so a percentile is within 9% of the truth from 10 ms to about 4 days (longer
/// ones land in the last bucket, shorter ones in the first). Partitions keep one each and the job sums them, which no
/// list of samples or running mean could do in bounded memory.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.LatencyHistogram")]
public sealed class LatencyHistogram
{
    /// <summary>Number of buckets.</summary>
    public const int BucketCount = 200;

    private const double BaseMilliseconds = 10;
    private const double BucketsPerDoubling = 8;

    [Id(0)]
    private readonly long[] _counts;

    /// <summary>Creates a histogram from per-bucket counts (<see cref="BucketCount"/> of them).</summary>
    public LatencyHistogram(IReadOnlyList<long> counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (counts.Count != BucketCount)
        {
            throw new ArgumentException($"A latency histogram has {BucketCount} buckets, not {counts.Count}.", nameof(counts));
        }

        _counts = [.. counts];
    }

    private LatencyHistogram(long[] counts)
    {
        _counts = counts;
    }

    /// <summary>No samples.</summary>
    public static LatencyHistogram Empty { get; } = new(new long[BucketCount]);

    /// <summary>Number of samples.</summary>
    public long Count => _counts.Sum();

    /// <summary>Per-bucket counts.</summary>
    public IReadOnlyList<long> Counts => _counts;

    /// <summary>The bucket a duration falls in.</summary>
    public static int BucketOf(TimeSpan duration)
    {
        var ms = duration.TotalMilliseconds;
        if (!(ms > BaseMilliseconds))
        {
            return 0;
        }

        var index = (int)Math.Floor(Math.Log2(ms / BaseMilliseconds) * BucketsPerDoubling);
        return Math.Clamp(index, 0, BucketCount - 1);
    }

    /// <summary>This histogram with one more sample.</summary>
    public LatencyHistogram Add(TimeSpan duration)
    {
        var counts = (long[])_counts.Clone();
        counts[BucketOf(duration)]++;
        return new LatencyHistogram(counts);
    }

    /// <summary>The sum of two histograms.</summary>
    public LatencyHistogram Merge(LatencyHistogram other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var counts = new long[BucketCount];
        for (var i = 0; i < BucketCount; i++)
        {
            counts[i] = _counts[i] + other._counts[i];
        }

        return new LatencyHistogram(counts);
    }

    /// <summary>
    /// The duration below which a fraction <paramref name="quantile"/> of the samples lie: the geometric middle of the
    /// bucket holding that rank. Null when there are no samples.
    /// </summary>
    public TimeSpan? Percentile(double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        var count = Count;
        if (count == 0)
        {
            return null;
        }

        // The rank of the sample that the quantile names (1-based, nearest-rank definition).
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * count));
        long seen = 0;
        for (var i = 0; i < BucketCount; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                return TimeSpan.FromMilliseconds(BaseMilliseconds * Math.Pow(2, (i + 0.5) / BucketsPerDoubling));
            }
        }

        return TimeSpan.FromMilliseconds(BaseMilliseconds * Math.Pow(2, BucketCount / BucketsPerDoubling));
    }

    /// <summary>"p50 1.2 s, p95 3.4 s (n=42)", or "no samples".</summary>
    public override string ToString() => Count == 0
        ? "no samples"
        : string.Create(CultureInfo.InvariantCulture, $"p50 {Format(Percentile(0.5)!.Value)}, p95 {Format(Percentile(0.95)!.Value)} (n={Count})");

    /// <summary>A duration in the unit that reads best (ms, s, min, h).</summary>
    public static string Format(TimeSpan duration) => duration.TotalSeconds switch
    {
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMilliseconds:0} ms"),
        < 120 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalSeconds:0.0} s"),
        < 7200 => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalMinutes:0.0} min"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{duration.TotalHours:0.0} h"),
    };
}
