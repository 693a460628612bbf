using Orleans.Concurrency;

namespace OrleansIngest.Abstractions;

/// <summary>
/// One ingest job: lists its source page by page (checkpointing the continuation token), spreads the units over
/// its partitions, and reports progress summed over them. Keyed by job id.
/// </summary>
[Alias("OrleansIngest.IIngestJobGrain")]
public interface IIngestJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job (idempotent for the same spec): discovery runs in the background.</summary>
    [Alias("Start")]
    Task StartAsync(JobSpec spec);

    /// <summary>What workers need to pull units: the spec and the partition count; null when the job is unknown.</summary>
    [Alias("GetWork")]
    Task<JobWork?> GetWorkAsync();

    /// <summary>The job's definition.</summary>
    [Alias("GetSpec")]
    Task<JobSpec?> GetSpecAsync();

    /// <summary>Progress summed over the partitions; marks the job completed once listing is done and all units settled.</summary>
    [Alias("GetProgress")]
    Task<JobProgress> GetProgressAsync();

    /// <summary>
    /// Takes blob events for a continuous job: deduplicates them, routes each new version to a unit and persists the units
    /// in their partitions before returning. Events for a job that is not (or no longer) continuous count as unrouted.
    /// </summary>
    [Alias("EnqueueEvents")]
    Task<EventEnqueueResult> EnqueueEventsAsync(IReadOnlyList<BlobEventRecord> events);

    /// <summary>
    /// Asks a continuous job for a full listing now (one already running counts). Returns the number the listing will
    /// have in <see cref="SubscriptionProgress.Listings"/> once it completes.
    /// </summary>
    [Alias("Reconcile")]
    Task<int> ReconcileAsync();

    /// <summary>Ends a continuous job: no new events or listings; it completes once its pending units are settled.</summary>
    [Alias("Unsubscribe")]
    Task UnsubscribeAsync();

    /// <summary>Pauses (true) or resumes (false) handing out the job's units; units in flight finish.</summary>
    [Alias("SetPaused")]
    Task SetPausedAsync(bool paused);

    /// <summary>Cancels the job: pending units are dropped, a subscription ends; what was committed stays.</summary>
    [Alias("Cancel")]
    Task CancelAsync();

    /// <summary>
    /// Queues released quarantined units again: the partitions reopen those they know, and a listing finds the rest
    /// (their versions are no longer settled in the log). A completed batch job runs again. Returns the units reopened.
    /// </summary>
    [Alias("Requeue")]
    Task<int> RequeueAsync(IReadOnlyList<string> unitIds);

    /// <summary>The job's units in <paramref name="state"/> (null: all), ordered by source URI.</summary>
    [Alias("ListUnits")]
    Task<UnitListing> ListUnitsAsync(string? state, int skip, int take);
}

/// <summary>A job as workers see it.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.JobWork")]
public sealed record JobWork([property: Id(0)] JobSpec Spec, [property: Id(1)] int Partitions);

/// <summary>Where a partition's quarantines go.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.PartitionContext")]
public sealed record PartitionContext([property: Id(0)] string OutputRoot, [property: Id(1)] string PipelineVersion);

/// <summary>Counters of one partition.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.PartitionCounts")]
public sealed record PartitionCounts(
    [property: Id(0)] int Units,
    [property: Id(1)] int Pending,
    [property: Id(2)] int Leased,
    [property: Id(3)] int Committed,
    [property: Id(4)] long AudioSegments,
    [property: Id(5)] double AudioSeconds,
    [property: Id(6)] long SensorWindows,
    [property: Id(7)] long BytesDone,
    [property: Id(8)] long BytesTotal,
    [property: Id(9)] IReadOnlyList<QuarantineRecord> Quarantined)
{
    /// <summary>Time from arrival to commit of the partition's committed units that have an arrival time.</summary>
    [Id(10)]
    public LatencyHistogram CommitLatency { get; init; } = LatencyHistogram.Empty;

    /// <summary>Pending units cancelled because a newer version of their blob arrived.</summary>
    [Id(11)]
    public int Superseded { get; init; }

    /// <summary>Units committed per silo.</summary>
    [Id(12)]
    public IReadOnlyList<SiloUnitCount> SiloShares { get; init; } = [];
}

/// <summary>
/// A slice of a job's units (by unit id hash) with their leases, attempts and outcomes. Unsettled units are
/// persisted, so a partition survives the loss of its silo; leases are not (an unfinished lease is re-leased,
/// and the commit protocol rejects a duplicate). Keyed by <c>{jobId}/{index}</c>.
/// </summary>
[Alias("OrleansIngest.IJobPartitionGrain")]
public interface IJobPartitionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds units (duplicates collapse on the unit id) and persists them before returning. Returns how many were new.
    /// </summary>
    [Alias("AddUnits")]
    Task<int> AddUnitsAsync(PartitionContext context, IReadOnlyList<WorkUnit> units);

    /// <summary>Stops (true) or restarts (false) handing out units, for a paused or cancelled job.</summary>
    [Alias("SetPaused")]
    Task SetPausedAsync(bool paused);

    /// <summary>Reopens quarantined units it knows (pending again, attempts kept); returns how many.</summary>
    [Alias("Reopen")]
    Task<int> ReopenAsync(IReadOnlyList<string> unitIds);

    /// <summary>Its units in <paramref name="state"/> (null: all), ordered by source URI: the first <paramref name="take"/> after <paramref name="skip"/>.</summary>
    [Alias("ListUnits")]
    Task<UnitListing> ListUnitsAsync(string? state, int skip, int take);

    /// <summary>Cancels pending units whose blob has a newer version (see the <c>latest</c> policy); returns how many.</summary>
    [Alias("Supersede")]
    Task<int> SupersedeAsync(IReadOnlyList<string> unitIds);

    /// <summary>Leases up to <paramref name="maxUnits"/> pending units.</summary>
    [Alias("Lease")]
    Task<IReadOnlyList<WorkLease>> LeaseAsync(string workerId, int maxUnits);

    /// <summary>Reports what a worker did with leased units.</summary>
    [Alias("Report")]
    Task ReportAsync(string workerId, IReadOnlyList<UnitOutcome> outcomes);

    /// <summary>Counters and quarantined units.</summary>
    [Alias("GetCounts")]
    Task<PartitionCounts> GetCountsAsync();

    /// <summary>
    /// The lease check of a commit, called by a table's commit grain just before it logs a file: confirms that
    /// <paramref name="writer"/> still holds each claimed lease and holds them for the commit (a unit that is pending
    /// again, as after this partition restarted, is taken back by the claimant). Interleaves, because the commit
    /// grain may call it while this partition waits on that commit grain.
    /// </summary>
    [Alias("Fence"), AlwaysInterleave]
    Task<LeaseFenceResult> FenceAsync(string writer, IReadOnlyList<LeaseClaim> claims);
}

/// <summary>A writer's claim to hold a unit's lease.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.LeaseClaim")]
public sealed record LeaseClaim([property: Id(0)] string UnitId, [property: Id(1)] long LeaseToken);

/// <summary>Result of a lease check: the claims that failed, and how long the others are held.</summary>
/// <param name="Lost">Units whose lease the claimant does not hold (taken over, settled, or unknown).</param>
/// <param name="HeldFor">How long, from the check, the held leases cannot be taken over.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.LeaseFenceResult")]
public sealed record LeaseFenceResult([property: Id(0)] IReadOnlyList<string> Lost, [property: Id(1)] TimeSpan HeldFor);

/// <summary>Maps units to partitions.</summary>
public static class JobPartitions
{
    /// <summary>The partition of a unit: its hex id's first 8 digits modulo the partition count.</summary>
    public static int Of(string unitId, int partitions)
    {
        ArgumentNullException.ThrowIfNull(unitId);
        var hash = uint.Parse(unitId.AsSpan(0, 8), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
        return (int)(hash % (uint)partitions);
    }

    /// <summary>The key of partition <paramref name="index"/> of job <paramref name="jobId"/>.</summary>
    public static string Key(string jobId, int index) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{jobId}/{index}");
}

/// <summary>The cluster's list of jobs that have work (singleton, key 0). Workers poll it.</summary>
[Alias("OrleansIngest.IJobRegistryGrain")]
public interface IJobRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Adds a job to the active list.</summary>
    [Alias("Register")]
    Task RegisterAsync(string jobId);

    /// <summary>Removes a finished job from the active list.</summary>
    [Alias("Unregister")]
    Task UnregisterAsync(string jobId);

    /// <summary>Jobs that may have work.</summary>
    [Alias("GetActive")]
    Task<IReadOnlyList<string>> GetActiveJobsAsync();

    /// <summary>Records a continuous job and its source, so event receivers route to it.</summary>
    [Alias("Subscribe")]
    Task SubscribeAsync(SubscriptionInfo subscription);

    /// <summary>Stops routing events to a job.</summary>
    [Alias("Unsubscribe")]
    Task UnsubscribeAsync(string jobId);

    /// <summary>The continuous jobs events are routed to.</summary>
    [Alias("GetSubscriptions")]
    Task<IReadOnlyList<SubscriptionInfo>> GetSubscriptionsAsync();

    /// <summary>Every job registered since the registry's state began, finished ones included, oldest first.</summary>
    [Alias("GetAll")]
    Task<IReadOnlyList<string>> GetAllJobsAsync();
}

/// <summary>A unit whose rows are in a file being committed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.CommittedUnit")]
public sealed record CommittedUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string SourceUri,
    [property: Id(2)] string ETag,
    [property: Id(3)] long Size,
    [property: Id(4)] long Rows,
    [property: Id(5)] double MediaSeconds,
    [property: Id(6)] long LeaseToken);

/// <summary>A staged data file to commit to a table, with the job whose leases its units are held under.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.FileCommit")]
public sealed record FileCommit(
    [property: Id(0)] string FileName,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Bytes,
    [property: Id(3)] IReadOnlyList<CommittedUnit> Units,
    [property: Id(4)] string Writer,
    [property: Id(5)] string PipelineVersion,
    [property: Id(6)] string JobId,
    [property: Id(7)] int Partitions)
{
    /// <summary>For an encrypted file: the key-encryption key that wrapped its data key.</summary>
    [Id(8)] public string? KeyId { get; init; }
}

/// <summary>
/// Result of a file commit: committed, or rejected because some units were committed already or because the
/// writer no longer held some units' leases.
/// </summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.FileCommitResult")]
public sealed record FileCommitResult(
    [property: Id(0)] bool Committed,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IReadOnlyList<string> AlreadyCommittedUnits,
    [property: Id(3)] IReadOnlyList<string> LostLeases);

/// <summary>A unit to quarantine in a table's log.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.UnitQuarantine")]
public sealed record UnitQuarantine(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string SourceUri,
    [property: Id(2)] string ETag,
    [property: Id(3)] string Reason);

/// <summary>
/// The single writer of one table's commit log. Keyed by <c>{outputRoot}|{table}</c> (see <see cref="TableKey"/>).
/// </summary>
[Alias("OrleansIngest.ITableCommitGrain")]
public interface ITableCommitGrain : IGrainWithStringKey
{
    /// <summary>
    /// Commits a staged file (lease check, put-if-absent log entry, then publish), or rejects it whole when a unit
    /// is already committed or its lease was taken over.
    /// </summary>
    [Alias("CommitFile")]
    Task<FileCommitResult> CommitFileAsync(FileCommit commit);

    /// <summary>Records quarantined units in the log.</summary>
    [Alias("Quarantine")]
    Task QuarantineAsync(IReadOnlyList<UnitQuarantine> units, string writer, string pipelineVersion);
}

/// <summary>Builds and splits commit grain keys.</summary>
public static class TableKey
{
    /// <summary>The key of the commit grain of <paramref name="table"/> under <paramref name="outputRoot"/>.</summary>
    public static string Of(string outputRoot, string table) => $"{outputRoot}|{table}";

    /// <summary>Splits a key made by <see cref="Of"/>.</summary>
    public static (string OutputRoot, string Table) Parse(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var bar = key.LastIndexOf('|');
        if (bar <= 0)
        {
            throw new ArgumentException($"'{key}' is not a table key.", nameof(key));
        }

        return (key[..bar], key[(bar + 1)..]);
    }
}

/// <summary>What a silo's worker reports every few seconds: who it is and its cumulative work.</summary>
/// <param name="Silo">Silo name (the writer name in commit logs).</param>
/// <param name="Address">Silo endpoint.</param>
/// <param name="Cores">Processor count.</param>
/// <param name="Lanes">Units it processes at once.</param>
/// <param name="ExecutionProvider">Where its inference runs (<c>CPU</c>, <c>CUDA</c>).</param>
/// <param name="UnitsInFlight">Units it holds leases on.</param>
/// <param name="UnitsSettled">Units it committed or quarantined since it started.</param>
/// <param name="BytesSettled">Their source bytes.</param>
/// <param name="AudioSecondsSettled">Audio it committed.</param>
/// <param name="StartedAt">When the silo's worker started (a restart resets the counters).</param>
/// <param name="At">When the report was made.</param>
/// <param name="Capacity">What the silo advertises it can do; its lanes scale with <see cref="SiloCapacity.Weight"/>.</param>
/// <param name="VadMaxBatch">Streams its VAD advances per model call (resolved from configuration and the provider the VAD runs on); 0 when not reported.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SiloReport")]
public sealed record SiloReport(
    [property: Id(0)] string Silo,
    [property: Id(1)] string Address,
    [property: Id(2)] int Cores,
    [property: Id(3)] int Lanes,
    [property: Id(4)] string ExecutionProvider,
    [property: Id(5)] int UnitsInFlight,
    [property: Id(6)] long UnitsSettled,
    [property: Id(7)] long BytesSettled,
    [property: Id(8)] double AudioSecondsSettled,
    [property: Id(9)] DateTimeOffset StartedAt,
    [property: Id(10)] DateTimeOffset At,
    [property: Id(11)] SiloCapacity? Capacity = null,
    [property: Id(12)] int VadMaxBatch = 0);

/// <summary>
/// A silo's advertised capacity: detected (processor count, <c>nvidia-smi</c>) or configured under
/// <c>OrleansIngest:Worker:Capacity</c>. Work is pulled in proportion to <see cref="Weight"/>: a silo runs
/// lanes × weight units at once, so a GPU silo of weight 4 takes about four times a CPU silo's share.
/// </summary>
/// <param name="Cores">Processor cores.</param>
/// <param name="GpuCount">NVIDIA GPUs.</param>
/// <param name="GpuMemoryMiB">Their memory together, in MiB.</param>
/// <param name="GpuName">Name of the first GPU; empty without one.</param>
/// <param name="Weight">Relative share of work: 1 for a CPU silo by default.</param>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SiloCapacity")]
public sealed record SiloCapacity(
    [property: Id(0)] int Cores,
    [property: Id(1)] int GpuCount,
    [property: Id(2)] long GpuMemoryMiB,
    [property: Id(3)] string GpuName,
    [property: Id(4)] double Weight);

/// <summary>A silo's last report and its rates over about the last minute.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SiloActivity")]
public sealed record SiloActivity([property: Id(0)] SiloReport Latest, [property: Id(1)] double UnitsPerSecond, [property: Id(2)] double BytesPerSecond);

/// <summary>Work settled by the cluster in one time bucket.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.ThroughputBucket")]
public sealed record ThroughputBucket(
    [property: Id(0)] DateTimeOffset Start,
    [property: Id(1)] long Units,
    [property: Id(2)] long Bytes,
    [property: Id(3)] double AudioSeconds);

/// <summary>
/// The cluster's live metrics (singleton, key 0): silos' reports and throughput in 5 s buckets over the last hour.
/// Held in memory only: after the grain moves, it refills from the next reports.
/// </summary>
[Alias("OrleansIngest.IClusterMetricsGrain")]
public interface IClusterMetricsGrain : IGrainWithIntegerKey
{
    /// <summary>Records a silo's report; the difference from its previous report goes into the throughput buckets.</summary>
    [Alias("Report")]
    Task ReportAsync(SiloReport report);

    /// <summary>Every silo that reported in the last hour, with its rates.</summary>
    [Alias("GetSilos")]
    Task<IReadOnlyList<SiloActivity>> GetSilosAsync();

    /// <summary>The buckets of the last <paramref name="window"/>, oldest first (empty buckets included).</summary>
    [Alias("GetThroughput")]
    Task<IReadOnlyList<ThroughputBucket>> GetThroughputAsync(TimeSpan window);
}
