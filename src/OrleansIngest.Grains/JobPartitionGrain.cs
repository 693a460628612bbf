using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>Durable state of a partition: where quarantines go, and the ledger snapshot.</summary>
[GenerateSerializer, Alias("OrleansIngest.JobPartitionState")]
public sealed class JobPartitionState
{
    [Id(0)] public PartitionContext? Context { get; set; }
    [Id(1)] public LedgerSnapshot Ledger { get; set; } = new();

    /// <summary>Activations so far; lease tokens of each activation are distinct from all earlier ones.</summary>
    [Id(2)] public long Epoch { get; set; }

    /// <summary>No units are handed out (the job is paused or cancelled).</summary>
    [Id(3)] public bool Paused { get; set; }
}

/// <summary>
/// A slice of a job's units. Workers lease from partitions directly, so lease and report traffic is spread over
/// as many grains (and silos) as there are partitions, and each partition persists its unsettled units.
/// </summary>
public sealed class JobPartitionGrain(
    [PersistentState("partition", IngestStorageNames.Jobs)] IPersistentState<JobPartitionState> state,
    TimeProvider timeProvider,
    IOptions<JobOptions> options) : Grain, IJobPartitionGrain
{
    private readonly UnitLedger _ledger = new(timeProvider, options.Value.LeaseDuration, options.Value.MaxAttempts);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _ledger.Restore(state.State.Ledger);

        // Persist the new epoch before handing out a lease under it, so no later activation reuses its tokens.
        state.State.Epoch++;
        await state.WriteStateAsync(cancellationToken);
        _ledger.BeginEpoch(state.State.Epoch);
    }

    public async Task<int> AddUnitsAsync(PartitionContext context, IReadOnlyList<WorkUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        var hadContext = state.State.Context is not null;
        state.State.Context ??= context;
        var added = units.Count(_ledger.Add);
        if (added > 0 || !hadContext)
        {
            await PersistAsync();
        }

        return added;
    }

    public async Task<int> SupersedeAsync(IReadOnlyList<string> unitIds)
    {
        ArgumentNullException.ThrowIfNull(unitIds);
        var cancelled = unitIds.Count(_ledger.Supersede);
        if (cancelled > 0)
        {
            await PersistAsync();
        }

        return cancelled;
    }

    public Task<IReadOnlyList<WorkLease>> LeaseAsync(string workerId, int maxUnits) =>
        Task.FromResult(state.State.Paused ? [] : _ledger.Lease(maxUnits));

    public async Task SetPausedAsync(bool paused)
    {
        if (state.State.Paused != paused)
        {
            state.State.Paused = paused;
            await PersistAsync();
        }
    }

    public async Task<int> ReopenAsync(IReadOnlyList<string> unitIds)
    {
        ArgumentNullException.ThrowIfNull(unitIds);
        var reopened = unitIds.Count(_ledger.Reopen);
        await PersistAsync();
        return reopened;
    }

    public Task<UnitListing> ListUnitsAsync(string? state, int skip, int take) => Task.FromResult(_ledger.List(state, skip, take));

    public async Task ReportAsync(string workerId, IReadOnlyList<UnitOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var outcome in outcomes)
        {
            if (_ledger.Apply(outcome, workerId) is { } exhausted && state.State.Context is { } context)
            {
                var unit = _ledger.Find(exhausted.UnitId)!;
                try
                {
                    await GrainFactory.GetGrain<ITableCommitGrain>(TableKey.Of(context.OutputRoot, unit.Table))
                        .QuarantineAsync([new UnitQuarantine(unit.UnitId, unit.SourceUri, unit.ETag, exhausted.Reason)], workerId, context.PipelineVersion);
                }
                catch
                {
                    // The log is the truth: a quarantine it does not hold did not happen.
                    _ledger.Reopen(unit.UnitId);
                    throw;
                }
            }
        }

        // Persisting after each report keeps a restart cheap; losing one is harmless (the unit is re-leased and its
        // duplicate file rejected by the commit protocol).
        await PersistAsync();
    }

    public Task<LeaseFenceResult> FenceAsync(string writer, IReadOnlyList<LeaseClaim> claims) =>
        Task.FromResult(_ledger.Fence(claims, options.Value.CommitHold));

    public Task<PartitionCounts> GetCountsAsync() => Task.FromResult(new PartitionCounts(
        _ledger.Count, _ledger.PendingCount, _ledger.LeasedCount, _ledger.CommittedCount, _ledger.AudioSegments, _ledger.AudioSeconds,
        _ledger.SensorWindows, _ledger.BytesDone, _ledger.BytesTotal, [.. _ledger.Quarantined])
    {
        CommitLatency = _ledger.CommitLatency,
        Superseded = _ledger.SupersededCount,
        SiloShares = _ledger.SiloShares,
    });

    private Task PersistAsync()
    {
        state.State.Ledger = _ledger.Snapshot();
        return state.WriteStateAsync();
    }
}
