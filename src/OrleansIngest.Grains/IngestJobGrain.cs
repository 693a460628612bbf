using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Grains;

/// <summary>Durable part of a job: its definition, the listing checkpoint and the listing counters.</summary>
[GenerateSerializer, Alias("OrleansIngest.IngestJobState")]
public sealed class IngestJobState
{
    [Id(0)] public JobSpec? Spec { get; set; }
    [Id(1)] public DateTimeOffset StartedAt { get; set; }
    [Id(2)] public int Partitions { get; set; }
    [Id(3)] public string? ListingToken { get; set; }
    [Id(4)] public bool ListingDone { get; set; }
    [Id(5)] public int SkippedAlreadyDone { get; set; }
    [Id(6)] public int SkippedNoRoute { get; set; }
    [Id(7)] public DateTimeOffset? CompletedAt { get; set; }
    [Id(8)] public string? Error { get; set; }
}

/// <summary>
/// Orchestrates one job: lists the source page by page, hands each page's units to the partitions (which persist
/// them), then checkpoints the continuation token — so a restarted job resumes listing where it stopped and
/// loses no unit. Progress is the sum over the partitions.
/// </summary>
public sealed class IngestJobGrain(
    [PersistentState("job", IngestStorageNames.Jobs)] IPersistentState<IngestJobState> state,
    UnitDiscovery discovery,
    TimeProvider timeProvider,
    IOptions<JobOptions> options,
    ILogger<IngestJobGrain> logger) : Grain, IIngestJobGrain
{
    private bool _listing;

    private string JobId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        ResumeListing();
        return Task.CompletedTask;
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

        state.State.Spec = spec;
        state.State.StartedAt = timeProvider.GetUtcNow();
        state.State.Partitions = options.Value.Partitions;
        await state.WriteStateAsync();
        await GrainFactory.GetGrain<IJobRegistryGrain>(0).RegisterAsync(JobId);
        ResumeListing();
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
        if (s.Spec is not null && s.ListingDone && s.CompletedAt is null && s.Error is null && pending + leased == 0)
        {
            s.CompletedAt = timeProvider.GetUtcNow();
            await state.WriteStateAsync();
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).UnregisterAsync(JobId);
            JobLog.Completed(logger, JobId, counts.Sum(c => c.Committed), counts.Sum(c => c.Quarantined.Count));
        }

        var phase = s.Error is not null ? JobPhase.Failed
            : s.CompletedAt is not null ? JobPhase.Completed
            : s.Spec is null ? JobPhase.Created
            : s.ListingDone ? JobPhase.Running : JobPhase.Discovering;
        return new JobProgress(
            JobId, phase, counts.Sum(c => c.Units), pending, leased, counts.Sum(c => c.Committed), counts.Sum(c => c.Quarantined.Count),
            s.SkippedAlreadyDone, s.SkippedNoRoute, counts.Sum(c => c.AudioSegments), counts.Sum(c => c.AudioSeconds), counts.Sum(c => c.BytesDone),
            counts.Sum(c => c.BytesTotal), [.. counts.SelectMany(c => c.Quarantined)], s.StartedAt, s.CompletedAt, s.Error, counts.Sum(c => c.SensorWindows));
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
        try
        {
            var pipeline = PipelineDefinition.FromJson(spec.PipelineJson);
            var session = discovery.Begin(spec.SourceRoot, spec.OutputRoot, pipeline);
            var context = new PartitionContext(spec.OutputRoot, spec.PipelineVersion);
            while (!state.State.ListingDone)
            {
                var page = await session.NextPageAsync(state.State.ListingToken, options.Value.ListingPageSize);
                var units = new List<WorkUnit>();
                foreach (var found in page.Objects)
                {
                    switch (found.Decision)
                    {
                        case DiscoveryDecision.NoRoute:
                            state.State.SkippedNoRoute++;
                            break;
                        case DiscoveryDecision.AlreadySettled:
                            state.State.SkippedAlreadyDone++;
                            break;
                        default:
                            var kind = found.Route!.Kind == RouteKind.Audio ? "audio" : "sensor";
                            units.Add(new WorkUnit(found.UnitId, found.Source.Uri, found.Source.RelativePath, found.Source.ETag, found.Source.Size, found.Route.Table, kind));
                            break;
                    }
                }

                // Units are durable in their partitions before the checkpoint moves past them.
                await Task.WhenAll(units.GroupBy(u => JobPartitions.Of(u.UnitId, state.State.Partitions)).Select(g =>
                    GrainFactory.GetGrain<IJobPartitionGrain>(JobPartitions.Key(JobId, g.Key)).AddUnitsAsync(context, [.. g])));
                state.State.ListingToken = page.ContinuationToken;
                state.State.ListingDone = page.ContinuationToken is null;
                await state.WriteStateAsync();
            }

            JobLog.DiscoveryCompleted(logger, JobId, state.State.SkippedAlreadyDone, state.State.SkippedNoRoute);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or NotSupportedException or InvalidDataException or ArgumentException)
        {
            state.State.Error = ex.Message;
            state.State.CompletedAt = timeProvider.GetUtcNow();
            await state.WriteStateAsync();
            JobLog.DiscoveryFailed(logger, ex, JobId);
            await GrainFactory.GetGrain<IJobRegistryGrain>(0).UnregisterAsync(JobId);
        }
        finally
        {
            _listing = false;
        }
    }
}
