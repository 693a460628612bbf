using System.Collections.Concurrent;
using OrleansIngest.Silo.Admin;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>
/// An <see cref="IAdminService"/> for the HTTP layer's tests: it records every call and answers from a fixed cluster.
/// <see cref="KnownJob"/> exists; <see cref="ConflictJob"/> exists but refuses actions (409); <see cref="InvalidJob"/>
/// makes every call an invalid request (400); any other id is unknown (404).
/// </summary>
public sealed class RecordingAdminService : IAdminService
{
    public const string KnownJob = "job-1";
    public const string ConflictJob = "job-finished";
    public const string InvalidJob = "job-invalid";
    public const string ConflictReason = "The job is completed; it cannot be paused.";
    public const string InvalidReason = "The request names an unsupported state.";

    private static readonly DateTimeOffset Started = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly ConcurrentQueue<string> _calls = new();
    private int _failingOverviews;

    /// <summary>Every call, as <c>Method(arguments)</c>, in order.</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    /// <summary>The unit ids of the last retry (null: all).</summary>
    public IReadOnlyList<string>? LastRetryUnitIds { get; private set; }

    /// <summary>The last start request.</summary>
    public StartJobRequest? LastStart { get; private set; }

    /// <summary>Makes the next <paramref name="count"/> overview reads fail, as a cluster outage would.</summary>
    public void FailNextOverviews(int count) => Volatile.Write(ref _failingOverviews, count);

    public static JobSummary Summary(string jobId) =>
        new(jobId, "running", "batch", "/data/in", "/data/out", Started, null, 10, 4, 2, 3, 1, 300, 1000);

    public Task<ClusterOverview> GetOverviewAsync(CancellationToken cancellationToken = default)
    {
        Record("GetOverview");
        if (Interlocked.Decrement(ref _failingOverviews) >= 0)
        {
            throw new TimeoutException("The cluster did not answer.");
        }

        return Task.FromResult(new ClusterOverview(2, 3, 1, 4.5, 1024, 30));
    }

    public Task<IReadOnlyList<JobSummary>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        Record("ListJobs");
        return Task.FromResult<IReadOnlyList<JobSummary>>([Summary(KnownJob), Summary(ConflictJob) with { Phase = "completed" }]);
    }

    public Task<JobDetail?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        Record($"GetJob({jobId})");
        return Task.FromResult(Known(jobId)
            ? new JobDetail(
                Summary(jobId), 12, 34.5, 0, null, 1.5, 20, new LatencyView(0, null, null), null,
                [new SiloShare("silo-a", 3, 12)],
                [new RecentCommit("audio_segments", 1, "part-0001.parquet", 3, 12, 4096, "silo-a", Started)],
                "v1")
            : null);
    }

    public Task<JobSummary> StartJobAsync(StartJobRequest request, CancellationToken cancellationToken = default)
    {
        Record($"StartJob({request.Source})");
        LastStart = request;
        if (request.Source == "invalid")
        {
            throw new ArgumentException(InvalidReason, nameof(request));
        }

        return Task.FromResult(Summary(request.JobId ?? "job-new"));
    }

    public Task<bool> PauseJobAsync(string jobId, CancellationToken cancellationToken = default) => Act("PauseJob", jobId);

    public Task<bool> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default) => Act("ResumeJob", jobId);

    public Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) => Act("CancelJob", jobId);

    public Task<bool> ReconcileJobAsync(string jobId, CancellationToken cancellationToken = default) => Act("ReconcileJob", jobId);

    public Task<UnitPage?> ListUnitsAsync(string jobId, string? state, int skip, int take, CancellationToken cancellationToken = default)
    {
        Record($"ListUnits({jobId},{state ?? "null"},{skip},{take})");
        return Task.FromResult(Known(jobId)
            ? new UnitPage([new UnitView("unit-1", "/data/in/a.wav", "audio_segments", state ?? "pending", 0, null)], 1)
            : null);
    }

    public Task<IReadOnlyList<QuarantineItem>?> ListQuarantineAsync(string jobId, CancellationToken cancellationToken = default)
    {
        Record($"ListQuarantine({jobId})");
        return Task.FromResult<IReadOnlyList<QuarantineItem>?>(Known(jobId)
            ? [new QuarantineItem("audio_segments", "unit-9", "/data/in/bad.wav", "\"etag\"", "truncated data chunk", Started)]
            : null);
    }

    public Task<RetryResult?> RetryQuarantinedAsync(string jobId, IReadOnlyList<string>? unitIds, CancellationToken cancellationToken = default)
    {
        Record($"RetryQuarantined({jobId})");
        ThrowIfInvalid(jobId);
        LastRetryUnitIds = unitIds;
        return Task.FromResult(Known(jobId) ? new RetryResult(unitIds?.Count ?? 1, unitIds?.Count ?? 1) : null);
    }

    public Task<IReadOnlyList<TableView>?> ListTablesAsync(string jobId, CancellationToken cancellationToken = default)
    {
        Record($"ListTables({jobId})");
        return Task.FromResult<IReadOnlyList<TableView>?>(Known(jobId) ? [new TableView("audio_segments", 1, 12, 4096, 3, 1, Started)] : null);
    }

    /// <summary>Table <see cref="RestrictedTable"/> is restricted: a viewer asking for its rows is refused.</summary>
    public const string RestrictedTable = "restricted-table";

    public Task<TableSample?> SampleRowsAsync(string jobId, string table, int take, Processing.Governance.ReaderRole role, CancellationToken cancellationToken = default)
    {
        Record($"SampleRows({jobId},{table},{take},{role})");
        if (table == RestrictedTable && role == Processing.Governance.ReaderRole.Viewer)
        {
            throw new UnauthorizedAccessException($"Table '{table}' is restricted; only operators read its rows.");
        }

        return Task.FromResult(Known(jobId) ? new TableSample(table, table == RestrictedTable ? "restricted" : "internal", []) : null);
    }

    public Task<IReadOnlyList<SiloView>> ListSilosAsync(CancellationToken cancellationToken = default)
    {
        Record("ListSilos");
        return Task.FromResult<IReadOnlyList<SiloView>>([
            new SiloView("silo-a", "127.0.0.1:11111", "active", 2, 2, "CPU", 1, 0.5, 2048, Started),
            new SiloView(
                "silo-gpu", "127.0.0.1:11112", "active", 16, 512, "silero_vad=cuda", 40, 7.5, 65536, Started,
                GpuCount: 1, GpuMemoryMiB: 143771, GpuName: "NVIDIA H200", Weight: 4, VadMaxBatch: 1024),
        ]);
    }

    public Task<IReadOnlyList<ThroughputPoint>> GetThroughputAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        Record($"GetThroughput({window.TotalMinutes})");
        return Task.FromResult<IReadOnlyList<ThroughputPoint>>([new ThroughputPoint(Started, 1, 2, 3)]);
    }

    private static bool Known(string jobId)
    {
        ThrowIfInvalid(jobId);
        return jobId is KnownJob or ConflictJob;
    }

    private static void ThrowIfInvalid(string jobId)
    {
        if (jobId == InvalidJob)
        {
            throw new ArgumentException(InvalidReason, nameof(jobId));
        }
    }

    private Task<bool> Act(string action, string jobId)
    {
        Record($"{action}({jobId})");
        if (jobId == ConflictJob)
        {
            throw new InvalidOperationException(ConflictReason);
        }

        return Task.FromResult(Known(jobId));
    }

    private void Record(string call) => _calls.Enqueue(call);

    // Evaluations: the known job's id doubles as a known evaluation, so every read route has a sample that exists.
    public Task<IReadOnlyList<EvaluationSummary>> ListEvaluationsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<EvaluationSummary>>([new EvaluationSummary(
            KnownJob, DateTimeOffset.UnixEpoch, "/data/out", "eval_vad", "silero_vad", "silero_op15", 2, 1, 1, 0, [], $"/api/evaluations/{KnownJob}/report")]);

    public Task<string?> GetEvaluationReportAsync(string evaluationId, CancellationToken cancellationToken = default)
    {
        Record($"GetEvaluationReport {evaluationId}");
        return Task.FromResult(evaluationId == KnownJob ? "<!DOCTYPE html><html><body>report</body></html>" : null);
    }
}
