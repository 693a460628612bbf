namespace OrleansIngest.Abstractions;

/// <summary>
/// One ingest job: discovers units, leases them to workers, and tracks them until each is committed or
/// quarantined. Keyed by job id.
/// </summary>
[Alias("OrleansIngest.IIngestJobGrain")]
public interface IIngestJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job (idempotent for the same spec): discovery runs in the background.</summary>
    [Alias("Start")]
    Task StartAsync(JobSpec spec);

    /// <summary>Leases up to <paramref name="maxUnits"/> pending units to a worker.</summary>
    [Alias("Lease")]
    Task<IReadOnlyList<WorkLease>> LeaseAsync(string workerId, int maxUnits);

    /// <summary>Reports what a worker did with leased units.</summary>
    [Alias("Report")]
    Task ReportAsync(string workerId, IReadOnlyList<UnitOutcome> outcomes);

    /// <summary>The job's definition.</summary>
    [Alias("GetSpec")]
    Task<JobSpec?> GetSpecAsync();

    /// <summary>Progress counters and quarantined units.</summary>
    [Alias("GetProgress")]
    Task<JobProgress> GetProgressAsync();
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
}

/// <summary>A unit whose rows are in a file being committed.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.CommittedUnit")]
public sealed record CommittedUnit(
    [property: Id(0)] string UnitId,
    [property: Id(1)] string SourceUri,
    [property: Id(2)] string ETag,
    [property: Id(3)] long Size,
    [property: Id(4)] long Rows,
    [property: Id(5)] double MediaSeconds);

/// <summary>A staged data file to commit to a table.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.FileCommit")]
public sealed record FileCommit(
    [property: Id(0)] string FileName,
    [property: Id(1)] long Rows,
    [property: Id(2)] long Bytes,
    [property: Id(3)] IReadOnlyList<CommittedUnit> Units,
    [property: Id(4)] string Writer,
    [property: Id(5)] string PipelineVersion);

/// <summary>Result of a file commit: committed, or rejected because some units were committed already.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.FileCommitResult")]
public sealed record FileCommitResult(
    [property: Id(0)] bool Committed,
    [property: Id(1)] long Sequence,
    [property: Id(2)] IReadOnlyList<string> AlreadyCommittedUnits);

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
    /// <summary>Commits a staged file (put-if-absent log entry, then publish), or rejects it whole.</summary>
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
