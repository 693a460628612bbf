using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Silo.Admin;

/// <summary>
/// <see cref="IAdminService"/> over the cluster's grains and the outputs' commit logs. Works from a silo or from a
/// cluster client (the CLI), so the API, the UI and the CLI share one implementation.
/// </summary>
public sealed class AdminService(IGrainFactory grains, IStorageResolver storage, TimeProvider timeProvider) : IAdminService
{
    private const int MaxJobsListed = 500;
    private const int RecentCommitCount = 10;
    private static readonly TimeSpan SiloStaleAfter = TimeSpan.FromSeconds(30);

    /// <inheritdoc />
    public async Task<ClusterOverview> GetOverviewAsync(CancellationToken cancellationToken = default)
    {
        var silos = await ListSilosAsync(cancellationToken);
        var active = await Registry.GetActiveJobsAsync();
        var minute = await grains.GetGrain<IClusterMetricsGrain>(0).GetThroughputAsync(TimeSpan.FromMinutes(1));
        var seconds = Math.Max(1, minute.Count * BucketSeconds);
        return new ClusterOverview(
            silos.Count(s => s.Status == "active"), silos.Count, active.Count,
            minute.Sum(b => b.Units) / seconds, minute.Sum(b => b.Bytes) / seconds, minute.Sum(b => b.AudioSeconds) / seconds);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<JobSummary>> ListJobsAsync(CancellationToken cancellationToken = default)
    {
        var ids = (await Registry.GetAllJobsAsync()).Reverse().Take(MaxJobsListed).ToList();
        var progress = await Task.WhenAll(ids.Select(id => grains.GetGrain<IIngestJobGrain>(id).GetProgressAsync()));
        return [.. progress.Where(p => p.Phase != JobPhase.Created).Select(ToSummary)];
    }

    /// <inheritdoc />
    public async Task<JobDetail?> GetJobAsync(string jobId, CancellationToken cancellationToken = default)
    {
        var job = Job(jobId);
        if (await job.GetSpecAsync() is not { } spec)
        {
            return null;
        }

        var p = await job.GetProgressAsync();
        var remaining = p.BytesTotal - p.BytesDone;
        double? eta = p.IsFinished || p.BytesPerSecond <= 0 || remaining <= 0 ? null : remaining / p.BytesPerSecond;
        var latency = p.CommitLatency;
        return new JobDetail(
            ToSummary(p), p.AudioSegments, p.AudioSeconds, p.SensorWindows, p.Error, p.UnitsPerSecond, eta,
            new LatencyView(latency.Count, latency.Percentile(0.5)?.TotalSeconds, latency.Percentile(0.95)?.TotalSeconds),
            p.Subscription is { } s
                ? new SubscriptionView(
                    s.Versions.ToString().ToLowerInvariant(), s.ReconcileInterval.TotalSeconds, s.Unsubscribed, s.Events, s.Enqueued, s.Duplicates,
                    s.Stale, s.Deletions, s.Unrouted, s.Superseded, s.Listings, s.FoundByListing, s.LastListingAt)
                : null,
            [.. p.SiloShares.Select(c => new SiloShare(c.Silo, c.Units, c.Rows))],
            await RecentCommitsAsync(spec.OutputRoot, cancellationToken),
            spec.PipelineVersion);
    }

    /// <inheritdoc />
    public async Task<JobSummary> StartJobAsync(StartJobRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (string.IsNullOrWhiteSpace(request.Source) || string.IsNullOrWhiteSpace(request.Output))
        {
            throw new ArgumentException("A job needs a source and an output.", nameof(request));
        }

        PipelineDefinition pipeline;
        try
        {
            pipeline = string.IsNullOrWhiteSpace(request.Pipeline) ? PipelineDefinition.Default : PipelineDefinition.FromText(request.Pipeline);
        }
        catch (Exception ex) when (ex is FormatException or System.Text.Json.JsonException or YamlDotNet.Core.YamlException)
        {
            throw new ArgumentException($"Invalid pipeline: {ex.Message}", nameof(request), ex);
        }

        if (request.JobId is { } id && (id.Length is 0 or > 128 || id.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))))
        {
            throw new ArgumentException("A job id is 1–128 letters, digits, '-', '_' or '.'.", nameof(request));
        }

        var spec = new JobSpec(Locations.Normalize(request.Source), Locations.Normalize(request.Output), pipeline.ToJson(), pipeline.LineageVersion)
        {
            Continuous = request.Continuous ? new ContinuousSpec(ParseVersions(request.Versions), ParseInterval(request.ReconcileIntervalSeconds)) : null,
        };
        var job = Job(request.JobId ?? JobIds.New());
        await job.StartAsync(spec);
        return ToSummary(await job.GetProgressAsync());
    }

    /// <inheritdoc />
    public Task<bool> PauseJobAsync(string jobId, CancellationToken cancellationToken = default) => OnJobAsync(jobId, job => job.SetPausedAsync(true));

    /// <inheritdoc />
    public Task<bool> ResumeJobAsync(string jobId, CancellationToken cancellationToken = default) => OnJobAsync(jobId, job => job.SetPausedAsync(false));

    /// <inheritdoc />
    public Task<bool> CancelJobAsync(string jobId, CancellationToken cancellationToken = default) => OnJobAsync(jobId, job => job.CancelAsync());

    /// <inheritdoc />
    public Task<bool> ReconcileJobAsync(string jobId, CancellationToken cancellationToken = default) => OnJobAsync(jobId, job => job.ReconcileAsync());

    /// <inheritdoc />
    public async Task<UnitPage?> ListUnitsAsync(string jobId, string? state, int skip, int take, CancellationToken cancellationToken = default)
    {
        if (state is not null and not ("pending" or "leased" or "committed" or "quarantined" or "superseded"))
        {
            throw new ArgumentException($"'{state}' is not a unit state (pending, leased, committed, quarantined, superseded).", nameof(state));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        var job = Job(jobId);
        if (await job.GetSpecAsync() is null)
        {
            return null;
        }

        var listing = await job.ListUnitsAsync(state, skip, take);
        return new UnitPage([.. listing.Units.Select(u => new UnitView(u.UnitId, u.SourceUri, u.Table, u.State, u.Attempts, u.LastError))], listing.Total);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<QuarantineItem>?> ListQuarantineAsync(string jobId, CancellationToken cancellationToken = default)
    {
        if (await Job(jobId).GetSpecAsync() is not { } spec)
        {
            return null;
        }

        var items = new List<QuarantineItem>();
        await foreach (var (table, committer) in TablesAsync(spec.OutputRoot, cancellationToken))
        {
            items.AddRange(committer.State.Quarantined
                .Where(q => UnderSource(q.SourceUri, spec.SourceRoot))
                .Select(q => new QuarantineItem(table, q.UnitId, q.SourceUri, q.SourceETag, q.Reason, null)));
        }

        return [.. items.OrderBy(i => i.SourceUri, StringComparer.Ordinal)];
    }

    /// <inheritdoc />
    public async Task<RetryResult?> RetryQuarantinedAsync(string jobId, IReadOnlyList<string>? unitIds, CancellationToken cancellationToken = default)
    {
        var job = Job(jobId);
        if (await job.GetSpecAsync() is not { } spec)
        {
            return null;
        }

        var wanted = unitIds?.ToHashSet(StringComparer.Ordinal);
        var released = new List<string>();
        await foreach (var (_, committer) in TablesAsync(spec.OutputRoot, cancellationToken))
        {
            var units = await committer.RetryQuarantinedAsync(
                q => UnderSource(q.SourceUri, spec.SourceRoot) && (wanted is null || wanted.Contains(q.UnitId)), "admin", cancellationToken);
            released.AddRange(units.Select(u => u.UnitId));
        }

        // Released in the log first: a unit queued again while its quarantine stood would be skipped as settled.
        var requeued = released.Count == 0 ? 0 : await job.RequeueAsync(released);
        return new RetryResult(released.Count, requeued);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<TableView>?> ListTablesAsync(string jobId, CancellationToken cancellationToken = default)
    {
        if (await Job(jobId).GetSpecAsync() is not { } spec)
        {
            return null;
        }

        var tables = new List<TableView>();
        await foreach (var (name, committer) in TablesAsync(spec.OutputRoot, cancellationToken))
        {
            var s = committer.State;
            tables.Add(new TableView(name, s.Files.Count, s.RowCount, s.ByteCount, s.CommittedUnitCount, s.Quarantined.Count, s.LastCommitAt));
        }

        return tables;
    }

    /// <inheritdoc />
    public async Task<TableSample?> SampleRowsAsync(string jobId, string table, int take, Processing.Governance.ReaderRole role, CancellationToken cancellationToken = default)
    {
        if (await Job(jobId).GetSpecAsync() is not { } spec)
        {
            return null;
        }

        var tier = Processing.Governance.SensitivityPolicy.TierOfTable(PipelineDefinition.FromJson(spec.PipelineJson), table);
        if (!Processing.Governance.SensitivityPolicy.CanReadRows(role, tier))
        {
            throw new UnauthorizedAccessException(
                $"Table '{table}' is {Processing.Governance.SensitivityPolicy.Name(tier)}; only operators read its rows.");
        }

        await foreach (var (name, committer) in TablesAsync(spec.OutputRoot, cancellationToken))
        {
            if (!string.Equals(name, table, StringComparison.Ordinal))
            {
                continue;
            }

            if (committer.State.Files.Count == 0)
            {
                return new TableSample(table, Processing.Governance.SensitivityPolicy.Name(tier), []);
            }

            await using var stream = await committer.Store.OpenPublishedFileAsync(committer.State.Files[^1].Path, cancellationToken);
            var rows = await Processing.Governance.ParquetSampler.ReadAsync(stream, take, cancellationToken);
            return new TableSample(table, Processing.Governance.SensitivityPolicy.Name(tier), rows);
        }

        return null;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<SiloView>> ListSilosAsync(CancellationToken cancellationToken = default)
    {
        var reported = await grains.GetGrain<IClusterMetricsGrain>(0).GetSilosAsync();
        var now = timeProvider.GetUtcNow();
        return [.. reported.Select(a => new SiloView(
            a.Latest.Silo, a.Latest.Address, now - a.Latest.At <= SiloStaleAfter ? "active" : "stale", a.Latest.Cores, a.Latest.Lanes,
            a.Latest.ExecutionProvider, a.Latest.UnitsInFlight, a.UnitsPerSecond, a.BytesPerSecond, a.Latest.At,
            a.Latest.Capacity?.GpuCount ?? 0, a.Latest.Capacity?.GpuMemoryMiB ?? 0, a.Latest.Capacity?.GpuName ?? "", a.Latest.Capacity?.Weight ?? 1,
            a.Latest.VadMaxBatch))];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<ThroughputPoint>> GetThroughputAsync(TimeSpan window, CancellationToken cancellationToken = default)
    {
        if (window <= TimeSpan.Zero || window > TimeSpan.FromHours(1))
        {
            throw new ArgumentOutOfRangeException(nameof(window), window, "The window is more than zero and at most an hour.");
        }

        var buckets = await grains.GetGrain<IClusterMetricsGrain>(0).GetThroughputAsync(window);
        return [.. buckets.Select(b => new ThroughputPoint(
            b.Start, b.Units / BucketSeconds, b.Bytes / BucketSeconds, b.AudioSeconds / BucketSeconds))];
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<EvaluationSummary>> ListEvaluationsAsync(CancellationToken cancellationToken = default)
    {
        var summaries = new List<EvaluationSummary>();
        await foreach (var (item, store) in EvaluationFilesAsync(".json", cancellationToken))
        {
            EvaluationReport report;
            await using (var stream = await store.OpenReadAsync(item.Uri, item.ETag, cancellationToken))
            using (var reader = new StreamReader(stream))
            {
                try
                {
                    report = EvaluationReport.FromJson(await reader.ReadToEndAsync(cancellationToken));
                }
                catch (System.Text.Json.JsonException)
                {
                    // Not an evaluation record (or a torn one): the listing shows the others.
                    continue;
                }
            }

            static double? Value(double value) => double.IsNaN(value) ? null : value;
            summaries.Add(new EvaluationSummary(
                report.Id, report.CreatedAt, report.Output, report.Table, report.Baseline, report.Candidate, report.PairedRows,
                report.Vad is { } vad ? Value(vad.FrameAgreement) : null,
                report.Vad is { } v2 ? Value(v2.SegmentF1) : null,
                report.Vad is { } v3 ? Value(v3.ProbabilityMae) : null,
                [.. report.Kpis.Select(k => new EvaluationKpi(k.Name, Value(k.Baseline), Value(k.Candidate), Value(k.Delta)))],
                $"{Http.AdminDashboardDefaults.ApiPrefix}/evaluations/{Uri.EscapeDataString(report.Id)}/report"));
        }

        return [.. summaries.OrderByDescending(s => s.CreatedAt)];
    }

    /// <inheritdoc />
    public async Task<string?> GetEvaluationReportAsync(string evaluationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(evaluationId);
        var name = evaluationId + ".html";
        await foreach (var (item, store) in EvaluationFilesAsync(".html", cancellationToken))
        {
            if (string.Equals(Path.GetFileName(item.RelativePath), name, StringComparison.Ordinal))
            {
                await using var stream = await store.OpenReadAsync(item.Uri, item.ETag, cancellationToken);
                using var reader = new StreamReader(stream);
                return await reader.ReadToEndAsync(cancellationToken);
            }
        }

        return null;
    }

    // Evaluation records sit in <output>/_ingest/evaluations/ of every output some job writes to.
    private async IAsyncEnumerable<(SourceObject Item, IBlobStore Store)> EvaluationFilesAsync(
        string extension, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var ids = await Registry.GetAllJobsAsync();
        var specs = await Task.WhenAll(ids.Select(id => grains.GetGrain<IIngestJobGrain>(id).GetSpecAsync()));
        foreach (var root in specs.OfType<JobSpec>().Select(s => s.OutputRoot.TrimEnd('/', '\\')).Distinct(StringComparer.Ordinal))
        {
            var folder = $"{root}/_ingest/evaluations";
            if (!Locations.IsRemote(folder) && !Directory.Exists(LocalPaths.ToFullPath(folder)))
            {
                continue;
            }

            var store = storage.GetSource(folder);
            string? token = null;
            do
            {
                var page = await store.ListPageAsync(folder, token, 500, cancellationToken);
                foreach (var item in page.Items.Where(i => i.RelativePath.EndsWith(extension, StringComparison.Ordinal) && !i.RelativePath.Contains('/', StringComparison.Ordinal)))
                {
                    yield return (item, store);
                }

                token = page.ContinuationToken;
            }
            while (token is not null);
        }
    }

    private static double BucketSeconds => OrleansIngest.Grains.ThroughputWindow.BucketWidth.TotalSeconds;

    private IJobRegistryGrain Registry => grains.GetGrain<IJobRegistryGrain>(0);

    private IIngestJobGrain Job(string jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(jobId);
        return grains.GetGrain<IIngestJobGrain>(jobId);
    }

    private async Task<bool> OnJobAsync(string jobId, Func<IIngestJobGrain, Task> action)
    {
        var job = Job(jobId);
        if (await job.GetSpecAsync() is null)
        {
            return false;
        }

        await action(job);
        return true;
    }

    private static JobSummary ToSummary(JobProgress p) => new(
        p.JobId, p.Phase.ToString().ToLowerInvariant(), p.Subscription is null ? "batch" : "continuous", p.SourceRoot, p.OutputRoot,
        p.StartedAt, p.CompletedAt, p.Discovered, p.Pending, p.Leased, p.Committed, p.Quarantined, p.BytesDone, p.BytesTotal);

    private static VersionSelection ParseVersions(string? versions) => versions?.ToLowerInvariant() switch
    {
        null or "" or "all" => VersionSelection.All,
        "latest" => VersionSelection.Latest,
        _ => throw new ArgumentException($"'{versions}' is not a version policy (all, latest).", nameof(versions)),
    };

    private static TimeSpan ParseInterval(double? seconds) => seconds switch
    {
        null => ContinuousSpec.DefaultReconcileInterval,
        >= 1 and <= 30 * 86400 => TimeSpan.FromSeconds(seconds.Value),
        _ => throw new ArgumentException("The reconcile interval is between 1 second and 30 days.", nameof(seconds)),
    };

    // A table under an output may be shared by jobs over other sources; a job's view holds its own source's units.
    private static bool UnderSource(string sourceUri, string sourceRoot) =>
        sourceUri.StartsWith(Events.GrainBlobEventSink.PrefixOf(sourceRoot), StringComparison.Ordinal);

    private async IAsyncEnumerable<(string Table, TableCommitter Committer)> TablesAsync(
        string outputRoot, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var name in storage.ListTablesAsync(outputRoot, cancellationToken))
        {
            var committer = new TableCommitter(storage.GetTable(outputRoot, name), timeProvider);
            await committer.RefreshAsync(cancellationToken);
            yield return (name, committer);
        }
    }

    private async Task<IReadOnlyList<RecentCommit>> RecentCommitsAsync(string outputRoot, CancellationToken cancellationToken)
    {
        var commits = new List<RecentCommit>();
        await foreach (var (table, committer) in TablesAsync(outputRoot, cancellationToken))
        {
            var from = Math.Max(0, committer.State.NextSequence - RecentCommitCount);
            await foreach (var (sequence, content) in committer.Store.ReadLogAsync(from, cancellationToken))
            {
                var entry = CommitLogEntry.Parse(sequence, content);
                commits.AddRange(entry.Files.Select(f => new RecentCommit(
                    table, sequence, Path.GetFileName(f.Path), f.Units.Count, f.Rows, f.Bytes, entry.Writer, entry.CommittedAt)));
            }
        }

        return [.. commits.OrderByDescending(c => c.CommittedAt).Take(RecentCommitCount)];
    }
}
