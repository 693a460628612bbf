using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Events;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Grains;

/// <summary>A continuous job's side: blob events in, reconciliation on request, unsubscribe.</summary>
public sealed partial class IngestJobGrain
{
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
}
