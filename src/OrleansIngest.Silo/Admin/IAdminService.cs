namespace OrleansIngest.Silo.Admin;

/// <summary>
/// What operators can see and do to a cluster: the one service layer behind the REST API, the web UI and the CLI.
/// Methods taking a job id return null (or false) when the job does not exist. Invalid requests throw
/// <see cref="ArgumentException"/> (HTTP 400); an action the job's state does not allow throws
/// <see cref="InvalidOperationException"/> (HTTP 409).
/// </summary>
public interface IAdminService
{
    /// <summary>Cluster health at a glance: silos, jobs, throughput now.</summary>
    Task<ClusterOverview> GetOverviewAsync(CancellationToken cancellationToken = default);

    /// <summary>Every job the cluster knows, newest first.</summary>
    Task<IReadOnlyList<JobSummary>> ListJobsAsync(CancellationToken cancellationToken = default);

    /// <summary>One job in detail: progress, rate and ETA, per-silo share, recent commits, a continuous job's events.</summary>
    Task<JobDetail?> GetJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Starts a batch job (a backfill listing) or a continuous one (a subscription).</summary>
    Task<JobSummary> StartJobAsync(StartJobRequest request, CancellationToken cancellationToken = default);

    /// <summary>Stops handing out the job's units; units in flight finish. False: no such job.</summary>
    Task<bool> PauseJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Hands out the job's units again. False: no such job.</summary>
    Task<bool> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Ends the job: pending units are dropped (what is committed stays), a subscription stops. False: no such job.</summary>
    Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>A continuous job lists its source now. False: no such job.</summary>
    Task<bool> ReconcileJobAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>The job's units in one state (<c>pending</c>, <c>leased</c>, <c>committed</c>, <c>quarantined</c>, <c>superseded</c>; null: all), a page at a time.</summary>
    Task<UnitPage?> ListUnitsAsync(string jobId, string? state, int skip, int take, CancellationToken cancellationToken = default);

    /// <summary>The job's quarantined units with their reasons, read from its tables' commit logs.</summary>
    Task<IReadOnlyList<QuarantineItem>?> ListQuarantineAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Releases quarantined units (all of the job's when <paramref name="unitIds"/> is null) in their tables' logs and
    /// queues them again in the job, which resumes if it had completed.
    /// </summary>
    Task<RetryResult?> RetryQuarantinedAsync(string jobId, IReadOnlyList<string>? unitIds, CancellationToken cancellationToken = default);

    /// <summary>The tables of the job's output: files, rows, bytes, last commit.</summary>
    Task<IReadOnlyList<TableView>?> ListTablesAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The first rows of one of the job's tables, if the table's sensitivity tier lets <paramref name="role"/> read rows
    /// (viewers: public and internal only); null when the job or table does not exist.
    /// </summary>
    /// <exception cref="UnauthorizedAccessException">The tier forbids the role to read rows.</exception>
    Task<TableSample?> SampleRowsAsync(string jobId, string table, int take, Processing.Governance.ReaderRole role, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} does not serve table rows.");

    /// <summary>The silos of the cluster with their load and execution provider.</summary>
    Task<IReadOnlyList<SiloView>> ListSilosAsync(CancellationToken cancellationToken = default);

    /// <summary>Cluster throughput over the last <paramref name="window"/> (at most an hour), in 5 s buckets, oldest first.</summary>
    Task<IReadOnlyList<ThroughputPoint>> GetThroughputAsync(TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>Recorded model evaluations under the outputs of the cluster's jobs, newest first.</summary>
    Task<IReadOnlyList<EvaluationSummary>> ListEvaluationsAsync(CancellationToken cancellationToken = default);

    /// <summary>The self-contained HTML report of one evaluation; null when no output holds it.</summary>
    Task<string?> GetEvaluationReportAsync(string evaluationId, CancellationToken cancellationToken = default);
}
