using System.Text;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Tests.Commit;

/// <summary>Log compaction: checkpoints every N entries, loaded instead of the entries they fold.</summary>
public abstract partial class TableCommitterContract
{
    private const int Interval = 7;

    [Fact]
    public async Task Checkpoint_StateFromCheckpointAndTailEqualsFullReplay()
    {
        // Property: over random commits, rejected commits, quarantines and retries, the state a fresh committer
        // loads (latest checkpoint + tail) is the state a replay of every entry gives, and so is each checkpoint.
        await using var table = await CreateTableAsync();
        var committer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = Interval };
        await RandomHistoryAsync(committer, new Random(11), operations: 45);
        Assert.True(committer.State.NextSequence > 3 * Interval, $"only {committer.State.NextSequence} entries");

        var loaded = new TableCommitter(table.OpenStore(), _time);
        await loaded.RefreshAsync();
        var replayed = new TableCommitter(new CountingTableStore(table.OpenStore(), hideCheckpoints: true), _time);
        await replayed.RefreshAsync();

        var latest = (committer.State.NextSequence / Interval * Interval) - 1;
        Assert.Equal(latest, loaded.LoadedCheckpoint);
        Assert.Null(loaded.CheckpointWarning);
        AssertSameState(replayed.State, loaded.State);
        for (var sequence = Interval - 1L; sequence <= latest; sequence += Interval)
        {
            var stored = await table.OpenStore().ReadLatestCheckpointAsync(sequence + 1);
            Assert.Equal(sequence, stored?.Sequence);
            var manifest = CommitLogCheckpoint.Parse(sequence, stored!.Value.Content);
            Assert.Equal(CommitLogCheckpoint.PartsFormat, manifest.Format);
            var parts = await Task.WhenAll(manifest.Parts.Select(p => table.OpenStore().ReadCheckpointPartAsync(p.First, p.Last)));
            var prefix = await ReplayAsync(table.OpenStore(), sequence);
            Assert.Equal(Encoding.UTF8.GetString(prefix.ToCheckpoint().ToUtf8Json()), Encoding.UTF8.GetString(CheckpointParts.Assemble(manifest, parts).ToUtf8Json()));
        }
    }

    [Fact]
    public async Task Checkpoint_FreshCommitterReadsOnlyTheEntriesAfterTheLatestCheckpoint()
    {
        await using var table = await CreateTableAsync();
        var writer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = Interval };
        for (var i = 0; i < 2 * Interval + 3; i++)
        {
            await writer.QuarantineAsync([Bad($"q{i}")], "w", "p");
        }

        var counting = new CountingTableStore(table.OpenStore());
        var fresh = new TableCommitter(counting, _time);
        await fresh.RefreshAsync();

        Assert.Equal((2 * Interval) - 1, fresh.LoadedCheckpoint);
        // Entry 13 is read once to check that the checkpoint agrees with the log; 14..16 are the tail.
        Assert.Equal([13L, 14, 15, 16], counting.EntriesRead);
        Assert.Equal(2 * Interval + 3, fresh.State.Quarantined.Count);
        Assert.Equal(writer.State.NextSequence, fresh.State.NextSequence);
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("truncated")]
    [InlineData("totals")]
    [InlineData("ahead")]
    public async Task Checkpoint_DamagedCheckpointFallsBackToReplayWithTheSameState(string damage)
    {
        await using var table = await CreateTableAsync();
        // No automatic checkpoints: the only one is the damaged one written below.
        var writer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = 1_000 };
        await RandomHistoryAsync(writer, new Random(5), operations: 12);
        var good = writer.State.ToCheckpoint();
        var json = good.ToUtf8Json();
        var (sequence, bytes) = damage switch
        {
            "garbage" => (good.Sequence, "{\"format\":1,\"sequ"u8.ToArray()),
            "truncated" => (good.Sequence, json[..(json.Length * 2 / 3)]),
            "totals" => (good.Sequence, (good with { RowCount = good.RowCount + 1 }).ToUtf8Json()),
            _ => (good.Sequence + 5, (good with { Sequence = good.Sequence + 5 }).ToUtf8Json()),
        };
        Assert.True(await table.OpenStore().TryCreateCheckpointAsync(sequence, bytes));

        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();

        Assert.Null(fresh.LoadedCheckpoint);
        Assert.Contains($"Checkpoint {sequence} ", fresh.CheckpointWarning, StringComparison.Ordinal);
        AssertSameState(writer.State, fresh.State);
    }

    [Fact]
    public async Task Checkpoint_DamagedLatestCheckpointFallsBackToThePreviousOne()
    {
        await using var table = await CreateTableAsync();
        var writer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = Interval };
        for (var i = 0; i < Interval + 4; i++)
        {
            await writer.QuarantineAsync([Bad($"q{i}")], "w", "p");
        }

        Assert.True(await table.OpenStore().TryCreateCheckpointAsync(Interval + 2, "not json"u8.ToArray()));

        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();

        Assert.Equal(Interval - 1, fresh.LoadedCheckpoint);
        Assert.Contains($"Checkpoint {Interval + 2} ", fresh.CheckpointWarning, StringComparison.Ordinal);
        AssertSameState(writer.State, fresh.State);
    }

    [Fact]
    public async Task Checkpoint_WriteRaceBetweenTwoCommittersIsHarmless()
    {
        await using var table = await CreateTableAsync();
        var writer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = 1_000 };
        await RandomHistoryAsync(writer, new Random(3), operations: 10);
        var a = new TableCommitter(table.OpenStore(), _time);
        var b = new TableCommitter(table.OpenStore(), _time);
        await a.RefreshAsync();
        await b.RefreshAsync();

        var results = await Task.WhenAll(Task.Run(() => a.WriteCheckpointAsync()), Task.Run(() => b.WriteCheckpointAsync()));

        // Both wrote the same bytes; the loser sees either "already there" (local) or its own bytes (blob retry check).
        Assert.Contains(true, results);
        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();
        Assert.Equal(writer.State.NextSequence - 1, fresh.LoadedCheckpoint);
        Assert.Null(fresh.CheckpointWarning);
        AssertSameState(writer.State, fresh.State);
    }

    [Fact]
    public async Task Checkpoint_ConcurrentCommittersLeaveCheckpointsThatMatchTheLog()
    {
        await using var table = await CreateTableAsync();
        var committers = Enumerable.Range(0, 3).Select(_ => new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = Interval }).ToList();
        await Task.WhenAll(committers.Select((c, k) => Task.Run(async () =>
        {
            for (var i = 0; i < 12; i++)
            {
                var name = $"part-{k}-{i:D2}.parquet";
                await StageAsync(c.Store, name);
                // Even rounds race for a shared unit (one committer wins), odd rounds all commit.
                string[] units = i % 2 == 0 ? [$"u{k}-{i}", $"shared{i}"] : [$"u{k}-{i}"];
                await c.CommitFileAsync(Request(name, units));
            }
        })));

        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();
        var replayed = new TableCommitter(new CountingTableStore(table.OpenStore(), hideCheckpoints: true), _time);
        await replayed.RefreshAsync();

        Assert.True(replayed.State.NextSequence >= 2 * Interval, $"only {replayed.State.NextSequence} entries");
        Assert.NotNull(fresh.LoadedCheckpoint);
        Assert.Null(fresh.CheckpointWarning);
        AssertSameState(replayed.State, fresh.State);
    }

    [Fact]
    public async Task Checkpoint_CommitAfterLoadingACheckpointRecognisesAFileItAlreadyLogged()
    {
        // The committer's memory of logged files must come back from a checkpoint too, or a retried commit of a
        // file committed before the checkpoint would be rejected against its own units and its file deleted.
        await using var table = await CreateTableAsync();
        var writer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = 2 };
        await StageAsync(writer.Store, "part-a.parquet");
        await StageAsync(writer.Store, "part-b.parquet");
        await writer.CommitFileAsync(Request("part-a.parquet", "u1"));
        await writer.CommitFileAsync(Request("part-b.parquet", "u2"));

        var fresh = new TableCommitter(table.OpenStore(), _time);
        var retried = await fresh.CommitFileAsync(Request("part-a.parquet", "u1"));

        Assert.Equal(1, fresh.LoadedCheckpoint);
        Assert.True(retried.Committed);
        Assert.Equal(0, retried.Sequence);
        Assert.Equal(["part-a.parquet", "part-b.parquet"], await table.PublishedFilesAsync());
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("hash")]
    public async Task Checkpoint_MissingOrDamagedPartFallsBackToReplayWithTheSameState(string damage)
    {
        await using var table = await CreateTableAsync();
        var writer = new TableCommitter(table.OpenStore(), _time) { CheckpointInterval = 1_000 };
        await RandomHistoryAsync(writer, new Random(6), operations: 14);
        var (manifest, parts) = CheckpointParts.Split(writer.State.ToCheckpoint(), interval: 4);
        var store = table.OpenStore();
        for (var i = 0; i < parts.Count; i++)
        {
            var (part, content) = parts[i];
            if (i == parts.Count - 1)
            {
                if (damage == "missing")
                {
                    continue;
                }

                content = [.. content];
                content[^2] = (byte)' ';
            }

            Assert.True(await store.TryCreateCheckpointPartAsync(part.First, part.Last, content));
        }

        Assert.True(await store.TryCreateCheckpointAsync(manifest.Sequence, manifest.ToUtf8Json()));

        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();

        Assert.True(parts.Count >= 2, $"{parts.Count} parts");
        Assert.Null(fresh.LoadedCheckpoint);
        Assert.Contains(damage == "missing" ? "does not exist" : "hash", fresh.CheckpointWarning, StringComparison.Ordinal);
        AssertSameState(writer.State, fresh.State);
    }

    [Fact]
    public async Task Checkpoint_LaterCheckpointsReuseTheStoredPartsOfEarlierOnes()
    {
        await using var table = await CreateTableAsync();
        var store = new CountingTableStore(table.OpenStore());
        var committer = new TableCommitter(store, _time) { CheckpointInterval = 1 };
        for (var i = 0; i < 16; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            await StageAsync(store, $"part-{i:D2}.parquet");
            await committer.CommitFileAsync(Request($"part-{i:D2}.parquet", $"u{i}"));
        }

        var fresh = new TableCommitter(table.OpenStore(), _time);
        await fresh.RefreshAsync();

        // One checkpoint per entry. Written whole, they would hold 1 + 2 + ... + 16 = 136 entries' files; in parts,
        // each range is written once and the 16 checkpoints share them.
        Assert.Equal(store.PartsCreated.Count, store.PartsCreated.Distinct().Count());
        Assert.True(store.PartsCreated.Sum(p => p.Last - p.First + 1) <= 16 * 5, string.Join(", ", store.PartsCreated));
        Assert.Equal(15, fresh.LoadedCheckpoint);
        Assert.Equal(16, fresh.State.CommittedUnitCount);
        Assert.Null(fresh.CheckpointWarning);
    }

    private static void AssertSameState(CommitLogState expected, CommitLogState actual)
    {
        Assert.Equal(expected.NextSequence, actual.NextSequence);
        Assert.Equal(expected.LastCommitAt, actual.LastCommitAt);
        Assert.Equal(expected.Files, actual.Files, (x, y) => x.Path == y.Path && x.Rows == y.Rows && x.Bytes == y.Bytes && x.Units.SequenceEqual(y.Units));
        Assert.Equal(
            expected.Quarantined.OrderBy(q => q.UnitId, StringComparer.Ordinal),
            actual.Quarantined.OrderBy(q => q.UnitId, StringComparer.Ordinal));
        var ids = expected.Files.SelectMany(f => f.Units).Select(u => u.UnitId).Concat(expected.Quarantined.Select(q => q.UnitId)).Distinct();
        Assert.All(ids, id => Assert.Equal((expected.IsCommitted(id), expected.IsQuarantined(id)), (actual.IsCommitted(id), actual.IsQuarantined(id))));
        Assert.Equal(expected.CommittedUnitCount, actual.CommittedUnitCount);
        Assert.Equal(expected.RowCount, actual.RowCount);
        Assert.Equal(expected.ByteCount, actual.ByteCount);
    }

    private static async Task<CommitLogState> ReplayAsync(ITableStore store, long throughSequence)
    {
        var state = new CommitLogState();
        await foreach (var (sequence, content) in store.ReadLogAsync(0))
        {
            if (sequence > throughSequence)
            {
                break;
            }

            state.Apply(CommitLogEntry.Parse(sequence, content));
        }

        return state;
    }

    // Commits (some rejected for overlapping units), quarantines (some of committed units) and operator retries,
    // one second apart so that every entry has its own time.
    private async Task RandomHistoryAsync(TableCommitter committer, Random random, int operations)
    {
        for (var i = 0; i < operations; i++)
        {
            _time.Advance(TimeSpan.FromSeconds(1));
            var units = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"u{random.Next(0, 30)}").Distinct().ToArray();
            switch (random.Next(0, 5))
            {
                case 0 or 1 or 2:
                    var name = $"part-{i:D3}.parquet";
                    await StageAsync(committer.Store, name);
                    await committer.CommitFileAsync(Request(name, units));
                    break;
                case 3:
                    await committer.QuarantineAsync([.. units.Select(u => Bad(u, $"reason {i}"))], "w", "p");
                    break;
                default:
                    await committer.RetryQuarantinedAsync(_ => random.Next(0, 2) == 0, "operator");
                    break;
            }
        }
    }

    private static QuarantinedUnit Bad(string id, string reason = "bad") => new(id, $"file:///{id}", "\"e\"", reason);
}
