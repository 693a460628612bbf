using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Benchmarks.Commit;

/// <summary>
/// A fresh <see cref="TableCommitter"/> loading a local table of 100,000 or 1,000,000 committed units (100 units per
/// file, one file per log entry), by replaying every entry or from the checkpoint (manifest + parts, as the
/// committer writes it) of the last whole interval plus a short tail.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(Config))]
public class TableCommitterLoadBenchmarks
{
    private const int UnitsPerEntry = 100;

    private string _root = "";

    /// <summary>Committed units in the table.</summary>
    [Params(100_000, 1_000_000)]
    public int Units { get; set; }

    /// <summary>Entries written after the last checkpoint (the tail a loader still replays).</summary>
    [Params(0, 10)]
    public int Tail { get; set; }

    private int Entries => Units / UnitsPerEntry;

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), $"oi-bench-log-{Guid.NewGuid():N}");
        WriteTableAsync(Path.Combine(_root, "replay"), checkpoint: false).GetAwaiter().GetResult();
        WriteTableAsync(Path.Combine(_root, "checkpointed"), checkpoint: true).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [Benchmark(Baseline = true)]
    public Task<int> ReplayAllEntries() => LoadAsync("replay");

    [Benchmark]
    public Task<int> FromCheckpoint() => LoadAsync("checkpointed");

    private async Task<int> LoadAsync(string table)
    {
        var committer = new TableCommitter(new LocalTableStore(Path.Combine(_root, table)), TimeProvider.System);
        await committer.RefreshAsync();
        return committer.State.CommittedUnitCount;
    }

    // Entries are written straight to the store (no data files): loading reads only the log.
    private async Task WriteTableAsync(string root, bool checkpoint)
    {
        var store = new LocalTableStore(root);
        var start = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        var total = Entries + Tail;
        for (var sequence = 0; sequence < total; sequence++)
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
            await store.TryCreateLogEntryAsync(sequence, entry.ToUtf8Json());
            if (checkpoint && sequence == Entries - 1)
            {
                var writer = new TableCommitter(store, TimeProvider.System);
                await writer.RefreshAsync();
                await writer.WriteCheckpointAsync();
            }
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10));
    }
}
