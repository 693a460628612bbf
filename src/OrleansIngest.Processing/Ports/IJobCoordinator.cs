using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Ports;

/// <summary>A unit leased to this worker.</summary>
public sealed record LeasedUnit(string UnitId, long LeaseToken, string SourceUri, string RelativePath, string ETag, long Size, string Table, RouteKind Kind);

/// <summary>How a worker finished a leased unit.</summary>
public enum UnitResultKind
{
    /// <summary>Rows are in a committed file.</summary>
    Committed,

    /// <summary>Bad input, recorded in the table's log as quarantined.</summary>
    Quarantined,

    /// <summary>Given back untouched (its file was rejected or abandoned).</summary>
    Released,

    /// <summary>Failed for a reason that may be transient; retried by the job up to its attempt limit.</summary>
    Failed,
}

/// <summary>A lease this worker holds and commits under (the unit and the token it was leased with).</summary>
public sealed record HeldLease(string UnitId, long LeaseToken);

/// <summary>Result of one leased unit.</summary>
public sealed record UnitResult(string UnitId, long LeaseToken, UnitResultKind Kind, string? Reason, long Rows, double MediaSeconds);

/// <summary>
/// What a worker needs from the cluster for one job: leases, reports, and the table commit protocol.
/// The silo implements it with grain calls.
/// </summary>
public interface IJobCoordinator
{
    /// <summary>Leases up to <paramref name="maxUnits"/> units; empty when none is pending now.</summary>
    Task<IReadOnlyList<LeasedUnit>> LeaseAsync(int maxUnits, CancellationToken cancellationToken = default);

    /// <summary>Reports finished units.</summary>
    Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken = default);

    /// <summary>
    /// Commits a staged file through the table's single committer, which rejects it when this worker no longer
    /// holds one of <paramref name="leases"/> (see <see cref="FileCommitOutcome.LostLeases"/>).
    /// </summary>
    Task<FileCommitOutcome> CommitFileAsync(string table, FileCommitRequest request, IReadOnlyList<HeldLease> leases, CancellationToken cancellationToken = default);

    /// <summary>Records a quarantined unit in the table's log.</summary>
    Task QuarantineAsync(string table, QuarantinedUnit unit, string writer, string pipelineVersion, CancellationToken cancellationToken = default);
}
