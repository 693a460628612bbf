using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>
/// Turns silos' cumulative counters into cluster throughput: the difference between a silo's consecutive reports is
/// added to the 5 s bucket of the later report; a silo whose counters went down restarted, so its new counters are the
/// difference. Keeps an hour of buckets and each silo's reports of the last minute (for its rates). Plain logic with an
/// injected clock; <see cref="ClusterMetricsGrain"/> owns one.
/// </summary>
public sealed class ThroughputWindow(TimeProvider timeProvider)
{
    /// <summary>Bucket width.</summary>
    public static readonly TimeSpan BucketWidth = TimeSpan.FromSeconds(5);

    /// <summary>How far back buckets are kept.</summary>
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(1);

    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);

    private readonly SortedDictionary<long, (long Units, long Bytes, double Audio)> _buckets = [];
    private readonly Dictionary<string, List<SiloReport>> _silos = new(StringComparer.Ordinal);

    /// <summary>Records a report.</summary>
    public void Record(SiloReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!_silos.TryGetValue(report.Silo, out var history))
        {
            _silos[report.Silo] = history = [];
        }

        var previous = history.Count > 0 ? history[^1] : null;
        if (previous is not null && report.At <= previous.At)
        {
            // Out of order or repeated: the counters already count it.
            return;
        }

        var restarted = previous is null || report.StartedAt != previous.StartedAt || report.UnitsSettled < previous.UnitsSettled;
        var units = restarted ? report.UnitsSettled : report.UnitsSettled - previous!.UnitsSettled;
        var bytes = restarted ? report.BytesSettled : report.BytesSettled - previous!.BytesSettled;
        var audio = restarted ? report.AudioSecondsSettled : report.AudioSecondsSettled - previous!.AudioSecondsSettled;

        // A silo's first report counts its work since it started only if it started recently (a metrics grain that
        // moved must not put an old silo's whole history into one bucket).
        if (previous is not null || report.At - report.StartedAt <= BucketWidth * 2)
        {
            var key = report.At.UtcTicks / BucketWidth.Ticks;
            _buckets.TryGetValue(key, out var bucket);
            _buckets[key] = (bucket.Units + units, bucket.Bytes + bytes, bucket.Audio + audio);
        }

        if (restarted && previous is not null)
        {
            history.Clear();
        }

        history.Add(report);
        history.RemoveAll(r => report.At - r.At > RateWindow);
        Prune();
    }

    /// <summary>Every silo heard from within the horizon, with its rates over the last minute of reports.</summary>
    public IReadOnlyList<SiloActivity> Silos()
    {
        Prune();
        var now = timeProvider.GetUtcNow();
        return [.. _silos.Values.Where(h => h.Count > 0).Select(h =>
        {
            var first = h[0];
            var last = h[^1];
            var seconds = (last.At - first.At).TotalSeconds;

            // A silo silent for a minute is doing nothing this grain can see.
            return seconds <= 0 || now - last.At > RateWindow
                ? new SiloActivity(last, 0, 0)
                : new SiloActivity(last, (last.UnitsSettled - first.UnitsSettled) / seconds, (last.BytesSettled - first.BytesSettled) / seconds);
        }).OrderBy(a => a.Latest.Silo, StringComparer.Ordinal)];
    }

    /// <summary>The buckets of the last <paramref name="window"/> (at most <see cref="Horizon"/>), oldest first, empty ones included.</summary>
    public IReadOnlyList<ThroughputBucket> Buckets(TimeSpan window)
    {
        var span = window > Horizon ? Horizon : window;
        var now = timeProvider.GetUtcNow().UtcTicks / BucketWidth.Ticks;
        var first = now - (long)Math.Ceiling(span.Ticks / (double)BucketWidth.Ticks) + 1;
        var buckets = new List<ThroughputBucket>();
        for (var key = first; key <= now; key++)
        {
            _buckets.TryGetValue(key, out var b);
            buckets.Add(new ThroughputBucket(new DateTimeOffset(key * BucketWidth.Ticks, TimeSpan.Zero), b.Units, b.Bytes, b.Audio));
        }

        return buckets;
    }

    private void Prune()
    {
        var now = timeProvider.GetUtcNow();
        var oldest = (now - Horizon).UtcTicks / BucketWidth.Ticks;
        foreach (var key in _buckets.Keys.TakeWhile(k => k < oldest).ToList())
        {
            _buckets.Remove(key);
        }

        foreach (var silo in _silos.Where(s => s.Value.Count == 0 || now - s.Value[^1].At > Horizon).Select(s => s.Key).ToList())
        {
            _silos.Remove(silo);
        }
    }
}
