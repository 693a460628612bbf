using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Events;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Local;

/// <summary>
/// <see cref="EventUnitPlanner"/> against real local folders and commit logs: an event must name the unit a listing
/// of the same file names, so that events and reconciliation listings never ingest one version twice.
/// </summary>
/// <remarks>Here rather than in Processing.Tests, which does not reference the storage adapters.</remarks>
[Trait("Category", "Integration")]
public sealed class EventUnitPlannerTests : IDisposable
{
    private static readonly DateTimeOffset EventTime = new(2026, 3, 14, 9, 26, 53, TimeSpan.Zero);

    private readonly TempDirectory _temp = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 14, 10, 0, 0, TimeSpan.Zero));
    private readonly StorageResolver _storage = new();
    private int _nextEventId;

    public EventUnitPlannerTests()
    {
        Directory.CreateDirectory(SourceRoot);
        Directory.CreateDirectory(OutputRoot);
    }

    private string SourceRoot => _temp.Combine("src");

    private string OutputRoot => _temp.Combine("out");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Plan_EventForAFileUnderTheRootNamesTheUnitAListingNames()
    {
        var path = Write("site a/rec é.wav", "audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner();

        var plan = await planner.PlanAsync([Created(path, listed.Source.ETag, listed.Source.Size)]);

        var unit = Assert.Single(plan.Units);
        Assert.Equal(listed.UnitId, unit.UnitId);
        Assert.Equal(UnitIdentity.Compute(listed.Source.Uri, listed.Source.ETag, listed.Source.Size), unit.UnitId);
        Assert.Equal(listed.Source.Uri, unit.Source.Uri);
        Assert.Equal(listed.Source.RelativePath, unit.Source.RelativePath);
        Assert.Equal(listed.Source.ETag, unit.Source.ETag);
        Assert.Equal(listed.Source.Size, unit.Source.Size);
        Assert.Equal("audio_segments", unit.Route.Table);
        Assert.Equal(RouteKind.Audio, unit.Route.Kind);
        Assert.Empty(plan.SupersededUnitIds);
        Assert.Equal((1, 0, 0, 0, 0), Counts(plan));
    }

    [Fact]
    public async Task Plan_EventUrlInAnotherEscapingNamesTheListingsUnit()
    {
        var path = Write("site a/rec é.wav", "audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner();

        // The same file written with its space and accent unescaped.
        var plan = await planner.PlanAsync([new BlobEvent("e1", BlobEventKind.Created, "file://" + path, listed.Source.ETag, listed.Source.Size, "01", EventTime)]);

        var unit = Assert.Single(plan.Units);
        Assert.Equal(listed.UnitId, unit.UnitId);
        Assert.Equal(listed.Source.Uri, unit.Source.Uri);
    }

    [Fact]
    public async Task Plan_ArrivedAtIsTheEventTime()
    {
        var path = Write("a.csv", "t,x\n0,1\n");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner();

        var plan = await planner.PlanAsync([Created(path, listed.Source.ETag, listed.Source.Size, time: EventTime)]);

        var unit = Assert.Single(plan.Units);
        Assert.Equal(EventTime, unit.ArrivedAt);
        Assert.Equal(EventTime, unit.Source.LastModified);
        Assert.Equal("sensor_windows", unit.Route.Table);
    }

    [Fact]
    public async Task Plan_ARepeatedEventIsADuplicateInTheSameBatchAndInALaterOne()
    {
        var path = Write("a.wav", "audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner();
        var created = Created(path, listed.Source.ETag, listed.Source.Size);

        var first = await planner.PlanAsync([created, created]);
        var redelivered = await planner.PlanAsync([created with { Id = "another route's id" }]);

        Assert.Equal(listed.UnitId, Assert.Single(first.Units).UnitId);
        Assert.Equal(1, first.Duplicates);
        Assert.Equal(2, first.Events);
        Assert.Empty(redelivered.Units);
        Assert.Equal(1, redelivered.Duplicates);
    }

    [Fact]
    public async Task Plan_EventOutsideTheSourceRootIsUnrouted()
    {
        var outside = _temp.Combine("elsewhere", "a.wav");
        var sibling = _temp.Combine("src2", "a.wav");
        foreach (var path in new[] { outside, sibling })
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, "audio");
        }

        var plan = await NewPlanner().PlanAsync([Created(outside, "\"e\"", 5), Created(sibling, "\"e\"", 5)]);

        Assert.Empty(plan.Units);
        Assert.Equal((2, 0, 0, 0, 2), Counts(plan));
    }

    [Fact]
    public async Task Plan_EventInsideAnOutputFolderWithinTheSourceIsUnrouted()
    {
        var output = Path.Combine(SourceRoot, "out");
        var inOutput = Write("out/audio_segments/part-0.wav", "audio");
        var input = Write("in/a.wav", "audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, output));
        var planner = NewPlanner(output: output);

        var plan = await planner.PlanAsync([Created(inOutput, "\"e\"", 5), Created(input, listed.Source.ETag, listed.Source.Size)]);

        Assert.Equal("in/a.wav", listed.Source.RelativePath);
        Assert.Equal(listed.UnitId, Assert.Single(plan.Units).UnitId);
        Assert.Equal(1, plan.Unrouted);
    }

    [Fact]
    public async Task Plan_EventForAPathNoRouteMatchesIsUnrouted()
    {
        var path = Write("notes.txt", "hello");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));

        var plan = await NewPlanner().PlanAsync([Created(path, listed.Source.ETag, listed.Source.Size)]);

        Assert.Equal(DiscoveryDecision.NoRoute, listed.Decision);
        Assert.Empty(plan.Units);
        Assert.Equal(1, plan.Unrouted);
        Assert.Equal(0, plan.Duplicates);
    }

    [Fact]
    public async Task Plan_EventForAHiddenFileIsUnrouted()
    {
        var path = Write(".partial/a.wav", "audio");

        var plan = await NewPlanner().PlanAsync([Created(path, "\"e\"", 5)]);

        Assert.Empty(await DiscoverAsync(SourceRoot, OutputRoot));
        Assert.Empty(plan.Units);
        Assert.Equal(1, plan.Unrouted);
    }

    [Fact]
    public async Task Plan_VersionAlreadyCommittedInTheTablesLogIsADuplicate()
    {
        var path = Write("a.wav", "audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        await CommitAsync("audio_segments", listed);

        var plan = await NewPlanner().PlanAsync([Created(path, listed.Source.ETag, listed.Source.Size)]);

        Assert.Equal(DiscoveryDecision.AlreadySettled, Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot)).Decision);
        Assert.Empty(plan.Units);
        Assert.Equal(1, plan.Duplicates);
        Assert.Equal(0, plan.Unrouted);
    }

    [Fact]
    public async Task Plan_VersionCommittedAfterAnEarlierBatchIsADuplicateInTheNextOne()
    {
        var first = Write("a.wav", "audio");
        var second = Write("b.wav", "audio!");
        var listed = (await DiscoverAsync(SourceRoot, OutputRoot)).ToDictionary(d => d.Source.RelativePath);
        var planner = NewPlanner();
        Assert.Single((await planner.PlanAsync([Created(first, listed["a.wav"].Source.ETag, listed["a.wav"].Source.Size)])).Units);

        // Another job (or a listing's run) commits b.wav after this planner read the log.
        await CommitAsync("audio_segments", listed["b.wav"]);
        var plan = await planner.PlanAsync([Created(second, listed["b.wav"].Source.ETag, listed["b.wav"].Source.Size)]);

        Assert.Empty(plan.Units);
        Assert.Equal(1, plan.Duplicates);
    }

    [Fact]
    public async Task Plan_VersionQuarantinedInTheTablesLogIsADuplicate()
    {
        var path = Write("bad.wav", "not audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var committer = new TableCommitter(_storage.GetTable(OutputRoot, "audio_segments"), _time);
        await committer.QuarantineAsync([new QuarantinedUnit(listed.UnitId, listed.Source.Uri, listed.Source.ETag, "bad header")], "test", "p@1");

        var plan = await NewPlanner().PlanAsync([Created(path, listed.Source.ETag, listed.Source.Size)]);

        Assert.Empty(plan.Units);
        Assert.Equal(1, plan.Duplicates);
    }

    [Fact]
    public async Task Plan_BlobDeletedCountsAsADeletionAndPlansNothing()
    {
        var path = Write("a.wav", "audio");
        var listed = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner();
        Assert.Single((await planner.PlanAsync([Created(path, listed.Source.ETag, listed.Source.Size, sequencer: "01")])).Units);
        File.Delete(path);

        var plan = await planner.PlanAsync([new BlobEvent(NextId(), BlobEventKind.Deleted, LocalPaths.ToUri(path), null, null, "02", EventTime)]);

        Assert.Empty(plan.Units);
        Assert.Empty(plan.SupersededUnitIds);
        Assert.Equal((1, 0, 0, 1, 0), Counts(plan));
    }

    [Fact]
    public async Task Plan_UnderLatestAnOverwriteSupersedesTheEarlierVersionsUnit()
    {
        var path = Write("a.wav", "version one");
        var v1 = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner(VersionPolicy.Latest);
        var firstPlan = await planner.PlanAsync([Created(path, v1.Source.ETag, v1.Source.Size, sequencer: "0a")]);
        var v2 = await OverwriteAsync(path, "version two, longer");

        var plan = await planner.PlanAsync([Created(path, v2.Source.ETag, v2.Source.Size, sequencer: "0b")]);

        Assert.NotEqual(v1.UnitId, v2.UnitId);
        Assert.Equal(v1.UnitId, Assert.Single(firstPlan.Units).UnitId);
        Assert.Equal(v2.UnitId, Assert.Single(plan.Units).UnitId);
        Assert.Equal([v1.UnitId], plan.SupersededUnitIds);
        Assert.Equal(0, plan.Stale);
    }

    [Fact]
    public async Task Plan_UnderLatestALateOlderEventIsStale()
    {
        var path = Write("a.wav", "version one");
        var v1 = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var v2 = await OverwriteAsync(path, "version two, longer");
        var planner = NewPlanner(VersionPolicy.Latest);

        var newer = await planner.PlanAsync([Created(path, v2.Source.ETag, v2.Source.Size, sequencer: "0b")]);
        var late = await planner.PlanAsync([Created(path, v1.Source.ETag, v1.Source.Size, sequencer: "0a")]);

        Assert.Equal(v2.UnitId, Assert.Single(newer.Units).UnitId);
        Assert.Empty(late.Units);
        Assert.Empty(late.SupersededUnitIds);
        Assert.Equal(1, late.Stale);
        Assert.Equal(0, late.Duplicates);
    }

    [Fact]
    public async Task Plan_UnderLatestAVersionSupersededWithinItsBatchIsNeverPlanned()
    {
        var path = Write("a.wav", "version one");
        var v1 = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var v2 = await OverwriteAsync(path, "version two, longer");

        var plan = await NewPlanner(VersionPolicy.Latest).PlanAsync(
            [Created(path, v1.Source.ETag, v1.Source.Size, sequencer: "0a"), Created(path, v2.Source.ETag, v2.Source.Size, sequencer: "0b")]);

        Assert.Equal(v2.UnitId, Assert.Single(plan.Units).UnitId);
        Assert.Empty(plan.SupersededUnitIds);
    }

    [Fact]
    public async Task Plan_UnderAllEveryVersionIsPlannedAndNoneSuperseded()
    {
        var path = Write("a.wav", "version one");
        var v1 = Assert.Single(await DiscoverAsync(SourceRoot, OutputRoot));
        var planner = NewPlanner(VersionPolicy.All);
        var first = await planner.PlanAsync([Created(path, v1.Source.ETag, v1.Source.Size, sequencer: "0a")]);
        var v2 = await OverwriteAsync(path, "version two, longer");

        var second = await planner.PlanAsync([Created(path, v2.Source.ETag, v2.Source.Size, sequencer: "0b")]);

        Assert.Equal(v1.UnitId, Assert.Single(first.Units).UnitId);
        Assert.Equal(v2.UnitId, Assert.Single(second.Units).UnitId);
        Assert.Empty(second.SupersededUnitIds);
    }

    private static (int Events, int Duplicates, int Stale, int Deletions, int Unrouted) Counts(EventPlan plan) =>
        (plan.Events, plan.Duplicates, plan.Stale, plan.Deletions, plan.Unrouted);

    private EventUnitPlanner NewPlanner(VersionPolicy policy = VersionPolicy.All, string? output = null) =>
        new(_storage, _time, SourceRoot, output ?? OutputRoot, PipelineDefinition.Default, new BlobEventDeduplicator(policy));

    private BlobEvent Created(string path, string eTag, long size, string? sequencer = null, DateTimeOffset? time = null) =>
        new(NextId(), BlobEventKind.Created, LocalPaths.ToUri(path), eTag, size, sequencer, time ?? EventTime);

    private string NextId() => $"event-{++_nextEventId}";

    private string Write(string relative, string content)
    {
        var path = Path.Combine(SourceRoot, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
        return path;
    }

    // A new version: new content and a later write time, so the listing's (size, mtime) token changes for certain.
    private async Task<DiscoveredObject> OverwriteAsync(string path, string content)
    {
        var before = File.GetLastWriteTimeUtc(path);
        File.WriteAllText(path, content);
        File.SetLastWriteTimeUtc(path, before.AddSeconds(5));
        var relative = Path.GetRelativePath(SourceRoot, path).Replace('\\', '/');
        return (await DiscoverAsync(SourceRoot, OutputRoot)).Single(d => d.Source.RelativePath == relative);
    }

    private async Task<List<DiscoveredObject>> DiscoverAsync(string source, string output)
    {
        var found = new List<DiscoveredObject>();
        await foreach (var item in new UnitDiscovery(_storage, _time).DiscoverAsync(source, output, PipelineDefinition.Default))
        {
            found.Add(item);
        }

        return found;
    }

    // Commits the listed version's unit the way a worker does: stage a file, then append the log entry.
    private async Task CommitAsync(string table, DiscoveredObject listed)
    {
        var store = _storage.GetTable(OutputRoot, table);
        var fileName = $"part-{listed.UnitId}.parquet";
        await using (var stream = await store.CreateStagedFileAsync(fileName))
        {
            await stream.WriteAsync("PAR1"u8.ToArray());
        }

        await store.SealStagedFileAsync(fileName);
        var outcome = await new TableCommitter(store, _time).CommitFileAsync(
            new FileCommitRequest(fileName, 2, 4, [new LoggedUnit(listed.UnitId, listed.Source.Uri, listed.Source.ETag, listed.Source.Size, 2, 1.5)], "test", "p@1"));
        Assert.True(outcome.Committed);
    }
}
