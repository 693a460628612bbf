using Orleans.Runtime;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>Durable list of active jobs.</summary>
[GenerateSerializer, Alias("OrleansIngest.JobRegistryState")]
public sealed class JobRegistryState
{
    [Id(0)] public SortedSet<string> Active { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Continuous jobs by id, with the source each follows.</summary>
    [Id(1)] public SortedDictionary<string, string> Subscriptions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every job registered, in registration order.</summary>
    [Id(2)] public List<string> All { get; set; } = [];
}

/// <summary>The cluster's active jobs. Reads are served concurrently; workers poll it when idle.</summary>
public sealed class JobRegistryGrain([PersistentState("registry", IngestStorageNames.Jobs)] IPersistentState<JobRegistryState> state)
    : Grain, IJobRegistryGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // Wake every active job so it re-discovers its units after a restart of the cluster.
        foreach (var jobId in state.State.Active)
        {
            await GrainFactory.GetGrain<IIngestJobGrain>(jobId).GetSpecAsync();
        }
    }

    public async Task RegisterAsync(string jobId)
    {
        var known = state.State.All.Contains(jobId);
        if (!known)
        {
            state.State.All.Add(jobId);
        }

        if (state.State.Active.Add(jobId) || !known)
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> GetAllJobsAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.All]);

    public async Task UnregisterAsync(string jobId)
    {
        if (state.State.Active.Remove(jobId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<string>> GetActiveJobsAsync() => Task.FromResult<IReadOnlyList<string>>([.. state.State.Active]);

    public async Task SubscribeAsync(SubscriptionInfo subscription)
    {
        ArgumentNullException.ThrowIfNull(subscription);
        if (!state.State.Subscriptions.TryGetValue(subscription.JobId, out var root) || root != subscription.SourceRoot)
        {
            state.State.Subscriptions[subscription.JobId] = subscription.SourceRoot;
            await state.WriteStateAsync();
        }
    }

    public async Task UnsubscribeAsync(string jobId)
    {
        if (state.State.Subscriptions.Remove(jobId))
        {
            await state.WriteStateAsync();
        }
    }

    public Task<IReadOnlyList<SubscriptionInfo>> GetSubscriptionsAsync() =>
        Task.FromResult<IReadOnlyList<SubscriptionInfo>>([.. state.State.Subscriptions.Select(s => new SubscriptionInfo(s.Key, s.Value))]);
}
