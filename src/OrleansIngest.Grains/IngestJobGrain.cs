using Orleans.Runtime;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Grains;

/// <summary>Durable part of a job: its definition and when it started.</summary>
[GenerateSerializer, Alias("OrleansIngest.IngestJobState")]
public sealed class IngestJobState
{
    [Id(0)] public JobSpec? Spec { get; set; }
    [Id(1)] public DateTimeOffset StartedAt { get; set; }
}

/// <summary>
/// Orchestrates one job. Units are not persisted one by one: they are re-derived on activation by listing the
/// source and reading the tables' commit logs (the truth), so a restarted job resumes exactly where the log is.
/// </summary>
public sealed class IngestJobGrain(
    [PersistentState("job", IngestStorageNames.Jobs)] IPersistentState<IngestJobState> state,
    UnitDiscovery discovery,
    TimeProvider timeProvider,
    IOptions<JobOptions> options,
    ILogger<IngestJobGrain> logger) : Grain, IIngestJobGrain
{
    private readonly UnitLedger _ledger = new(timeProvider, options.Value.LeaseDuration, options.Value.MaxAttempts);
    private JobPhase _phase = JobPhase.Created;
    private int _skippedAlreadyDone;
    private int _skippedNoRoute;
    private string? _error;
    private DateTimeOffset? _completedAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Spec is not null)
        {
            BeginDiscovery();
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (state.State.Spec is not null)
        {
            if (state.State.Spec != spec)
            {
                throw new InvalidOperationException($"Job '{this.GetPrimaryKeyString()}' exists with a different definition.");
            }

            return;
        }

        state.State.Spec = spec;
        state.State.StartedAt = timeProvider.GetUtcNow();
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).RegisterAsync(this.GetPrimaryKeyString());
        BeginDiscovery();
    }

    public Task<IReadOnlyList<WorkLease>> LeaseAsync(string workerId, int maxUnits) =>
        Task.FromResult(_phase is JobPhase.Discovering or JobPhase.Running ? _ledger.Lease(maxUnits) : (IReadOnlyList<WorkLease>)[]);

    public async Task ReportAsync(string workerId, IReadOnlyList<UnitOutcome> outcomes)
    {
        ArgumentNullException.ThrowIfNull(outcomes);
        foreach (var outcome in outcomes)
        {
            if (_ledger.Apply(outcome) is { } exhausted)
            {
                var unit = _ledger.Find(exhausted.UnitId)!;
                var table = GrainFactory.GetGrain<ITableCommitGrain>(TableKey.Of(state.State.Spec!.OutputRoot, unit.Table));
                await table.QuarantineAsync([new UnitQuarantine(unit.UnitId, unit.SourceUri, unit.ETag, exhausted.Reason)], workerId, state.State.Spec.PipelineVersion);
            }
        }

        await CompleteIfDoneAsync();
    }

    public Task<JobSpec?> GetSpecAsync() => Task.FromResult(state.State.Spec);

    public Task<JobProgress> GetProgressAsync() => Task.FromResult(new JobProgress(
        this.GetPrimaryKeyString(), _phase, _ledger.Count, _ledger.PendingCount, _ledger.LeasedCount, _ledger.CommittedCount,
        _ledger.QuarantinedCount, _skippedAlreadyDone, _skippedNoRoute, _ledger.AudioSegments, _ledger.AudioSeconds, _ledger.BytesDone,
        _ledger.BytesTotal, [.. _ledger.Quarantined], state.State.StartedAt, _completedAt, _error, _ledger.SensorWindows));

    private void BeginDiscovery()
    {
        _phase = JobPhase.Discovering;
        // Runs as turns of this activation: listing interleaves with lease and report calls.
        _ = DiscoverAsync(state.State.Spec!);
    }

    private async Task DiscoverAsync(JobSpec spec)
    {
        try
        {
            var pipeline = PipelineDefinition.FromJson(spec.PipelineJson);
            var listed = 0;
            await foreach (var found in discovery.DiscoverAsync(spec.SourceRoot, spec.OutputRoot, pipeline))
            {
                switch (found.Decision)
                {
                    case DiscoveryDecision.NoRoute:
                        _skippedNoRoute++;
                        break;
                    case DiscoveryDecision.AlreadySettled:
                        _skippedAlreadyDone++;
                        break;
                    default:
                        var kind = found.Route!.Kind == RouteKind.Audio ? "audio" : "sensor";
                        _ledger.Add(new WorkUnit(found.UnitId, found.Source.Uri, found.Source.RelativePath, found.Source.ETag, found.Source.Size, found.Route.Table, kind));
                        break;
                }

                if (++listed % 256 == 0)
                {
                    await Task.Yield();
                }
            }

            _phase = JobPhase.Running;
            JobLog.DiscoveryCompleted(logger, this.GetPrimaryKeyString(), _ledger.Count, _skippedAlreadyDone, _skippedNoRoute);
            await CompleteIfDoneAsync();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or NotSupportedException or InvalidDataException)
        {
            _phase = JobPhase.Failed;
            _error = ex.Message;
            _completedAt = timeProvider.GetUtcNow();
            JobLog.DiscoveryFailed(logger, ex, this.GetPrimaryKeyString());
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).UnregisterAsync(this.GetPrimaryKeyString());
        }
    }

    private async Task CompleteIfDoneAsync()
    {
        if (_phase == JobPhase.Running && _ledger.AllSettled)
        {
            _phase = JobPhase.Completed;
            _completedAt = timeProvider.GetUtcNow();
            JobLog.Completed(logger, this.GetPrimaryKeyString(), _ledger.CommittedCount, _ledger.QuarantinedCount);
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).UnregisterAsync(this.GetPrimaryKeyString());
        }
    }
}
