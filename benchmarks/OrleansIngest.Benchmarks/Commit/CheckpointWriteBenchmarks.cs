using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Benchmarks.Commit;

/// <summary>
/// The cost of the checkpoint a committer writes every 1,000 entries, on a local table of 1,000,000 committed units
/// (100 per file): in parts (what the committer does: the earlier parts are already stored, only the newest
/// 1,000 entries' part and the manifest are written) against the whole state rewritten inline (format 1, what a
/// checkpoint cost before parts).
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class CheckpointWriteBenchmarks
{
    private const int UnitsPerEntry = 100;
    private const int Entries = 10_000;

    private string _root = "";
    private TableCommitter _committer = null!;
    private LocalTableStore _store = null!;
    private long _sequence;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), $"oi-bench-ckpt-{Guid.NewGuid():N}");
        _store = new LocalTableStore(_root);
        var start = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        for (var sequence = 0; sequence < Entries - 1; sequence++)
        {
            var units = Enumerable.Range(0, UnitsPerEntry)
                .Select(i => new LoggedUnit($"{sequence * UnitsPerEntry + i:x32}", $"https://acct.blob.core.windows.net/raw/audio/{sequence:D6}/{i:D3}.wav", $"\"0x8DD{sequence:X6}{i:X3}\"", 4_800_000, 20, 30.0))
                .ToList();
            var entry = new CommitLogEntry
            {
                Sequence = sequence,
                CommittedAt = start.AddSeconds(sequence),
                Writer = "silo-1/lane-0",
                PipelineVersion = "audio@1",
                Files = [new LoggedFile($"part-{sequence:D6}.parquet", 2_000, 256L << 20, units)],
            };
            _store.TryCreateLogEntryAsync(sequence, entry.ToUtf8Json()).GetAwaiter().GetResult();
        }

        _committer = new TableCommitter(_store, TimeProvider.System);
        _committer.RefreshAsync().GetAwaiter().GetResult();
        // The checkpoint at entry 8,999 stores the parts 0–7,999 and 8,000–8,999 that later checkpoints re-use.
        _committer.WriteCheckpointAsync().GetAwaiter().GetResult();
        _sequence = Entries - 1;
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    /// <summary>Serialise and store the whole state inline, as every checkpoint did before parts.</summary>
    [Benchmark(Baseline = true)]
    public async Task<int> WholeStateInline()
    {
        var bytes = _committer.State.ToCheckpoint().ToUtf8Json();
        var path = Path.Combine(_root, "inline.checkpoint.json");
        await File.WriteAllBytesAsync(path, bytes);
        return bytes.Length;
    }

    /// <summary>
    /// Build and store one interval's part (1,000 entries, 100,000 units): what a checkpoint in parts writes at the
    /// least; merges add about log₂(k)/2 such parts per checkpoint on average over a table's life.
    /// </summary>
    [Benchmark]
    public async Task<int> OneIntervalPart()
    {
        var (_, content, _) = CheckpointParts.BuildPart(_committer.State.ToCheckpoint(), 8_000, 8_999);
        await File.WriteAllBytesAsync(Path.Combine(_root, "interval-part.json"), content);
        return content.Length;
    }

    /// <summary>Write the next checkpoint in parts after one more commit: the newest part and the manifest.</summary>
    [Benchmark]
    public async Task<bool> InParts()
    {
        // A fresh committer per call would reload; instead append one more entry so each call checkpoints anew.
        var units = new List<LoggedUnit> { new($"{_sequence:x32}-x", $"https://acct.blob.core.windows.net/raw/extra/{_sequence}.wav", "\"0x1\"", 1, 1, 1.0) };
        var name = $"part-x{_sequence}.parquet";
        await using (var stream = await _store.CreateStagedFileAsync(name))
        {
            await stream.WriteAsync("PAR1"u8.ToArray());
        }

        await _store.SealStagedFileAsync(name);
        await _committer.CommitFileAsync(new FileCommitRequest(name, 1, 4, units, "bench", "audio@1"));
        _sequence++;
        return await _committer.WriteCheckpointAsync();
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(8));
    }
}
