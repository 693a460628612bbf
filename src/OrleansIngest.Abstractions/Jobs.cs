namespace OrleansIngest.Abstractions;

/// <summary>What to ingest, where to, and how.</summary>
/// <param name="SourceRoot">Source folder or container URL.</param>
/// <param name="OutputRoot">Output folder or container URL; each table is a folder below it.</param>
/// <param name="PipelineJson">The pipeline definition as canonical JSON.</param>
/// <param name="PipelineVersion">Lineage version of the pipeline (<c>name@version+hash</c>).</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.JobSpec")]
public sealed record JobSpec(
    [property: Id(0)] string SourceRoot,
    [property: Id(1)] string OutputRoot,
    [property: Id(2)] string PipelineJson,
    [property: Id(3)] string PipelineVersion)
{
    /// <summary>Set for a continuous job (a subscription): it keeps ingesting new blob versions until unsubscribed.</summary>
    [Id(4)]
    public ContinuousSpec? Continuous { get; init; }
}

/// <summary>Which versions of an overwritten blob a continuous job ingests.</summary>
public enum VersionSelection
{
    /// <summary>Every distinct version (URL, ETag) once.</summary>
    All,

    /// <summary>Only the newest version per blob name, ordered by the event sequencer.</summary>
    Latest,
}

/// <summary>How a continuous job follows its source.</summary>
/// <param name="Versions">Which versions of an overwritten blob to ingest.</param>
/// <param name="ReconcileInterval">How often a full listing looks for what events missed.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.ContinuousSpec")]
public sealed record ContinuousSpec([property: Id(0)] VersionSelection Versions, [property: Id(1)] TimeSpan ReconcileInterval)
{
    /// <summary>Default reconciliation interval: hourly.</summary>
    public static readonly TimeSpan DefaultReconcileInterval = TimeSpan.FromHours(1);
}

/// <summary>One unit of work: one blob version routed to one table.</summary>
/// <param name="UnitId">Idempotency key: hash of (source URI, ETag, size).</param>
/// <param name="SourceUri">Absolute URI of the source object.</param>
/// <param name="RelativePath">Path below the source root.</param>
/// <param name="ETag">Version token of the object.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Table">Output table.</param>
/// <param name="Kind">Processing kind: <c>audio</c> or <c>sensor</c>.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.WorkUnit")]
public sealed record WorkUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string SourceUri,
    [property: Id(2)] string RelativePath,
    [property: Id(3)] string ETag,
    [property: Id(4)] long Size,
    [property: Id(5)] string Table,
    [property: Id(6)] string Kind)
{
    /// <summary>
    /// When the blob version arrived (its event time, or its last-modified time when a listing found it after the job
    /// subscribed); null for backfill. The commit latency of the job is measured from it.
    /// </summary>
    [Id(7)]
    public DateTimeOffset? ArrivedAt { get; init; }
}

/// <summary>A unit handed to a worker until <see cref="ExpiresAt"/>.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.WorkLease")]
public sealed record WorkLease(
    [property: Id(0)] WorkUnit Unit,
    [property: Id(1)] long LeaseToken,
    [property: Id(2)] DateTimeOffset ExpiresAt);

/// <summary>How a worker finished with a leased unit.</summary>
public enum UnitOutcomeKind
{
    /// <summary>The unit's rows are in a committed file.</summary>
    Committed,

    /// <summary>The unit is bad input and quarantined in the table's log.</summary>
    Quarantined,

    /// <summary>The worker gives the unit back untouched (its file was rejected or abandoned); not an attempt.</summary>
    Released,

    /// <summary>A fault that may be transient; the unit is retried until the attempt limit, then quarantined.</summary>
    Failed,
}

/// <summary>Result of one leased unit.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.UnitOutcome")]
public sealed record UnitOutcome(
    [property: Id(0)] string UnitId,
    [property: Id(1)] long LeaseToken,
    [property: Id(2)] UnitOutcomeKind Kind,
    [property: Id(3)] string? Reason,
    [property: Id(4)] long Rows,
    [property: Id(5)] double MediaSeconds);

/// <summary>A quarantined unit and why.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.QuarantineRecord")]
public sealed record QuarantineRecord(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string SourceUri,
    [property: Id(2)] string Table,
    [property: Id(3)] string Reason);

/// <summary>Where a job is in its life.</summary>
public enum JobPhase
{
    /// <summary>Created, nothing listed yet.</summary>
    Created,

    /// <summary>Listing the source; units are being added and may already be processed.</summary>
    Discovering,

    /// <summary>Listing done; units are being processed.</summary>
    Running,

    /// <summary>Every unit is committed or quarantined.</summary>
    Completed,

    /// <summary>Discovery failed (e.g. the source does not exist); see <see cref="JobProgress.Error"/>.</summary>
    Failed,

    /// <summary>A continuous job past its first listing: ingesting new blob versions as they arrive, until unsubscribed.</summary>
    Watching,

    /// <summary>Paused by an operator: no unit is handed out; units in flight finish.</summary>
    Paused,

    /// <summary>Cancelled by an operator: pending units were dropped; what was committed stays.</summary>
    Cancelled,
}

/// <summary>A snapshot of a job's progress.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.JobProgress")]
public sealed record JobProgress(
    [property: Id(0)] string JobId,
    [property: Id(1)] JobPhase Phase,
    [property: Id(2)] int Discovered,
    [property: Id(3)] int Pending,
    [property: Id(4)] int Leased,
    [property: Id(5)] int Committed,
    [property: Id(6)] int Quarantined,
    [property: Id(7)] int SkippedAlreadyDone,
    [property: Id(8)] int SkippedNoRoute,
    [property: Id(9)] long AudioSegments,
    [property: Id(10)] double AudioSeconds,
    [property: Id(11)] long BytesDone,
    [property: Id(12)] long BytesTotal,
    [property: Id(13)] IReadOnlyList<QuarantineRecord> QuarantinedUnits,
    [property: Id(14)] DateTimeOffset StartedAt,
    [property: Id(15)] DateTimeOffset? CompletedAt,
    [property: Id(16)] string? Error,
    [property: Id(17)] long SensorWindows)
{
    /// <summary>A continuous job's events and listings; null for a batch job.</summary>
    [Id(18)]
    public SubscriptionProgress? Subscription { get; init; }

    /// <summary>Time from a blob version's arrival to its rows' commit, over the units that have an arrival time.</summary>
    [Id(19)]
    public LatencyHistogram CommitLatency { get; init; } = LatencyHistogram.Empty;

    /// <summary>Whether the job reached a final phase.</summary>
    public bool IsFinished => Phase is JobPhase.Completed or JobPhase.Failed or JobPhase.Cancelled;

    /// <summary>Units settled per second over about the last minute (sampled as progress is read).</summary>
    [Id(20)]
    public double UnitsPerSecond { get; init; }

    /// <summary>Source bytes settled per second over about the last minute.</summary>
    [Id(21)]
    public double BytesPerSecond { get; init; }

    /// <summary>Units committed per silo (the worker that reported them).</summary>
    [Id(22)]
    public IReadOnlyList<SiloUnitCount> SiloShares { get; init; } = [];

    /// <summary>The pipeline's lineage version.</summary>
    [Id(23)]
    public string PipelineVersion { get; init; } = string.Empty;

    /// <summary>The job's source root.</summary>
    [Id(24)]
    public string SourceRoot { get; init; } = string.Empty;

    /// <summary>The job's output root.</summary>
    [Id(25)]
    public string OutputRoot { get; init; } = string.Empty;
}

/// <summary>What a continuous job did with events and reconciliation listings.</summary>
/// <param name="Versions">The version policy.</param>
/// <param name="ReconcileInterval">How often the source is listed in full.</param>
/// <param name="Unsubscribed">Whether the job was ended; it then finishes its pending units and completes.</param>
/// <param name="Events">Events received.</param>
/// <param name="Enqueued">Events that added a unit.</param>
/// <param name="Duplicates">Events for a version already seen, pending or ingested.</param>
/// <param name="Stale">Events older than a version already seen (under <see cref="VersionSelection.Latest"/>).</param>
/// <param name="Deletions">BlobDeleted events (recorded, ignored).</param>
/// <param name="Unrouted">Events outside the source, in the output folder, or matching no route.</param>
/// <param name="Superseded">Pending units cancelled because a newer version arrived (under <see cref="VersionSelection.Latest"/>).</param>
/// <param name="Listings">Completed full listings (the first one, the backfill, included).</param>
/// <param name="FoundByListing">Units that a listing after the first found and events had not delivered.</param>
/// <param name="LastListingAt">When the last full listing completed.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SubscriptionProgress")]
public sealed record SubscriptionProgress(
    [property: Id(0)] VersionSelection Versions,
    [property: Id(1)] TimeSpan ReconcileInterval,
    [property: Id(2)] bool Unsubscribed,
    [property: Id(3)] long Events,
    [property: Id(4)] long Enqueued,
    [property: Id(5)] long Duplicates,
    [property: Id(6)] long Stale,
    [property: Id(7)] long Deletions,
    [property: Id(8)] long Unrouted,
    [property: Id(9)] long Superseded,
    [property: Id(10)] int Listings,
    [property: Id(11)] long FoundByListing,
    [property: Id(12)] DateTimeOffset? LastListingAt);

/// <summary>A continuous job and the source it follows, as event receivers route by.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SubscriptionInfo")]
public sealed record SubscriptionInfo([property: Id(0)] string JobId, [property: Id(1)] string SourceRoot);

/// <summary>A blob event on its way from a receiver to a job (see <c>OrleansIngest.Processing.Events.BlobEvent</c>).</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.BlobEventRecord")]
public sealed record BlobEventRecord(
    [property: Id(0)] string Id,
    [property: Id(1)] bool Deleted,
    [property: Id(2)] string Url,
    [property: Id(3)] string? ETag,
    [property: Id(4)] long? Size,
    [property: Id(5)] string? Sequencer,
    [property: Id(6)] DateTimeOffset Time);

/// <summary>What a job did with a batch of events.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.EventEnqueueResult")]
public sealed record EventEnqueueResult(
    [property: Id(0)] int Events,
    [property: Id(1)] int Enqueued,
    [property: Id(2)] int Duplicates,
    [property: Id(3)] int Stale,
    [property: Id(4)] int Deletions,
    [property: Id(5)] int Unrouted);

/// <summary>Units a silo committed for a job, and their rows.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SiloUnitCount")]
public sealed record SiloUnitCount([property: Id(0)] string Silo, [property: Id(1)] int Units, [property: Id(2)] long Rows);

/// <summary>One unit of a job and where it is.</summary>
/// <param name="UnitId">The unit id.</param>
/// <param name="SourceUri">The blob version's URI.</param>
/// <param name="Table">Its output table.</param>
/// <param name="State"><c>pending</c>, <c>leased</c>, <c>committed</c>, <c>quarantined</c> or <c>superseded</c>.</param>
/// <param name="Attempts">Failed attempts so far.</param>
/// <param name="LastError">The last failure, or the quarantine reason.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.UnitStatus")]
public sealed record UnitStatus(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string SourceUri,
    [property: Id(2)] string Table,
    [property: Id(3)] string State,
    [property: Id(4)] int Attempts,
    [property: Id(5)] string? LastError);

/// <summary>A page of a job's units in one state, ordered by source URI, and how many there are in all.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.UnitListing")]
public sealed record UnitListing([property: Id(0)] IReadOnlyList<UnitStatus> Units, [property: Id(1)] int Total);

/// <summary>Job ids: sortable by time, unique.</summary>
public static class JobIds
{
    /// <summary>A new id: <c>job-yyyyMMddHHmmss-</c> and random hex, 32 characters.</summary>
    public static string New() => $"job-{DateTime.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid():N}"[..32];
}
