using Microsoft.Extensions.Logging;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Events;
using OrleansIngest.Storage;

namespace OrleansIngest.Silo.Events;

/// <summary>
/// The silo's <see cref="IBlobEventSink"/>: routes each event to the continuous jobs whose source root is a prefix of
/// its URL (the job places it exactly and may still find it outside) and returns once every job has made its units
/// durable. The subscription list is cached briefly; an event that matches none refreshes it first, so a job
/// subscribed a moment ago is not missed.
/// </summary>
public sealed class GrainBlobEventSink(IGrainFactory grains, TimeProvider timeProvider, ILogger<GrainBlobEventSink> logger) : IBlobEventSink
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RefreshAtMostEvery = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private IReadOnlyList<(string JobId, string Prefix)> _subscriptions = [];
    private DateTimeOffset _loadedAt = DateTimeOffset.MinValue;

    /// <inheritdoc />
    public async Task<BlobEventSinkResult> EnqueueAsync(IReadOnlyList<BlobEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            return BlobEventSinkResult.Empty;
        }

        var subscriptions = await GetSubscriptionsAsync(maxAge: CacheFor, cancellationToken);
        if (events.Any(e => !Matches(subscriptions, e.Url).Any()))
        {
            subscriptions = await GetSubscriptionsAsync(maxAge: RefreshAtMostEvery, cancellationToken);
        }

        var byJob = new Dictionary<string, List<BlobEventRecord>>(StringComparer.Ordinal);
        var unmatched = 0;
        foreach (var blobEvent in events)
        {
            var matched = false;
            foreach (var jobId in Matches(subscriptions, blobEvent.Url))
            {
                matched = true;
                if (!byJob.TryGetValue(jobId, out var list))
                {
                    byJob[jobId] = list = [];
                }

                list.Add(new BlobEventRecord(blobEvent.Id, blobEvent.Kind == BlobEventKind.Deleted, blobEvent.Url, blobEvent.ETag, blobEvent.Size, blobEvent.Sequencer, blobEvent.Time));
            }

            if (!matched)
            {
                unmatched++;
            }
        }

        if (unmatched > 0)
        {
            EventSinkLog.Unmatched(logger, unmatched, events.Count);
        }

        var results = await Task.WhenAll(byJob.Select(async job =>
        {
            cancellationToken.ThrowIfCancellationRequested();
            return await grains.GetGrain<IIngestJobGrain>(job.Key).EnqueueEventsAsync(job.Value);
        }));

        // An event two jobs follow counts once: as enqueued if any job enqueued it.
        var total = new BlobEventSinkResult(events.Count, 0, 0, 0, 0, unmatched);
        foreach (var result in results)
        {
            total = total with
            {
                Enqueued = total.Enqueued + result.Enqueued,
                Duplicates = total.Duplicates + result.Duplicates,
                Stale = total.Stale + result.Stale,
                Deletions = total.Deletions + result.Deletions,
                Unrouted = total.Unrouted + result.Unrouted,
            };
        }

        return total;
    }

    /// <summary>The URI prefix of a source root that event URLs are matched against.</summary>
    public static string PrefixOf(string sourceRoot)
    {
        ArgumentNullException.ThrowIfNull(sourceRoot);
        return Locations.Normalize(sourceRoot).TrimEnd('/') + "/";
    }

    private static IEnumerable<string> Matches(IReadOnlyList<(string JobId, string Prefix)> subscriptions, string url) =>
        subscriptions.Where(s => url.StartsWith(s.Prefix, StringComparison.Ordinal)).Select(s => s.JobId);

    private async Task<IReadOnlyList<(string JobId, string Prefix)>> GetSubscriptionsAsync(TimeSpan maxAge, CancellationToken cancellationToken)
    {
        if (timeProvider.GetUtcNow() - _loadedAt < maxAge)
        {
            return _subscriptions;
        }

        await _refresh.WaitAsync(cancellationToken);
        try
        {
            if (timeProvider.GetUtcNow() - _loadedAt >= maxAge)
            {
                var list = await grains.GetGrain<IJobRegistryGrain>(0).GetSubscriptionsAsync();
                _subscriptions = [.. list.Select(s => (s.JobId, PrefixOf(s.SourceRoot)))];
                _loadedAt = timeProvider.GetUtcNow();
            }

            return _subscriptions;
        }
        finally
        {
            _refresh.Release();
        }
    }
}

/// <summary>Event routing log messages (event ids 3100–3149).</summary>
internal static partial class EventSinkLog
{
    [LoggerMessage(3100, LogLevel.Warning, "{Unmatched} of {Events} blob events are under no subscribed source and were dropped")]
    public static partial void Unmatched(ILogger logger, int unmatched, int events);
}
