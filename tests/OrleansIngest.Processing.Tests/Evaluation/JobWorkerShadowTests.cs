using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Processing.Tests.Inference;

namespace OrleansIngest.Processing.Tests.Evaluation;

[Trait("Category", "Unit")]
public sealed class JobWorkerShadowTests
{
    private const string Op15Sha256 = "7ed98ddbad84ccac4cd0aeb3099049280713df825c610a8ed34543318f1b2c49";

    private static readonly PipelineContext Context = new(
        PipelineDefinition.Default with
        {
            Audio = new AudioDefinition { SegmentSeconds = 2 },
            Evaluation = new EvaluationDefinition
            {
                Sample = 1,
                Candidates = [new CandidateDefinition
                {
                    Name = "silero_op15", Shadows = "vad", Path = Path.Combine(AppContext.BaseDirectory, "models", "silero_vad_16k_op15.onnx"), Sha256 = Op15Sha256, Provider = "cpu",
                }],
            },
        },
        "default@1+test",
        "test-silo");

    [Fact]
    public async Task JobWorker_CommitsEvalRowsBeforeTheDataFileAndSkipsUnitsWhoseEvalRowsAreCommittedAlready()
    {
        // 5 s of audio in 2 s segments: 3 segments per unit. unit-2's eval rows are in the eval log already (a retry).
        var (units, source) = Units(3);
        var storage = new ShadowStorage(source, alreadyCommitted: ["unit-2"]);
        var coordinator = new OrderedCoordinator(units, rejectTable: null);
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using (var batcher = new VadBatcher(model))
        {
            await new JobWorker(coordinator, storage, batcher, "silero_vad@test", TimeProvider.System, new JobWorkerSettings(Lanes: 1), "memory://raw", "memory://out", Context).RunAsync();
        }

        var commits = coordinator.Commits.ToList();
        Assert.Equal(["eval_vad", "audio_segments"], commits.Select(c => c.Table));
        Assert.Equal(["unit-1", "unit-3"], commits[0].Request.Units.Select(u => u.UnitId));
        Assert.Equal(2 * 3 * 2, commits[0].Request.Rows);
        Assert.All(commits[0].Request.Units, u => Assert.Equal(2 * 3, u.Rows));
        Assert.Equal(["unit-1", "unit-2", "unit-3"], commits[1].Request.Units.Select(u => u.UnitId));
        Assert.All(coordinator.Results, r => Assert.Equal(UnitResultKind.Committed, r.Kind));
    }

    [Fact]
    public async Task JobWorker_ReleasesTheUnitsOfADataFileWhoseEvalRowsWereNotCommitted()
    {
        var (units, source) = Units(2);
        var coordinator = new OrderedCoordinator(units, rejectTable: "eval_vad");
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using (var batcher = new VadBatcher(model))
        {
            await new JobWorker(coordinator, new ShadowStorage(source, []), batcher, "silero_vad@test", TimeProvider.System, new JobWorkerSettings(Lanes: 1), "memory://raw", "memory://out", Context).RunAsync();
        }

        Assert.Equal(["eval_vad"], coordinator.Commits.Select(c => c.Table));
        Assert.Equal(2, coordinator.Results.Count);
        Assert.All(coordinator.Results, r =>
        {
            Assert.Equal(UnitResultKind.Released, r.Kind);
            Assert.Equal("file dropped: the evaluation rows of its units were not committed", r.Reason);
        });
    }

    [Fact]
    public async Task JobWorker_CommitsModelStepEvalRowsBeforeTheSensorFileAndSkipsUnitsWhoseEvalRowsAreCommittedAlready()
    {
        // 6 labelled windows per unit; unit-2's rows are in eval_sensor_anomaly's log already (a retry after a crash).
        var pipeline = PipelineDefinition.Default with
        {
            Evaluation = new EvaluationDefinition
            {
                Sample = 1,
                Candidates = [new CandidateDefinition
                {
                    Name = "sensor_small", Shadows = "sensor_anomaly", Path = Path.Combine(AppContext.BaseDirectory, "models", "sensor_anomaly_small.onnx"), Provider = "cpu",
                }],
            },
        };
        PipelineDefinition.Validate(pipeline);
        var source = new Dictionary<string, byte[]>();
        var units = new LeasedUnit[3];
        for (var i = 0; i < units.Length; i++)
        {
            using var text = new StringWriter();
            LabelledSensorSeries.Write(text, seed: 40 + i, windows: 6);
            var uri = $"memory://raw/{i}.csv";
            source[uri] = System.Text.Encoding.UTF8.GetBytes(text.ToString());
            units[i] = new LeasedUnit($"unit-{i + 1}", 1, uri, $"{i}.csv", $"\"e{i}\"", source[uri].Length, "sensor_windows", RouteKind.Sensor);
        }

        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(Path.GetTempPath()));
        var steps = await catalog.LoadAsync(pipeline.Models);
        var shadow = ModelStepShadow.Create(pipeline, steps, (await catalog.LoadAsync(ModelStepShadow.CandidateSteps(pipeline))).All, TimeProvider.System);
        var coordinator = new OrderedCoordinator(units, rejectTable: null);
        using var model = new SileroVadModel(new OnnxModelSettings(SileroVadModel.DefaultModelPath));
        await using (var batcher = new VadBatcher(model))
        {
            await new JobWorker(
                coordinator, new ShadowStorage(source, alreadyCommitted: ["unit-2"]), batcher, "silero_vad@test", TimeProvider.System, new JobWorkerSettings(Lanes: 1),
                "memory://raw", "memory://out", new PipelineContext(pipeline, "default@1+test", "test-silo"), models: steps, modelShadow: shadow).RunAsync();
        }

        var commits = coordinator.Commits.ToList();
        Assert.Equal(["eval_sensor_anomaly", "sensor_windows"], commits.Select(c => c.Table));
        Assert.Equal(["unit-1", "unit-3"], commits[0].Request.Units.Select(u => u.UnitId));
        Assert.All(commits[0].Request.Units, u => Assert.Equal(2 * 6, u.Rows));
        Assert.Equal(["unit-1", "unit-2", "unit-3"], commits[1].Request.Units.Select(u => u.UnitId));
        Assert.All(coordinator.Results, r => Assert.Equal(UnitResultKind.Committed, r.Kind));
    }

    private static (LeasedUnit[] Units, Dictionary<string, byte[]> Source) Units(int count)
    {
        var source = new Dictionary<string, byte[]>();
        var units = new LeasedUnit[count];
        for (var i = 0; i < count; i++)
        {
            var samples = TestAudio.Bursts(5 * AudioUnitProcessor.SampleRate, seed: i);
            using var wav = new MemoryStream();
            WavEncoder.Write(wav, samples, AudioUnitProcessor.SampleRate, 1, WavSampleFormat.Pcm16);
            var uri = $"memory://raw/{i}.wav";
            source[uri] = wav.ToArray();
            units[i] = new LeasedUnit($"unit-{i + 1}", 1, uri, $"{i}.wav", $"\"e{i}\"", source[uri].Length, "audio_segments", RouteKind.Audio);
        }

        return (units, source);
    }

    private sealed class OrderedCoordinator(IReadOnlyList<LeasedUnit> units, string? rejectTable) : IJobCoordinator
    {
        private int _leased;

        public ConcurrentQueue<(string Table, FileCommitRequest Request)> Commits { get; } = new();

        public ConcurrentQueue<UnitResult> Results { get; } = new();

        public Task<IReadOnlyList<LeasedUnit>> LeaseAsync(int maxUnits, CancellationToken cancellationToken = default)
        {
            var start = Interlocked.Add(ref _leased, maxUnits) - maxUnits;
            return Task.FromResult<IReadOnlyList<LeasedUnit>>([.. units.Skip(start).Take(maxUnits)]);
        }

        public Task ReportAsync(IReadOnlyList<UnitResult> results, CancellationToken cancellationToken = default)
        {
            foreach (var result in results)
            {
                Results.Enqueue(result);
            }

            return Task.CompletedTask;
        }

        public Task<FileCommitOutcome> CommitFileAsync(string table, FileCommitRequest request, IReadOnlyList<HeldLease> leases, CancellationToken cancellationToken = default)
        {
            Commits.Enqueue((table, request));
            return Task.FromResult(table == rejectTable ? new FileCommitOutcome(false, -1, [request.Units[0].UnitId]) : new FileCommitOutcome(true, Commits.Count, []));
        }

        public Task QuarantineAsync(string table, QuarantinedUnit unit, string writer, string pipelineVersion, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException($"Nothing here is bad input, yet {unit.UnitId} was quarantined: {unit.Reason}");
    }

    private sealed class ShadowStorage(IReadOnlyDictionary<string, byte[]> source, IReadOnlyList<string> alreadyCommitted) : IStorageResolver
    {
        private readonly ConcurrentDictionary<string, ShadowTable> _tables = new(StringComparer.Ordinal);

        public ITableStore GetTable(string outputRoot, string tableName) =>
            _tables.GetOrAdd(tableName, name => new ShadowTable(name.StartsWith("eval_", StringComparison.Ordinal) ? alreadyCommitted : []));

        public IBlobStore GetSource(string sourceRoot) => new MemorySource(source);

        public IAsyncEnumerable<string> ListTablesAsync(string outputRoot, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException("A worker does not list tables.");
    }

    /// <summary>Staged files in memory; the log holds one entry committing <paramref name="committed"/> units, if any.</summary>
    private sealed class ShadowTable(IReadOnlyList<string> committed) : ITableStore
    {
        public string TableUri => "memory://out/table";

        public Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => Task.FromResult<Stream>(new MemoryStream());

        public Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public async IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            if (committed.Count > 0 && fromSequence == 0)
            {
                var entry = new CommitLogEntry
                {
                    Sequence = 0,
                    Files = [new LoggedFile("part-old.parquet", 6, 100, [.. committed.Select(u => new LoggedUnit(u, "memory://raw/x.wav", "\"e\"", 1, 6, 5))])],
                };
                yield return (0, entry.ToUtf8Json());
            }
        }

        public Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default) =>
            Task.FromResult<(long, byte[])?>(null);

        public Task PublishAsync(string fileName, CancellationToken cancellationToken = default) => throw Unused();

        public Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default) => throw Unused();

        public Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default) => throw Unused();

        public IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync(CancellationToken cancellationToken = default) => throw Unused();

        public Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw Unused();

        public Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw Unused();

        public Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => throw Unused();

        public Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default) => throw Unused();

        private static NotSupportedException Unused() => new("The commit log is written by the coordinator.");
    }

    private sealed class MemorySource(IReadOnlyDictionary<string, byte[]> blobs) : IBlobStore
    {
        public Task<Stream> OpenReadAsync(string uri, string expectedETag, CancellationToken cancellationToken = default) =>
            Task.FromResult<Stream>(new MemoryStream(blobs[uri], writable: false));

        public IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public Task<SourcePage> ListPageAsync(string sourceRoot, string? continuationToken, int pageSize, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public SourceLocation? Locate(string sourceRoot, string uri) => throw new NotSupportedException();
    }
}
