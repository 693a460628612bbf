namespace OrleansIngest.Processing.Events;

/// <summary>
/// Where event receivers (the Event Grid webhook, the Storage Queue consumer, the local folder watcher) hand blob events.
/// <see cref="EnqueueAsync"/> returns only once the events are durable (the units they name are persisted in their jobs'
/// partitions, or were found to be duplicates or already ingested), so a receiver acknowledges its sender only after it
/// returns, and a receiver whose call throws leaves the events with the sender to be delivered again.
/// </summary>
public interface IBlobEventSink
{
    /// <summary>Routes <paramref name="events"/> to the continuous jobs whose source holds them and makes them durable.</summary>
    /// <param name="events">Parsed events, duplicates and deletions included (the sink counts and drops them).</param>
    /// <param name="cancellationToken">Cancels the call; events not yet durable are then left to redelivery.</param>
    Task<BlobEventSinkResult> EnqueueAsync(IReadOnlyList<BlobEvent> events, CancellationToken cancellationToken = default);
}

/// <summary>What a sink did with a batch of events.</summary>
/// <param name="Events">Events in the batch.</param>
/// <param name="Enqueued">Events that added a new unit to a job.</param>
/// <param name="Duplicates">Events for a version already seen, pending or ingested (redeliveries, a second route).</param>
/// <param name="Stale">Events for a version older than one already seen (under the <c>latest</c> policy).</param>
/// <param name="Deletions">BlobDeleted events, recorded and ignored.</param>
/// <param name="Unrouted">Events under no continuous job's source, or whose path no pipeline route matches.</param>
public sealed record BlobEventSinkResult(int Events, int Enqueued, int Duplicates, int Stale, int Deletions, int Unrouted)
{
    /// <summary>The sum of two results.</summary>
    public static BlobEventSinkResult operator +(BlobEventSinkResult left, BlobEventSinkResult right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        return new BlobEventSinkResult(
            left.Events + right.Events, left.Enqueued + right.Enqueued, left.Duplicates + right.Duplicates,
            left.Stale + right.Stale, left.Deletions + right.Deletions, left.Unrouted + right.Unrouted);
    }

    /// <summary>No events.</summary>
    public static BlobEventSinkResult Empty { get; } = new(0, 0, 0, 0, 0, 0);
}
