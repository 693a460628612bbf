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

/// <summary>One classified page of a listing and the token of the next page (null: listing complete).</summary>
public sealed record DiscoveredPage(IReadOnlyList<DiscoveredObject> Objects, string? ContinuationToken);

/// <summary>
/// Lists a source and turns each object into a unit: routes it, derives its idempotency key, and checks the
/// target table's commit log so a re-run never processes a committed blob version again.
/// </summary>
public sealed class UnitDiscovery(IStorageResolver storage, TimeProvider timeProvider)
{
    /// <summary>Starts a listing of <paramref name="sourceRoot"/> for a job writing to <paramref name="outputRoot"/>.</summary>
    public DiscoverySession Begin(string sourceRoot, string outputRoot, PipelineDefinition pipeline) =>
        new(storage, timeProvider, sourceRoot, outputRoot, pipeline);

    /// <summary>Lists <paramref name="sourceRoot"/> and classifies every object (all pages).</summary>
    public async IAsyncEnumerable<DiscoveredObject> DiscoverAsync(
        string sourceRoot,
        string outputRoot,
        PipelineDefinition pipeline,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var session = Begin(sourceRoot, outputRoot, pipeline);
        string? token = null;
        do
        {
            var page = await session.NextPageAsync(token, 1000, cancellationToken);
            foreach (var found in page.Objects)
            {
                yield return found;
            }

            token = page.ContinuationToken;
        }
        while (token is not null);
    }
}

/// <summary>
/// One listing in progress. The commit-log state of each target table is kept and refreshed incrementally per
/// page, so the check against the log stays current without re-reading whole logs.
/// </summary>
public sealed class DiscoverySession
{
    private readonly IStorageResolver _storage;
    private readonly TimeProvider _timeProvider;
    private readonly string _sourceRoot;
    private readonly string _outputRoot;
    private readonly PipelineDefinition _pipeline;
    private readonly IBlobStore _source;
    private readonly string? _outputPrefix;
    private readonly Dictionary<string, TableCommitter> _tables = new(StringComparer.Ordinal);

    internal DiscoverySession(IStorageResolver storage, TimeProvider timeProvider, string sourceRoot, string outputRoot, PipelineDefinition pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _storage = storage;
        _timeProvider = timeProvider;
        _sourceRoot = sourceRoot;
        _outputRoot = outputRoot;
        _pipeline = pipeline;
        _source = storage.GetSource(sourceRoot);
        _outputPrefix = OutputPrefixOf(outputRoot);
    }

    /// <summary>Lists and classifies the page that starts at <paramref name="continuationToken"/>.</summary>
    public async Task<DiscoveredPage> NextPageAsync(string? continuationToken, int pageSize, CancellationToken cancellationToken = default)
    {
        var page = await _source.ListPageAsync(_sourceRoot, continuationToken, pageSize, cancellationToken);
        foreach (var table in _tables.Values)
        {
            await table.RefreshAsync(cancellationToken);
        }

        var objects = new List<DiscoveredObject>(page.Items.Count);
        foreach (var source in page.Items)
        {
            // An output folder inside the source folder must not be ingested as input.
            if (_outputPrefix is not null && source.Uri.StartsWith(_outputPrefix, StringComparison.Ordinal))
            {
                continue;
            }

            var unitId = UnitIdentity.Compute(source.Uri, source.ETag, source.Size);
            var route = _pipeline.RouteFor(source.RelativePath);
            if (route is null)
            {
                objects.Add(new DiscoveredObject(source, unitId, null, DiscoveryDecision.NoRoute));
                continue;
            }

            if (!_tables.TryGetValue(route.Table, out var committer))
            {
                committer = new TableCommitter(_storage.GetTable(_outputRoot, route.Table), _timeProvider);
                await committer.RefreshAsync(cancellationToken);
                _tables[route.Table] = committer;
            }

            var decision = committer.State.IsSettled(unitId) ? DiscoveryDecision.AlreadySettled : DiscoveryDecision.Process;
            objects.Add(new DiscoveredObject(source, unitId, route, decision));
        }

        return new DiscoveredPage(objects, page.ContinuationToken);
    }

    /// <summary>The URI prefix of objects inside <paramref name="outputRoot"/>, which are never input.</summary>
    internal static string? OutputPrefixOf(string outputRoot)
    {
        if (outputRoot.Contains("://", StringComparison.Ordinal) && !outputRoot.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return outputRoot.TrimEnd('/') + "/";
        }

        var path = outputRoot.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(outputRoot).LocalPath : outputRoot;
        return new Uri(Path.GetFullPath(path).TrimEnd('/') + "/").AbsoluteUri;
    }
}
