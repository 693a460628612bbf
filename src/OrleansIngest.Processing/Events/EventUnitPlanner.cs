using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Events;

/// <summary>A unit an event asks for: the blob version as a listing would describe it, its route and its arrival.</summary>
/// <param name="UnitId">The unit id, the same a listing computes for this version.</param>
/// <param name="Source">The version as a listing of the job's source gives it.</param>
/// <param name="Route">The pipeline route its path matches.</param>
/// <param name="ArrivedAt">The event time: when the version was written.</param>
public sealed record PlannedUnit(string UnitId, SourceObject Source, RouteDefinition Route, DateTimeOffset ArrivedAt);

/// <summary>What a batch of events asks of a continuous job.</summary>
/// <param name="Units">New versions to add as units (at most one per version).</param>
/// <param name="SupersededUnitIds">Units of versions a newer one replaced (the <c>latest</c> policy): cancel them if still pending.</param>
/// <param name="Events">Events in the batch.</param>
/// <param name="Duplicates">Events for a version already seen or already settled in its table's log.</param>
/// <param name="Stale">Events older than a version already seen (the <c>latest</c> policy).</param>
/// <param name="Deletions">BlobDeleted events: recorded, ignored.</param>
/// <param name="Unrouted">Events outside the source root, inside the output folder, or matching no route.</param>
public sealed record EventPlan(
    IReadOnlyList<PlannedUnit> Units,
    IReadOnlyList<string> SupersededUnitIds,
    int Events,
    int Duplicates,
    int Stale,
    int Deletions,
    int Unrouted);

/// <summary>
/// Turns blob events into a continuous job's units, exactly as a listing of the job's source would: each event's URL
/// is placed in the source by the store (<see cref="IBlobStore.Locate"/>, giving the listing's URI and relative path, so
/// an event and a reconciliation listing compute the same unit id), deduplicated by version, routed by the pipeline,
/// and checked against the target table's commit log so a version ingested before is never planned again.
/// Not thread-safe: one owner (a job grain) calls it.
/// </summary>
public sealed class EventUnitPlanner
{
    private readonly IStorageResolver _storage;
    private readonly TimeProvider _timeProvider;
    private readonly string _sourceRoot;
    private readonly string _outputRoot;
    private readonly PipelineDefinition _pipeline;
    private readonly IBlobStore _source;
    private readonly string? _outputPrefix;
    private readonly Dictionary<string, TableCommitter> _tables = new(StringComparer.Ordinal);

    /// <summary>Creates a planner for a job reading <paramref name="sourceRoot"/> into <paramref name="outputRoot"/>.</summary>
    public EventUnitPlanner(
        IStorageResolver storage,
        TimeProvider timeProvider,
        string sourceRoot,
        string outputRoot,
        PipelineDefinition pipeline,
        BlobEventDeduplicator deduplicator)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(deduplicator);
        _storage = storage;
        _timeProvider = timeProvider;
        _sourceRoot = sourceRoot;
        _outputRoot = outputRoot;
        _pipeline = pipeline;
        _source = storage.GetSource(sourceRoot);
        _outputPrefix = DiscoverySession.OutputPrefixOf(outputRoot);
        Deduplicator = deduplicator;
    }

    /// <summary>The version memory (its snapshot is the job's to persist).</summary>
    public BlobEventDeduplicator Deduplicator { get; }

    /// <summary>Plans <paramref name="events"/>; reads the target tables' logs (incrementally) but writes nothing.</summary>
    public async Task<EventPlan> PlanAsync(IReadOnlyList<BlobEvent> events, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(events);
        var unrouted = 0;
        var located = new List<(BlobEvent Event, SourceLocation Location)>(events.Count);
        foreach (var blobEvent in events)
        {
            var location = _source.Locate(_sourceRoot, blobEvent.Url);
            if (location is null || (_outputPrefix is not null && location.Uri.StartsWith(_outputPrefix, StringComparison.Ordinal)))
            {
                unrouted++;
                continue;
            }

            located.Add((blobEvent with { Url = location.Uri }, location));
        }

        var pathByUri = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (_, location) in located)
        {
            pathByUri[location.Uri] = location.RelativePath;
        }

        var decided = Deduplicator.ObserveBatch([.. located.Select(l => l.Event)]);
        var duplicates = decided.Decisions.Count(d => d.Outcome == BlobEventOutcome.Duplicate);
        var stale = decided.Decisions.Count(d => d.Outcome == BlobEventOutcome.Stale);
        var deletions = decided.Decisions.Count(d => d.Outcome == BlobEventOutcome.DeleteIgnored);

        var units = new List<PlannedUnit>(decided.NewVersions.Count);
        var refreshed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var version in decided.NewVersions)
        {
            var relative = pathByUri[version.Url];
            var route = _pipeline.RouteFor(relative);
            if (route is null)
            {
                unrouted++;
                continue;
            }

            var size = version.Size!.Value;
            var unitId = UnitIdentity.Compute(version.Url, version.ETag!, size);
            if ((await GetTableAsync(route.Table, refreshed, cancellationToken)).State.IsSettled(unitId))
            {
                duplicates++;
                continue;
            }

            units.Add(new PlannedUnit(unitId, new SourceObject(version.Url, relative, version.ETag!, size, version.Time), route, version.Time));
        }

        var superseded = decided.Superseded
            .Where(v => v.Size is not null)
            .Select(v => UnitIdentity.Compute(v.Url, v.ETag, v.Size!.Value))
            .ToList();
        return new EventPlan(units, superseded, events.Count, duplicates, stale, deletions, unrouted);
    }

    // Each table's log state is read once and then refreshed once per batch, which reads only entries added since.
    private async Task<TableCommitter> GetTableAsync(string table, HashSet<string> refreshed, CancellationToken cancellationToken)
    {
        if (!_tables.TryGetValue(table, out var committer))
        {
            committer = new TableCommitter(_storage.GetTable(_outputRoot, table), _timeProvider);
            _tables[table] = committer;
        }

        if (refreshed.Add(table))
        {
            await committer.RefreshAsync(cancellationToken);
        }

        return committer;
    }
}
