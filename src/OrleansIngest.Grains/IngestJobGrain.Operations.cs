using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>An operator's controls of a job: pause, resume, cancel, retry quarantined units, list units.</summary>
public sealed partial class IngestJobGrain
{
    public async Task SetPausedAsync(bool paused)
    {
        var s = state.State;
        if (s.Spec is null || s.CompletedAt is not null)
        {
            throw new InvalidOperationException($"Job '{JobId}' is {(s.Spec is null ? "unknown" : "finished")}; only a running job can be paused or resumed.");
        }

        if (s.Paused == paused)
        {
            return;
        }

        s.Paused = paused;
        await SaveAsync();
        await ForEachPartitionAsync(p => p.SetPausedAsync(paused));
    }

    public async Task CancelAsync()
    {
        var s = state.State;
        if (s.Spec is null || s.CompletedAt is not null)
        {
            throw new InvalidOperationException($"Job '{JobId}' is {(s.Spec is null ? "unknown" : "finished")}; there is nothing to cancel.");
        }

        s.Cancelled = true;
        s.CompletedAt = timeProvider.GetUtcNow();
        s.ListingDone = true;
        s.ListingToken = null;
        await SaveAsync();

        // Units in flight finish and commit (a commit is a fact); nothing else is handed out.
        await ForEachPartitionAsync(p => p.SetPausedAsync(true));
        var registry = GrainFactory.GetGrain<IJobRegistryGrain>(0);
        await registry.UnregisterAsync(JobId);
        await registry.UnsubscribeAsync(JobId);
        _timer?.Dispose();
        _timer = null;
        JobLog.Cancelled(logger, JobId);
    }

    public async Task<int> RequeueAsync(IReadOnlyList<string> unitIds)
    {
        ArgumentNullException.ThrowIfNull(unitIds);
        var s = state.State;
        if (s.Spec is null || s.Cancelled || s.Error is not null)
        {
            throw new InvalidOperationException($"Job '{JobId}' is {(s.Spec is null ? "unknown" : s.Cancelled ? "cancelled" : "failed")}; start a new job to retry its units.");
        }

        _unitsVersion++;
        var reopened = (await Task.WhenAll(unitIds.GroupBy(id => JobPartitions.Of(id, s.Partitions)).Select(g => Partition(g.Key).ReopenAsync([.. g])))).Sum();
        if (s.CompletedAt is not null)
        {
            // A completed job runs again until the retried units settle.
            s.CompletedAt = null;
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).RegisterAsync(JobId);
        }

        if (reopened < unitIds.Count && s.ListingDone)
        {
            // Units quarantined before a partition restarted are known only by their records: a listing finds them,
            // since their versions are no longer settled in the log.
            await BeginListingAsync();
        }
        else
        {
            await SaveAsync();
        }

        StartTimer();
        return reopened;
    }

    public async Task<UnitListing> ListUnitsAsync(string? unitState, int skip, int take)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        if (state.State.Spec is null)
        {
            return new UnitListing([], 0);
        }

        // Each partition's first skip + take in order, merged: the page is exact, and costs the partitions that much.
        var pages = await Task.WhenAll(Enumerable.Range(0, state.State.Partitions).Select(i => Partition(i).ListUnitsAsync(unitState, 0, skip + take)));
        var merged = pages.SelectMany(p => p.Units)
            .OrderBy(u => u.SourceUri, StringComparer.Ordinal)
            .ThenBy(u => u.UnitId, StringComparer.Ordinal)
            .Skip(skip)
            .Take(take)
            .ToList();
        return new UnitListing(merged, pages.Sum(p => p.Total));
    }

    private Task ForEachPartitionAsync(Func<IJobPartitionGrain, Task> action) =>
        Task.WhenAll(Enumerable.Range(0, state.State.Partitions).Select(i => action(Partition(i))));
}
