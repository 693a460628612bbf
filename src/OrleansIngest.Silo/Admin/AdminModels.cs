namespace OrleansIngest.Silo.Admin;

/// <summary>Cluster health at a glance.</summary>
/// <param name="SilosUp">Silos that reported within the last 30 s.</param>
/// <param name="SilosTotal">Silos known.</param>
/// <param name="JobsActive">Jobs not finished (running, watching, paused).</param>
/// <param name="UnitsPerSecond">Cluster throughput over the last minute.</param>
/// <param name="BytesPerSecond">Source bytes processed per second over the last minute.</param>
/// <param name="AudioSecondsPerSecond">Audio processed per second of wall time over the last minute.</param>
public sealed record ClusterOverview(int SilosUp, int SilosTotal, int JobsActive, double UnitsPerSecond, double BytesPerSecond, double AudioSecondsPerSecond);

/// <summary>A job in a list.</summary>
/// <param name="JobId">The job id.</param>
/// <param name="Phase"><c>created</c>, <c>discovering</c>, <c>running</c>, <c>watching</c>, <c>paused</c>, <c>completed</c>, <c>cancelled</c>, <c>failed</c>.</param>
/// <param name="Kind"><c>batch</c> or <c>continuous</c>.</param>
/// <param name="Source">Source root.</param>
/// <param name="Output">Output root.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="CompletedAt">When it finished, if it did.</param>
/// <param name="Units">Units discovered.</param>
/// <param name="Pending">Units waiting.</param>
/// <param name="Leased">Units being processed.</param>
/// <param name="Committed">Units committed.</param>
/// <param name="Quarantined">Units quarantined.</param>
/// <param name="BytesDone">Source bytes of settled units.</param>
/// <param name="BytesTotal">Source bytes of all units.</param>
public sealed record JobSummary(
    string JobId,
    string Phase,
    string Kind,
    string Source,
    string Output,
    DateTimeOffset StartedAt,
    DateTimeOffset? CompletedAt,
    int Units,
    int Pending,
    int Leased,
    int Committed,
    int Quarantined,
    long BytesDone,
    long BytesTotal);

/// <summary>One job in detail.</summary>
/// <param name="Summary">The job's list entry.</param>
/// <param name="AudioSegments">Audio rows written.</param>
/// <param name="AudioSeconds">Audio processed.</param>
/// <param name="SensorWindows">Sensor rows written.</param>
/// <param name="Error">Why it failed, if it did.</param>
/// <param name="UnitsPerSecond">Units settled per second over the last minute.</param>
/// <param name="EtaSeconds">Remaining bytes at the recent byte rate; null when unknown or finished.</param>
/// <param name="CommitLatency">Arrival → commit latency of units with an arrival time (continuous jobs).</param>
/// <param name="Subscription">A continuous job's events and listings; null for a batch job.</param>
/// <param name="SiloShares">Units committed per silo (from the commit logs' writers).</param>
/// <param name="RecentCommits">The latest commits of the job's tables, newest first.</param>
/// <param name="PipelineVersion">The pipeline's lineage version.</param>
public sealed record JobDetail(
    JobSummary Summary,
    long AudioSegments,
    double AudioSeconds,
    long SensorWindows,
    string? Error,
    double UnitsPerSecond,
    double? EtaSeconds,
    LatencyView CommitLatency,
    SubscriptionView? Subscription,
    IReadOnlyList<SiloShare> SiloShares,
    IReadOnlyList<RecentCommit> RecentCommits,
    string PipelineVersion);

/// <summary>Latency percentiles in seconds; null without samples.</summary>
public sealed record LatencyView(long Samples, double? P50Seconds, double? P95Seconds);

/// <summary>A continuous job's events and listings.</summary>
public sealed record SubscriptionView(
    string Versions,
    double ReconcileIntervalSeconds,
    bool Unsubscribed,
    long Events,
    long Enqueued,
    long Duplicates,
    long Stale,
    long Deletions,
    long Unrouted,
    long Superseded,
    int Listings,
    long FoundByListing,
    DateTimeOffset? LastListingAt);

/// <summary>How much of a job one silo committed.</summary>
public sealed record SiloShare(string Silo, int Units, long Rows);

/// <summary>One commit of a data file.</summary>
public sealed record RecentCommit(string Table, long Sequence, string FileName, int Units, long Rows, long Bytes, string Writer, DateTimeOffset CommittedAt);

/// <summary>Starts a job.</summary>
/// <param name="Source">Source folder or blob URL.</param>
/// <param name="Output">Output folder or blob URL.</param>
/// <param name="Pipeline">Pipeline definition (JSON or YAML text); null: the default.</param>
/// <param name="JobId">Job id; null: generated.</param>
/// <param name="Continuous">A subscription rather than a one-off listing.</param>
/// <param name="Versions"><c>all</c> or <c>latest</c> (continuous only).</param>
/// <param name="ReconcileIntervalSeconds">Seconds between full listings (continuous only); null: hourly.</param>
public sealed record StartJobRequest(string Source, string Output, string? Pipeline, string? JobId, bool Continuous, string? Versions, double? ReconcileIntervalSeconds);

/// <summary>A page of a job's units.</summary>
public sealed record UnitPage(IReadOnlyList<UnitView> Units, int Total);

/// <summary>One unit and where it is.</summary>
public sealed record UnitView(string UnitId, string SourceUri, string Table, string State, int Attempts, string? LastError);

/// <summary>A quarantined unit and why.</summary>
public sealed record QuarantineItem(string Table, string UnitId, string SourceUri, string SourceETag, string Reason, DateTimeOffset? QuarantinedAt);

/// <summary>What a retry did.</summary>
/// <param name="Released">Quarantine entries released in the logs.</param>
/// <param name="Requeued">Units queued again in the job.</param>
public sealed record RetryResult(int Released, int Requeued);

/// <summary>One table of an output.</summary>
public sealed record TableView(string Name, int Files, long Rows, long Bytes, int CommittedUnits, int QuarantinedUnits, DateTimeOffset? LastCommitAt);

/// <summary>One silo.</summary>
/// <param name="Name">Silo name (the writer name in commit logs).</param>
/// <param name="Address">Silo endpoint.</param>
/// <param name="Status"><c>active</c>, <c>joining</c>, <c>stale</c> (no report for 30 s), <c>dead</c>.</param>
/// <param name="Cores">Cores it advertises (processor count unless configured).</param>
/// <param name="Lanes">Units it processes at once (lanes × weight).</param>
/// <param name="ExecutionProvider">Where each model runs, e.g. <c>silero_vad=cpu; sensor_anomaly=cpu</c>.</param>
/// <param name="UnitsInFlight">Units it holds leases on now.</param>
/// <param name="UnitsPerSecond">Units settled per second over the last minute.</param>
/// <param name="BytesPerSecond">Source bytes per second over the last minute.</param>
/// <param name="LastSeen">Its last report.</param>
/// <param name="GpuCount">GPUs it advertises (detected with <c>nvidia-smi</c> or configured under <c>Capacity</c>).</param>
/// <param name="GpuMemoryMiB">Their memory together, in MiB.</param>
/// <param name="GpuName">Name of its first GPU; empty without one or when the count is configured.</param>
/// <param name="Weight">Its capacity weight: <paramref name="Lanes"/> are its configured lanes × this.</param>
/// <param name="VadMaxBatch">Streams its VAD advances per model call; 0 when it did not report one.</param>
public sealed record SiloView(
    string Name,
    string Address,
    string Status,
    int Cores,
    int Lanes,
    string ExecutionProvider,
    int UnitsInFlight,
    double UnitsPerSecond,
    double BytesPerSecond,
    DateTimeOffset? LastSeen,
    int GpuCount = 0,
    long GpuMemoryMiB = 0,
    string GpuName = "",
    double Weight = 1,
    int VadMaxBatch = 0);

/// <summary>Cluster throughput in one 5 s bucket.</summary>
public sealed record ThroughputPoint(DateTimeOffset At, double UnitsPerSecond, double BytesPerSecond, double AudioSecondsPerSecond);

/// <summary>A preview of a table: its tier and first rows (column → value text; list columns as their length).</summary>
public sealed record TableSample(string Table, string Sensitivity, IReadOnlyList<IReadOnlyDictionary<string, string?>> Rows);
