using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Storage;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests;

/// <summary>
/// Two workers given the same unit (as after an expired lease), over the real worker lanes, local storage and
/// commit protocol: exactly one commit of the unit wins, and the loser's other units go back to pending.
/// </summary>
[Trait("Category", "Integration")]
public sealed class JobWorkerConflictTests
{
    [Fact]
    public async Task TwoWorkersWithTheSameUnit_ExactlyOneCommitWinsAndTheLosersOtherUnitsAreReleased()
    {
        using var temp = new TempDirectory("oi-conflict");
        var manifest = CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0, SensorFiles: 3, BadFiles: 0, Seed: 9));
        var storage = new StorageResolver();
        var source = new Uri(temp.Combine("src") + "/").AbsoluteUri.TrimEnd('/');
        var output = new Uri(temp.Combine("out") + "/").AbsoluteUri.TrimEnd('/');
        var units = await SensorUnitsAsync(storage, source);

        Assert.Equal(3, units.Count);
        var committer = new TableCommitter(storage.GetTable(output, "sensor_windows"), TimeProvider.System);
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using var vad = new VadBatcher(model);
        var pipeline = PipelineDefinition.Default;
        var first = new ScriptedCoordinator([units[0], units[1]], committer);
        var second = new ScriptedCoordinator([units[0], units[2]], committer);

        await NewWorker(first, "w1").RunAsync();
        await NewWorker(second, "w2").RunAsync();

        Assert.All(first.Results, r => Assert.Equal(UnitResultKind.Committed, r.Kind));
        Assert.Equal(UnitResultKind.Committed, second.Results.Single(r => r.UnitId == units[0].UnitId).Kind);
        Assert.Equal(UnitResultKind.Released, second.Results.Single(r => r.UnitId == units[2].UnitId).Kind);
        var log = new TableCommitter(storage.GetTable(output, "sensor_windows"), TimeProvider.System);
        await log.RefreshAsync();
        var file = Assert.Single(log.State.Files);
        Assert.Equal(new[] { units[0].UnitId, units[1].UnitId }.Order(StringComparer.Ordinal), file.Units.Select(u => u.UnitId).Order(StringComparer.Ordinal));
        var rows = await DuckDbQuery.QueryAsync($"SELECT source_uri, count(*) AS n FROM read_parquet('{temp.Combine("out", "sensor_windows")}/*.parquet') GROUP BY source_uri");
        Assert.Equal(2, rows.Length);
        Assert.Empty(Directory.GetFiles(temp.Combine("out", "sensor_windows", "_ingest", "staging")));

        JobWorker NewWorker(IJobCoordinator coordinator, string name) => new(
            coordinator, storage, vad, "silero_vad=test", TimeProvider.System, new JobWorkerSettings(1), source, output,
            new PipelineContext(pipeline, pipeline.LineageVersion, name));
    }

    [Fact]
    public async Task UnitReleasedToTheSameLaneWhileItsRowsWaitInTheOpenFile_IsWrittenOnce()
    {
        using var temp = new TempDirectory("oi-relet");
        CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0, SensorFiles: 1, BadFiles: 0, Seed: 14));
        var storage = new StorageResolver();
        var source = new Uri(temp.Combine("src") + "/").AbsoluteUri.TrimEnd('/');
        var output = new Uri(temp.Combine("out") + "/").AbsoluteUri.TrimEnd('/');
        var unit = Assert.Single(await SensorUnitsAsync(storage, source));
        var committer = new TableCommitter(storage.GetTable(output, "sensor_windows"), TimeProvider.System);
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using var vad = new VadBatcher(model);
        // The lease expired and the partition handed the unit out again, to the lane that still holds its rows.
        var coordinator = new ScriptedCoordinator([unit, unit with { LeaseToken = 99 }], committer);

        await new JobWorker(
            coordinator, storage, vad, "silero_vad=test", TimeProvider.System, new JobWorkerSettings(1), source, output,
            new PipelineContext(PipelineDefinition.Default, PipelineDefinition.Default.LineageVersion, "w")).RunAsync();

        var rows = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n, count(DISTINCT window_id) AS ids FROM read_parquet('{temp.Combine("out", "sensor_windows")}/*.parquet')");
        Assert.Equal(rows[0].GetProperty("ids").GetInt64(), rows[0].GetProperty("n").GetInt64());
        Assert.Single(Assert.Single(committer.State.Files).Units);
    }

    [Fact]
    public async Task CommitAnswerLost_WorkerRetriesAndTheLoggedFileIsPublishedOnce()
    {
        using var temp = new TempDirectory("oi-lost-commit");
        CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0, SensorFiles: 2, BadFiles: 0, Seed: 12));
        var storage = new StorageResolver();
        var source = new Uri(temp.Combine("src") + "/").AbsoluteUri.TrimEnd('/');
        var output = new Uri(temp.Combine("out") + "/").AbsoluteUri.TrimEnd('/');
        var units = await SensorUnitsAsync(storage, source);

        var committer = new TableCommitter(storage.GetTable(output, "sensor_windows"), TimeProvider.System);
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using var vad = new VadBatcher(model);
        var coordinator = new ScriptedCoordinator(units, committer) { LoseFirstCommitAnswer = true };

        await new JobWorker(
            coordinator, storage, vad, "silero_vad=test", TimeProvider.System, new JobWorkerSettings(1), source, output,
            new PipelineContext(PipelineDefinition.Default, PipelineDefinition.Default.LineageVersion, "w")).RunAsync();

        Assert.Equal(2, coordinator.CommitCalls);
        Assert.All(coordinator.Results, r => Assert.Equal(UnitResultKind.Committed, r.Kind));
        var log = new TableCommitter(storage.GetTable(output, "sensor_windows"), TimeProvider.System);
        await log.RefreshAsync();
        var file = Assert.Single(log.State.Files);
        Assert.True(File.Exists(temp.Combine("out", "sensor_windows", file.Path)));
        var rows = await DuckDbQuery.QueryAsync($"SELECT count(DISTINCT source_uri) AS n FROM read_parquet('{temp.Combine("out", "sensor_windows")}/*.parquet')");
        Assert.Equal(2, rows[0].GetProperty("n").GetInt64());
    }

    private static async Task<List<LeasedUnit>> SensorUnitsAsync(StorageResolver storage, string source)
    {
        var units = new List<LeasedUnit>();
        await foreach (var item in storage.GetSource(source).ListAsync(source))
        {
            if (item.RelativePath.EndsWith(".csv", StringComparison.Ordinal))
            {
                units.Add(new LeasedUnit(UnitIdentity.Compute(item.Uri, item.ETag, item.Size), units.Count + 1, item.Uri, item.RelativePath, item.ETag, item.Size, "sensor_windows", RouteKind.Sensor));
            }
        }

        return units;
    }

    /// <summary>Hands out a fixed list of leases and commits through one shared committer, as the grains would.</summary>
    private sealed class ScriptedCoordinator(IReadOnlyList<LeasedUnit> leases, TableCommitter committer) : IJobCoordinator
    {
        public bool LoseFirstCommitAnswer { get; init; }

        public int CommitCalls { get; private set; }

        private readonly Queue<LeasedUnit> _leases = new(leases);
        private static readonly SemaphoreSlim CommitLock = new(1, 1);

        public List<UnitResult> Results { get; } = [];

        public Task<IReadOnlyList<LeasedUnit>> LeaseAsync(int maxUnits, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<LeasedUnit>>(_leases.TryDequeue(out var unit) ? [unit] : []);

        public Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken = default)
        {
            Results.AddRange(results);
            return Task.CompletedTask;
        }

        public async Task<FileCommitOutcome> CommitFileAsync(string table, FileCommitRequest request, IReadOnlyList<HeldLease> leases, CancellationToken cancellationToken = default)
        {
            await CommitLock.WaitAsync(cancellationToken);
            try
            {
                CommitCalls++;
                var outcome = await committer.CommitFileAsync(request, cancellationToken);
                if (LoseFirstCommitAnswer && CommitCalls == 1)
                {
                    // The commit happened; its answer is lost on the way back (a dropped connection, a dead silo).
                    throw new IOException("connection reset after the commit");
                }

                return outcome;
            }
            finally
            {
                CommitLock.Release();
            }
        }

        public Task QuarantineAsync(string table, QuarantinedUnit unit, string writer, string pipelineVersion, CancellationToken cancellationToken = default) =>
            committer.QuarantineAsync([unit], writer, pipelineVersion, cancellationToken);
    }
}
