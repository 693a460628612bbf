using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>Durable part of a job: its definition, the listing checkpoint and the listing counters.</summary>
[GenerateSerializer, Alias("OrleansIngest.IngestJobState")]
public sealed class IngestJobState
{
    [Id(0)] public JobSpec? Spec { get; set; }
    [Id(1)] public DateTimeOffset StartedAt { get; set; }
    [Id(2)] public int Partitions { get; set; }
    [Id(3)] public string? ListingToken { get; set; }

    /// <summary>No listing is in progress (a batch job: its one listing is complete).</summary>
    [Id(4)] public bool ListingDone { get; set; }
    [Id(5)] public int SkippedAlreadyDone { get; set; }
    [Id(6)] public int SkippedNoRoute { get; set; }
    [Id(7)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(8)] public string? Error { get; set; }

    /// <summary>Completed full listings.</summary>
    [Id(9)] public int Listings { get; set; }
    [Id(10)] public DateTimeOffset? LastListingAt { get; set; }
    [Id(11)] public bool Unsubscribed { get; set; }
    [Id(12)] public long FoundByListing { get; set; }
    [Id(13)] public EventCounters Events { get; set; } = new();

    /// <summary>The event deduplicator's memory, least recently observed first (written periodically; forgetting is safe).</summary>
    [Id(14)] public List<SeenVersion> SeenVersions { get; set; } = [];

    /// <summary>Units added by this listing so far (a restart mid-listing keeps counting).</summary>
    [Id(15)] public long FoundThisListing { get; set; }

    /// <summary>Paused by an operator.</summary>
    [Id(16)] public bool Paused { get; set; }

    /// <summary>Cancelled by an operator.</summary>
    [Id(17)] public bool Cancelled { get; set; }
}

/// <summary>Event counters of a continuous job.</summary>
[GenerateSerializer, Alias("OrleansIngest.EventCounters")]
public sealed class EventCounters
{
    [Id(0)] public long Events { get; set; }
    [Id(1)] public long Enqueued { get; set; }
    [Id(2)] public long Duplicates { get; set; }
    [Id(3)] public long Stale { get; set; }
    [Id(4)] public long Deletions { get; set; }
    [Id(5)] public long Unrouted { get; set; }
}

/// <summary>A blob version the event deduplicator remembers.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SeenVersion")]
public sealed record SeenVersion([property: Id(0)] string Url, [property: Id(1)] string ETag, [property: Id(2)] string? Sequencer, [property: Id(3)] long? Size);
