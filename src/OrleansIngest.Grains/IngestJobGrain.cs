using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Events;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Grains;

/// <summary>Durable part of a job: its definition, the listing checkpoint and the listing counters.</summary>
[GenerateSerializer, Alias("OrleansIngest.IngestJobState")]
public sealed class IngestJobState
{
    [Id(0)] public JobSpec? Spec { get; set; }
    [Id(1)] public DateTimeOffset StartedAt { get; set; }
    [Id(2)] public int Partitions { get; set; }
    [Id(3)] public string? ListingToken { get; set; }

    /// <summary>No listing is in progress (a batch job: its one listing is complete).</summary>
    [Id(4)] public bool ListingDone { get; set; }
    [Id(5)] public int SkippedAlreadyDone { get; set; }
    [Id(6)] public int SkippedNoRoute { get; set; }
    [Id(7)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(8)] public string? Error { get; set; }

    /// <summary>Completed full listings.</summary>
    [Id(9)] public int Listings { get; set; }
    [Id(10)] public DateTimeOffset? LastListingAt { get; set; }
    [Id(11)] public bool Unsubscribed { get; set; }
    [Id(12)] public long FoundByListing { get; set; }
    [Id(13)] public EventCounters Events { get; set; } = new();

    /// <summary>The event deduplicator's memory, least recently observed first (written periodically; forgetting is safe).</summary>
    [Id(14)] public List<SeenVersion> SeenVersions { get; set; } = [];

    /// <summary>Units added by this listing so far (a restart mid-listing keeps counting).</summary>
    [Id(15)] public long FoundThisListing { get; set; }

    /// <summary>Paused by an operator.</summary>
    [Id(16)] public bool Paused { get; set; }

    /// <summary>Cancelled by an operator.</summary>
    [Id(17)] public bool Cancelled { get; set; }
}

/// <summary>Event counters of a continuous job.</summary>
[GenerateSerializer, Alias("OrleansIngest.EventCounters")]
public sealed class EventCounters
{
    [Id(0)] public long Events { get; set; }
    [Id(1)] public long Enqueued { get; set; }
    [Id(2)] public long Duplicates { get; set; }
    [Id(3)] public long Stale { get; set; }
    [Id(4)] public long Deletions { get; set; }
    [Id(5)] public long Unrouted { get; set; }
}

/// <summary>A blob version the event deduplicator remembers.</summary>
[GenerateSerializer, Immutable, Alias("OrleansIngest.SeenVersion")]
public sealed record SeenVersion([property: Id(0)] string Url, [property: Id(1)] string ETag, [property: Id(2)] string? Sequencer, [property: Id(3)] long? Size);

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
        var counts = s.Spec is null
            ? []
            : await Task.WhenAll(Enumerable.Range(0, s.Partitions).Select(i => GrainFactory.GetGrain<IJobPartitionGrain>(JobPartitions.Key(JobId, i)).GetCountsAsync()));
        var pending = counts.Sum(c => c.Pending);
        var leased = counts.Sum(c => c.Leased);
        var finite = s.Spec?.Continuous is null || s.Unsubscribed;
        if (s.Spec is not null && finite && s.ListingDone && s.CompletedAt is null && s.Error is null && !s.Paused && pending + leased == 0)
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

    public async Task<EventEnqueueResult> EnqueueEventsAsync(IReadOnlyList<BlobEventRecord> events)
    {
        ArgumentNullException.ThrowIfNull(events);
        if (!IsSubscribed || state.State.Spec is not { } spec)
        {
            return new EventEnqueueResult(events.Count, 0, 0, 0, 0, events.Count);
        }

        var planner = _planner ??= CreatePlanner(spec);
        EventPlan plan;
        int enqueued;
        try
        {
            plan = await planner.PlanAsync([.. events.Select(ToBlobEvent)]);
            var context = new PartitionContext(spec.OutputRoot, spec.PipelineVersion);
            var units = plan.Units.Select(u => ToWorkUnit(u.UnitId, u.Source, u.Route) with { ArrivedAt = u.ArrivedAt }).ToList();
            var added = await AddToPartitionsAsync(context, units);
            enqueued = added;
            if (plan.SupersededUnitIds.Count > 0)
            {
                await Task.WhenAll(plan.SupersededUnitIds.GroupBy(id => JobPartitions.Of(id, state.State.Partitions)).Select(g =>
                    Partition(g.Key).SupersedeAsync([.. g])));
            }
        }
        catch
        {
            // The planner already remembered these versions; a redelivery must not be taken for a duplicate of a unit
            // that never became durable. The last written memory is older, and forgetting is always safe.
            _planner = null;
            throw;
        }

        var counters = state.State.Events;
        counters.Events += plan.Events;
        counters.Enqueued += enqueued;
        counters.Duplicates += plan.Duplicates + (plan.Units.Count - enqueued);
        counters.Stale += plan.Stale;
        counters.Deletions += plan.Deletions;
        counters.Unrouted += plan.Unrouted;
        _eventsDirty = true;
        return new EventEnqueueResult(plan.Events, enqueued, plan.Duplicates + (plan.Units.Count - enqueued), plan.Stale, plan.Deletions, plan.Unrouted);
    }

    public async Task<int> ReconcileAsync()
    {
        if (!IsSubscribed)
        {
            throw new InvalidOperationException($"Job '{JobId}' is not a subscription (or was unsubscribed); only continuous jobs reconcile.");
        }

        if (state.State.ListingDone)
        {
            await BeginListingAsync();
        }

        return state.State.Listings + 1;
    }

    public async Task UnsubscribeAsync()
    {
        if (state.State.Spec?.Continuous is null)
        {
            throw new InvalidOperationException($"Job '{JobId}' is not a subscription.");
        }

        if (state.State.Unsubscribed)
        {
            return;
        }

        state.State.Unsubscribed = true;

        // A listing in progress stops at its next page; the units it already added are finished.
        state.State.ListingDone = true;
        state.State.ListingToken = null;
        await SaveAsync();
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).UnsubscribeAsync(JobId);
        _timer?.Dispose();
        _timer = null;
        JobLog.Unsubscribed(logger, JobId);
    }

    private EventUnitPlanner CreatePlanner(JobSpec spec)
    {
        var policy = spec.Continuous!.Versions == VersionSelection.Latest ? VersionPolicy.Latest : VersionPolicy.All;
        var deduplicator = BlobEventDeduplicator.Restore(new BlobEventDeduplicatorSnapshot(
            policy,
            options.Value.EventMemory,
            [.. state.State.SeenVersions.TakeLast(options.Value.EventMemory).Select(v => new ObservedBlobVersion(v.Url, v.ETag, v.Sequencer) { Size = v.Size })]));
        return new EventUnitPlanner(storage, timeProvider, spec.SourceRoot, spec.OutputRoot, PipelineDefinition.FromJson(spec.PipelineJson), deduplicator);
    }

    private static BlobEvent ToBlobEvent(BlobEventRecord record) =>
        new(record.Id, record.Deleted ? BlobEventKind.Deleted : BlobEventKind.Created, record.Url, record.ETag, record.Size, record.Sequencer, record.Time);

    private static WorkUnit ToWorkUnit(string unitId, SourceObject source, RouteDefinition route) =>
        new(unitId, source.Uri, source.RelativePath, source.ETag, source.Size, route.Table, route.Kind == RouteKind.Audio ? "audio" : "sensor");

    private IJobPartitionGrain Partition(int index) => GrainFactory.GetGrain<IJobPartitionGrain>(JobPartitions.Key(JobId, index));

    private async Task<int> AddToPartitionsAsync(PartitionContext context, IReadOnlyList<WorkUnit> units)
    {
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

    private async Task BeginListingAsync()
    {
        state.State.ListingDone = false;
        state.State.ListingToken = null;
        state.State.FoundThisListing = 0;
        await SaveAsync();
        ResumeListing();
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

    private void ResumeListing()
    {
        if (state.State.Spec is not null && !state.State.ListingDone && state.State.Error is null && !_listing)
        {
            _listing = true;
            // Runs as turns of this activation: listing interleaves with progress and work calls.
            _ = ListAsync(state.State.Spec);
        }
    }

    private async Task ListAsync(JobSpec spec)
    {
        var s = state.State;
        try
        {
            var pipeline = PipelineDefinition.FromJson(spec.PipelineJson);
            var session = discovery.Begin(spec.SourceRoot, spec.OutputRoot, pipeline);
            var context = new PartitionContext(spec.OutputRoot, spec.PipelineVersion);
            var reconciling = s.Listings > 0;
            while (!s.ListingDone)
            {
                var page = await session.NextPageAsync(s.ListingToken, options.Value.ListingPageSize);
                if (s.ListingDone)
                {
                    // Unsubscribed while this page was read.
                    break;
                }

                var units = new List<WorkUnit>();
                foreach (var found in page.Objects)
                {
                    switch (found.Decision)
                    {
                        case DiscoveryDecision.NoRoute when !reconciling:
                            s.SkippedNoRoute++;
                            break;
                        case DiscoveryDecision.AlreadySettled when !reconciling:
                            s.SkippedAlreadyDone++;
                            break;
                        case DiscoveryDecision.Process:
                            // A version written after the job subscribed arrived while it watched: its latency counts.
                            var arrived = spec.Continuous is not null && found.Source.LastModified >= s.StartedAt ? found.Source.LastModified : (DateTimeOffset?)null;
                            units.Add(ToWorkUnit(found.UnitId, found.Source, found.Route!) with { ArrivedAt = arrived });
                            break;
                        default:
                            break;
                    }
                }

                // Units are durable in their partitions before the checkpoint moves past them.
                var added = await AddToPartitionsAsync(context, units);
                if (reconciling)
                {
                    s.FoundThisListing += added;
                }

                s.ListingToken = page.ContinuationToken;
                if (page.ContinuationToken is null)
                {
                    s.ListingDone = true;
                    s.Listings++;
                    s.LastListingAt = timeProvider.GetUtcNow();
                    s.FoundByListing += s.FoundThisListing;
                    if (reconciling)
                    {
                        JobLog.Reconciled(logger, JobId, s.Listings, s.FoundThisListing);
                    }
                }

                await SaveAsync();
            }

            if (!reconciling)
            {
                JobLog.DiscoveryCompleted(logger, JobId, s.SkippedAlreadyDone, s.SkippedNoRoute);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or NotSupportedException or InvalidDataException or ArgumentException)
        {
            if (s.Spec?.Continuous is not null && s.Listings > 0)
            {
                // A reconciliation that fails leaves the subscription running; the next tick tries again.
                JobLog.ReconcileFailed(logger, ex, JobId);
            }
            else
            {
                s.Error = ex.Message;
                s.CompletedAt = timeProvider.GetUtcNow();
                await SaveAsync();
                JobLog.DiscoveryFailed(logger, ex, JobId);
                var registry = GrainFactory.GetGrain<IJobRegistryGrain>(0);
                await registry.UnregisterAsync(JobId);
                await registry.UnsubscribeAsync(JobId);
            }
        }
        finally
        {
            _listing = false;
        }
    }
}
