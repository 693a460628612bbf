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
    [property: Id(7)] int Partitions);

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
