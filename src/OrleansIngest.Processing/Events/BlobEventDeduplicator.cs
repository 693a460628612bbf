namespace OrleansIngest.Processing.Events;

/// <summary>Which versions of an overwritten blob a continuous job ingests.</summary>
public enum VersionPolicy
{
    /// <summary>Every distinct version (URL, ETag) once.</summary>
    All,

    /// <summary>Only the newest version per URL, ordered by the event sequencer; older versions are dropped or superseded.</summary>
    Latest,
}

/// <summary>What the deduplicator made of one event.</summary>
public enum BlobEventOutcome
{
    /// <summary>A version not seen before (under <see cref="VersionPolicy.Latest"/>: newer than any seen): ingest it.</summary>
    NewVersion,

    /// <summary>The same version again (a redelivery, or a second route): drop it.</summary>
    Duplicate,

    /// <summary>Under <see cref="VersionPolicy.Latest"/>, a version older than one already seen arrived late: drop it.</summary>
    Stale,

    /// <summary>A deletion: recorded by the caller, ignored for ingestion (data already ingested stays).</summary>
    DeleteIgnored,
}

/// <summary>One version the deduplicator remembers; also the element of its snapshot.</summary>
/// <param name="Url">The blob URL.</param>
/// <param name="ETag">The version's ETag.</param>
/// <param name="Sequencer">The version's event sequencer, when its event had one.</param>
public sealed record ObservedBlobVersion(string Url, string ETag, string? Sequencer)
{
    /// <summary>The version's length in bytes, when its event gave it (with the URL and ETag it names the version's unit).</summary>
    public long? Size { get; init; }
}

/// <summary>The decision for one event.</summary>
/// <param name="Outcome">What to do with the event.</param>
/// <param name="Event">The event decided on.</param>
/// <param name="Superseded">
/// Under <see cref="VersionPolicy.Latest"/>, with <see cref="BlobEventOutcome.NewVersion"/>: the version this one
/// replaces, which the caller cancels if its unit is still pending. Null otherwise.
/// </param>
public sealed record BlobEventDecision(BlobEventOutcome Outcome, BlobEvent Event, ObservedBlobVersion? Superseded);

/// <summary>The decisions for a batch of events.</summary>
/// <param name="NewVersions">
/// The versions to ingest, in arrival order. Under <see cref="VersionPolicy.Latest"/> at most one per URL: a version
/// superseded within the same batch never leaves it.
/// </param>
/// <param name="Superseded">
/// Under <see cref="VersionPolicy.Latest"/>, versions returned by earlier batches that this batch superseded: cancel
/// their units if still pending.
/// </param>
/// <param name="Decisions">Every event's decision, in arrival order (for counters and logs).</param>
public sealed record BlobEventBatchResult(IReadOnlyList<BlobEvent> NewVersions, IReadOnlyList<ObservedBlobVersion> Superseded, IReadOnlyList<BlobEventDecision> Decisions);

/// <summary>The deduplicator's state as plain data, to persist in a grain's state and restore after a restart.</summary>
/// <param name="Policy">The version policy.</param>
/// <param name="Capacity">The most versions remembered.</param>
/// <param name="Versions">The remembered versions, least recently observed first (the eviction order).</param>
public sealed record BlobEventDeduplicatorSnapshot(VersionPolicy Policy, int Capacity, IReadOnlyList<ObservedBlobVersion> Versions);

/// <summary>
/// Collapses at-least-once, unordered blob events into the versions to ingest. Versions are identified by
/// (URL, ETag): an overwrite has a new ETag and is a new version. Under <see cref="VersionPolicy.All"/> each version is
/// returned once; under <see cref="VersionPolicy.Latest"/> only a version newer (by <see cref="BlobSequencer"/>) than
/// every version seen for its URL is returned, so a late older event after a newer one is dropped. Events without a
/// sequencer cannot be ordered and count as newer when their ETag differs. Deletions change nothing.
/// </summary>
/// <remarks>
/// Memory is bounded by <see cref="Capacity"/> remembered versions (one per URL under Latest); past it the version
/// observed least recently is forgotten. Forgetting is safe: a forgotten version that is delivered again is returned
/// again, and its unit id — the hash of (URL, ETag, size) — collapses it in the job and the commit log, so it is still
/// ingested once; under Latest a forgotten older version can no longer be read anyway, because units are read with
/// <c>If-Match: ETag</c> and an overwritten blob answers 412 (the unit is dropped as changed). Eviction costs only
/// the redundant work of looking at a redelivered version again. Not thread-safe: one owner (a grain) calls it.
/// </remarks>
public sealed class BlobEventDeduplicator
{
    /// <summary>Default of <see cref="Capacity"/>: 100,000 versions (a few tens of MB at most).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly Dictionary<string, LinkedListNode<ObservedBlobVersion>> _index = new(StringComparer.Ordinal);
    private readonly LinkedList<ObservedBlobVersion> _recency = new();

    /// <summary>Creates an empty deduplicator.</summary>
    /// <param name="policy">Which versions to return.</param>
    /// <param name="capacity">The most versions remembered (positive).</param>
    public BlobEventDeduplicator(VersionPolicy policy, int capacity = DefaultCapacity)
    {
        if (!Enum.IsDefined(policy))
        {
            throw new ArgumentOutOfRangeException(nameof(policy), policy, "Unknown version policy.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        Policy = policy;
        Capacity = capacity;
    }

    /// <summary>Which versions are returned.</summary>
    public VersionPolicy Policy { get; }

    /// <summary>The most versions remembered.</summary>
    public int Capacity { get; }

    /// <summary>How many versions are remembered now.</summary>
    public int Count => _index.Count;

    /// <summary>How many versions were forgotten to stay within <see cref="Capacity"/> since creation or restore.</summary>
    public long Evictions { get; private set; }

    /// <summary>Rebuilds a deduplicator from <paramref name="snapshot"/>.</summary>
    public static BlobEventDeduplicator Restore(BlobEventDeduplicatorSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        ArgumentNullException.ThrowIfNull(snapshot.Versions);
        var deduplicator = new BlobEventDeduplicator(snapshot.Policy, snapshot.Capacity);
        foreach (var version in snapshot.Versions)
        {
            ArgumentNullException.ThrowIfNull(version);
            deduplicator.Remember(version);
        }

        return deduplicator;
    }

    /// <summary>The state as plain data, least recently observed version first.</summary>
    public BlobEventDeduplicatorSnapshot CreateSnapshot() => new(Policy, Capacity, [.. _recency]);

    /// <summary>Decides on one event and remembers its version.</summary>
    public BlobEventDecision Observe(BlobEvent blobEvent)
    {
        ArgumentNullException.ThrowIfNull(blobEvent);
        if (blobEvent.Kind == BlobEventKind.Deleted)
        {
            return new BlobEventDecision(BlobEventOutcome.DeleteIgnored, blobEvent, null);
        }

        if (string.IsNullOrEmpty(blobEvent.ETag))
        {
            throw new ArgumentException("A created blob's event must carry its ETag.", nameof(blobEvent));
        }

        var version = new ObservedBlobVersion(blobEvent.Url, blobEvent.ETag, blobEvent.Sequencer) { Size = blobEvent.Size };
        return Policy == VersionPolicy.All ? ObserveAll(blobEvent, version) : ObserveLatest(blobEvent, version);
    }

    /// <summary>Decides on a batch of events in order; see <see cref="BlobEventBatchResult"/>.</summary>
    public BlobEventBatchResult ObserveBatch(IReadOnlyList<BlobEvent> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var decisions = new List<BlobEventDecision>(events.Count);
        var newVersions = new List<BlobEvent?>();
        var superseded = new List<ObservedBlobVersion>();
        var slotByUrl = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var blobEvent in events)
        {
            var decision = Observe(blobEvent);
            decisions.Add(decision);
            if (decision.Outcome != BlobEventOutcome.NewVersion)
            {
                continue;
            }

            if (decision.Superseded is { } old)
            {
                if (slotByUrl.Remove(old.Url, out var slot))
                {
                    // Superseded before it left the batch: the caller never sees it.
                    newVersions[slot] = null;
                }
                else
                {
                    superseded.Add(old);
                }
            }

            if (Policy == VersionPolicy.Latest)
            {
                slotByUrl[blobEvent.Url] = newVersions.Count;
            }

            newVersions.Add(blobEvent);
        }

        return new BlobEventBatchResult([.. newVersions.OfType<BlobEvent>()], superseded, decisions);
    }

    private BlobEventDecision ObserveAll(BlobEvent blobEvent, ObservedBlobVersion version)
    {
        if (_index.TryGetValue(KeyOf(version), out var node))
        {
            Touch(node);
            return new BlobEventDecision(BlobEventOutcome.Duplicate, blobEvent, null);
        }

        Remember(version);
        return new BlobEventDecision(BlobEventOutcome.NewVersion, blobEvent, null);
    }

    private BlobEventDecision ObserveLatest(BlobEvent blobEvent, ObservedBlobVersion version)
    {
        if (!_index.TryGetValue(KeyOf(version), out var node))
        {
            Remember(version);
            return new BlobEventDecision(BlobEventOutcome.NewVersion, blobEvent, null);
        }

        var current = node.Value;
        if (string.Equals(current.ETag, version.ETag, StringComparison.Ordinal))
        {
            Touch(node);
            return new BlobEventDecision(BlobEventOutcome.Duplicate, blobEvent, null);
        }

        // Sequencers are unique per write of a name, so a different ETag at an equal or lower sequencer is older.
        if (current.Sequencer is { } seen && version.Sequencer is { } arriving && BlobSequencer.Compare(arriving, seen) <= 0)
        {
            Touch(node);
            return new BlobEventDecision(BlobEventOutcome.Stale, blobEvent, null);
        }

        node.Value = version;
        Touch(node);
        return new BlobEventDecision(BlobEventOutcome.NewVersion, blobEvent, current);
    }

    private void Remember(ObservedBlobVersion version)
    {
        var key = KeyOf(version);
        if (_index.Remove(key, out var existing))
        {
            _recency.Remove(existing);
        }

        _index[key] = _recency.AddLast(version);
        while (_index.Count > Capacity)
        {
            var oldest = _recency.First!;
            _recency.RemoveFirst();
            _index.Remove(KeyOf(oldest.Value));
            Evictions++;
        }
    }

    private void Touch(LinkedListNode<ObservedBlobVersion> node)
    {
        _recency.Remove(node);
        _recency.AddLast(node);
    }

    // Under Latest one entry per URL holds its newest version; under All one entry per version.
    private string KeyOf(ObservedBlobVersion version) =>
        Policy == VersionPolicy.Latest ? version.Url : string.Concat(version.Url, "\n", version.ETag);
}
