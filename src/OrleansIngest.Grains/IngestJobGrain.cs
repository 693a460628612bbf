using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Events;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Grains;

/// <summary>
/// Orchestrates one job: lists the source page by page, hands each page's units to the partitions (which persist
/// them), then checkpoints the continuation token — so a restarted job resumes listing where it stopped and
/// loses no unit. Progress is the sum over the partitions.
/// A continuous job (a subscription) also takes blob events, lists its source again every reconcile interval to find
/// what events missed, and stays active (a keep-alive timer) until unsubscribed.
/// </summary>
public sealed partial class IngestJobGrain(
    [PersistentState("job", IngestStorageNames.Jobs)] IPersistentState<IngestJobState> state,
    UnitDiscovery discovery,
    IStorageResolver storage,
    TimeProvider timeProvider,
    IOptions<JobOptions> options,
    ILogger<IngestJobGrain> logger) : Grain, IIngestJobGrain
{
    // Checks for a due reconciliation and writes the event memory this often.
    private static readonly TimeSpan TickPeriod = TimeSpan.FromSeconds(10);

    // Concurrent writes of one grain state would conflict on its ETag; listing and events interleave, so writes queue.
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly RateSampler _rates = new();
    private bool _listing;

    // Bumped whenever units are added or reopened: a progress call completes the job only if nothing changed while it
    // read the partitions' counts (listing and event turns interleave with its awaits).
    private long _unitsVersion;
    private EventUnitPlanner? _planner;
    private bool _eventsDirty;
    private IGrainTimer? _timer;

    private string JobId => this.GetPrimaryKeyString();

    private bool IsSubscribed => state.State.Spec?.Continuous is not null && !state.State.Unsubscribed && state.State.Error is null;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ResumeListing();
        StartTimer();
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_eventsDirty)
        {
            await SaveAsync();
        }
    }

    public async Task StartAsync(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is not null)
        {
            if (state.State.Spec != spec)
            {
                throw new InvalidOperationException($"Job '{JobId}' exists with a different definition.");
            }

            return;
        }

        if (spec.Continuous is { } continuous && continuous.ReconcileInterval < TimeSpan.FromSeconds(1))
        {
            throw new ArgumentException("A continuous job's reconcile interval must be at least one second.", nameof(spec));
        }

        state.State.Spec = spec;
        state.State.StartedAt = timeProvider.GetUtcNow();
        state.State.Partitions = options.Value.Partitions;
        await SaveAsync();
        var registry = GrainFactory.GetGrain<IJobRegistryGrain>(0);
        await registry.RegisterAsync(JobId);
        if (spec.Continuous is not null)
        {
            await registry.SubscribeAsync(new SubscriptionInfo(JobId, spec.SourceRoot));
        }

        ResumeListing();
        StartTimer();
    }

    public Task<JobWork?> GetWorkAsync() =>
        Task.FromResult(state.State.Spec is { } spec && state.State.CompletedAt is null ? new JobWork(spec, state.State.Partitions) : null);

    public Task<JobSpec?> GetSpecAsync() => Task.FromResult(state.State.Spec);

    public async Task<JobProgress> GetProgressAsync()
    {
        var s = state.State;
        var before = new CompletionSnapshot(s.ListingDone, _unitsVersion);
        var counts = s.Spec is null
            ? []
            : await Task.WhenAll(Enumerable.Range(0, s.Partitions).Select(i => GrainFactory.GetGrain<IJobPartitionGrain>(JobPartitions.Key(JobId, i)).GetCountsAsync()));
        var pending = counts.Sum(c => c.Pending);
        var leased = counts.Sum(c => c.Leased);
        var finite = s.Spec?.Continuous is null || s.Unsubscribed;
        if (s.Spec is not null && finite && s.CompletedAt is null && s.Error is null && !s.Paused
            && CompletionSnapshot.AllUnitsCounted(before, new CompletionSnapshot(s.ListingDone, _unitsVersion), pending + leased))
        {
            s.CompletedAt = timeProvider.GetUtcNow();
            await SaveAsync();
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).UnregisterAsync(JobId);
            JobLog.Completed(logger, JobId, counts.Sum(c => c.Committed), counts.Sum(c => c.Quarantined.Count));
        }

        var phase = s.Error is not null ? JobPhase.Failed
            : s.Cancelled ? JobPhase.Cancelled
            : s.CompletedAt is not null ? JobPhase.Completed
            : s.Paused ? JobPhase.Paused
            : s.Spec is null ? JobPhase.Created
            : s.Listings == 0 && !s.ListingDone ? JobPhase.Discovering
            : IsSubscribed ? JobPhase.Watching
            : s.ListingDone ? JobPhase.Running : JobPhase.Discovering;
        var latency = counts.Aggregate(LatencyHistogram.Empty, (sum, c) => sum.Merge(c.CommitLatency));
        var (unitsPerSecond, bytesPerSecond) = _rates.Sample(timeProvider.GetUtcNow(), counts.Sum(c => c.Committed + c.Quarantined.Count), counts.Sum(c => c.BytesDone));
        return new JobProgress(
            JobId, phase, counts.Sum(c => c.Units), pending, leased, counts.Sum(c => c.Committed), counts.Sum(c => c.Quarantined.Count),
            s.SkippedAlreadyDone, s.SkippedNoRoute, counts.Sum(c => c.AudioSegments), counts.Sum(c => c.AudioSeconds), counts.Sum(c => c.BytesDone),
            counts.Sum(c => c.BytesTotal), [.. counts.SelectMany(c => c.Quarantined)], s.StartedAt, s.CompletedAt, s.Error, counts.Sum(c => c.SensorWindows))
        {
            CommitLatency = latency,
            UnitsPerSecond = unitsPerSecond,
            BytesPerSecond = bytesPerSecond,
            SiloShares = [.. counts.SelectMany(c => c.SiloShares).GroupBy(c => c.Silo, StringComparer.Ordinal)
                .Select(g => new SiloUnitCount(g.Key, g.Sum(c => c.Units), g.Sum(c => c.Rows))).OrderBy(c => c.Silo, StringComparer.Ordinal)],
            PipelineVersion = s.Spec?.PipelineVersion ?? string.Empty,
            SourceRoot = s.Spec?.SourceRoot ?? string.Empty,
            OutputRoot = s.Spec?.OutputRoot ?? string.Empty,
            Subscription = s.Spec?.Continuous is { } continuous
                ? new SubscriptionProgress(
                    continuous.Versions, continuous.ReconcileInterval, s.Unsubscribed, s.Events.Events, s.Events.Enqueued, s.Events.Duplicates,
                    s.Events.Stale, s.Events.Deletions, s.Events.Unrouted, counts.Sum(c => c.Superseded),
                    s.Listings, s.FoundByListing, s.LastListingAt)
                : null,
        };
    }

    private static WorkUnit ToWorkUnit(string unitId, SourceObject source, RouteDefinition route) =>
        new(unitId, source.Uri, source.RelativePath, source.ETag, source.Size, route.Table, route.Kind == RouteKind.Audio ? "audio" : "sensor");

    private IJobPartitionGrain Partition(int index) => GrainFactory.GetGrain<IJobPartitionGrain>(JobPartitions.Key(JobId, index));

    private async Task<int> AddToPartitionsAsync(PartitionContext context, IReadOnlyList<WorkUnit> units)
    {
        _unitsVersion++;
        var added = await Task.WhenAll(units.GroupBy(u => JobPartitions.Of(u.UnitId, state.State.Partitions)).Select(g =>
            Partition(g.Key).AddUnitsAsync(context, [.. g])));
        return added.Sum();
    }

    private void StartTimer()
    {
        if (_timer is null && IsSubscribed)
        {
            // Keep-alive: a subscription must not be deactivated for idleness, or its reconciliation would stop.
            _timer = this.RegisterGrainTimer(TickAsync, new GrainTimerCreationOptions(TickPeriod, TickPeriod) { KeepAlive = true, Interleave = false });
        }
    }

    private async Task TickAsync(CancellationToken cancellationToken)
    {
        if (!IsSubscribed)
        {
            return;
        }

        var s = state.State;
        if (s.ListingDone && s.LastListingAt is { } last && timeProvider.GetUtcNow() - last >= s.Spec!.Continuous!.ReconcileInterval)
        {
            await BeginListingAsync();
        }
        else if (!s.ListingDone)
        {
            // A listing that failed on a transient fault is retried on the next tick.
            ResumeListing();
        }

        if (_eventsDirty)
        {
            await SaveAsync();
        }
    }

    private async Task SaveAsync()
    {
        await _writeLock.WaitAsync();
        try
        {
            if (_planner is not null && _eventsDirty)
            {
                state.State.SeenVersions = [.. _planner.Deduplicator.CreateSnapshot().Versions.Select(v => new SeenVersion(v.Url, v.ETag, v.Sequencer, v.Size))];
            }

            _eventsDirty = false;
            await state.WriteStateAsync();
        }
        finally
        {
            _writeLock.Release();
        }
    }


}
