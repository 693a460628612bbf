using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Grains;

/// <summary>Listing the source a page at a time (the backfill, and a continuous job's reconciliations).</summary>
public sealed partial class IngestJobGrain
{
    private async Task BeginListingAsync()
    {
        state.State.ListingDone = false;
        state.State.ListingToken = null;
        state.State.FoundThisListing = 0;
        await SaveAsync();
        ResumeListing();
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
