using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Pipeline;

/// <summary>What discovery decided about one listed object.</summary>
public enum DiscoveryDecision
{
    /// <summary>Routed and not yet settled: to be processed.</summary>
    Process,

    /// <summary>This blob version is already committed or quarantined in its table.</summary>
    AlreadySettled,

    /// <summary>No route matches the path; skipped and counted, not quarantined.</summary>
    NoRoute,
}

/// <summary>One listed object with its unit id, route and decision.</summary>
public sealed record DiscoveredObject(SourceObject Source, string UnitId, RouteDefinition? Route, DiscoveryDecision Decision);

/// <summary>
/// Lists a source and turns each object into a unit: routes it, derives its idempotency key, and checks the
/// target table's commit log so a re-run never processes a committed blob version again.
/// </summary>
public sealed class UnitDiscovery(IStorageResolver storage, TimeProvider timeProvider)
{
    /// <summary>Lists <paramref name="sourceRoot"/> and classifies every object.</summary>
    public async IAsyncEnumerable<DiscoveredObject> DiscoverAsync(
        string sourceRoot,
        string outputRoot,
        PipelineDefinition pipeline,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var tables = new Dictionary<string, CommitLogState>(StringComparer.Ordinal);
        var outputPrefix = OutputPrefixOf(outputRoot);
        await foreach (var source in storage.GetSource(sourceRoot).ListAsync(sourceRoot, cancellationToken))
        {
            // An output folder inside the source folder must not be ingested as input.
            if (outputPrefix is not null && source.Uri.StartsWith(outputPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var unitId = UnitIdentity.Compute(source.Uri, source.ETag, source.Size);
            var route = pipeline.RouteFor(source.RelativePath);
            if (route is null)
            {
                yield return new DiscoveredObject(source, unitId, null, DiscoveryDecision.NoRoute);
                continue;
            }

            if (!tables.TryGetValue(route.Table, out var state))
            {
                var committer = new TableCommitter(storage.GetTable(outputRoot, route.Table), timeProvider);
                await committer.RefreshAsync(cancellationToken);
                state = committer.State;
                tables[route.Table] = state;
            }

            var decision = state.IsSettled(unitId) ? DiscoveryDecision.AlreadySettled : DiscoveryDecision.Process;
            yield return new DiscoveredObject(source, unitId, route, decision);
        }
    }

    private static string? OutputPrefixOf(string outputRoot)
    {
        if (outputRoot.Contains("://", StringComparison.Ordinal) && !outputRoot.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return outputRoot.TrimEnd('/') + "/";
        }

        var path = outputRoot.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(outputRoot).LocalPath : outputRoot;
        return new Uri(Path.GetFullPath(path).TrimEnd('/') + "/").AbsoluteUri;
    }
}
