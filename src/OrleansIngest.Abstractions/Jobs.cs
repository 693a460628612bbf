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
    [property: Id(3)] string PipelineVersion);

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
    [property: Id(6)] string Kind);

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
    /// <summary>Whether the job reached a final phase.</summary>
    public bool IsFinished => Phase is JobPhase.Completed or JobPhase.Failed;
}
