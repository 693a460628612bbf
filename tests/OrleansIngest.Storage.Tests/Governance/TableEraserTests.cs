using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Governance;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Storage.Tests.Governance;

[Trait("Category", "Unit")]
public sealed class TableEraserTests : IDisposable
{
    private readonly TempDirectory _dir = new("erase");
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));

    public void Dispose() => _dir.Dispose();

    private string TableRoot => _dir.Combine("out", "sensor_windows");

    private Dictionary<string, byte[]> PublishedHashes() =>
        Directory.EnumerateFiles(TableRoot, "*.parquet").ToDictionary(p => Path.GetFileName(p), p => SHA256.HashData(File.ReadAllBytes(p)));

    [Fact]
    public async Task TableEraser_RewritesOnlyTheFileHoldingTheErasedSource()
    {
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 40, sourcesPerFile: 5);
        var before = PublishedHashes();

        var result = await new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(57), Actor = "alice" });

        Assert.Equal(1, result.FilesRewritten);
        Assert.Equal(ErasureTable.RowsPerSource, result.RowsRemoved);
        var after = PublishedHashes();
        Assert.Equal(40, after.Count);
        Assert.DoesNotContain("part-00011.parquet", after.Keys);
        var unchanged = before.Where(kv => kv.Key != "part-00011.parquet").ToList();
        Assert.Equal(39, unchanged.Count);
        Assert.All(unchanged, kv => Assert.Equal(kv.Value, after[kv.Key]));

        var glob = DuckDbQuery.Literal(Path.Combine(TableRoot, "*.parquet"));
        var rows = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n, count(*) FILTER (WHERE source_uri = {DuckDbQuery.Literal(ErasureTable.SourceUri(57))}) AS erased, count(*) FILTER (WHERE source_uri = {DuckDbQuery.Literal(ErasureTable.SourceUri(56))}) AS neighbour, sum(list_sum(null_counts)) AS nulls FROM read_parquet({glob})");
        Assert.Equal((200 - 1) * ErasureTable.RowsPerSource, rows[0].GetProperty("n").GetInt64());
        Assert.Equal(0, rows[0].GetProperty("erased").GetInt64());
        Assert.Equal(ErasureTable.RowsPerSource, rows[0].GetProperty("neighbour").GetInt64());
        Assert.Equal(199 * (0 + 1 + 2), rows[0].GetProperty("nulls").GetInt64());
    }

    [Fact]
    public async Task TableEraser_TombstoneSettlesTheUnitAndRejectsItsRecommit()
    {
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 2, sourcesPerFile: 2);
        await new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(1), Actor = "alice" });

        var committer = new TableCommitter(store, _time);
        await committer.RecoverAsync();
        Assert.True(committer.State.IsErased(ErasureTable.UnitId(1)));
        Assert.True(committer.State.IsSettled(ErasureTable.UnitId(1)));
        Assert.False(committer.State.IsCommitted(ErasureTable.UnitId(1)));
        Assert.True(committer.State.IsCommitted(ErasureTable.UnitId(0)));

        await using (var stream = await store.CreateStagedFileAsync("part-again.parquet"))
        {
            await stream.WriteAsync(new byte[] { 1, 2, 3 });
        }

        var unit = new LoggedUnit(ErasureTable.UnitId(1), ErasureTable.SourceUri(1), ErasureTable.ETag(1), 1001, 3, 30);
        var outcome = await committer.CommitFileAsync(new FileCommitRequest("part-again.parquet", 3, 3, [unit], "test", "p@1"));
        Assert.False(outcome.Committed);
        Assert.Contains(ErasureTable.UnitId(1), outcome.AlreadyCommittedUnits);
    }

    [Fact]
    public async Task TableEraser_AllowReingestLiftsTheTombstone()
    {
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 2, sourcesPerFile: 2);
        var eraser = new TableEraser(store, _time);
        await eraser.EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(1), Actor = "alice" });

        var lifted = await eraser.EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(1), AllowReingest = true, Actor = "bob" });

        Assert.Equal(1, lifted.TombstonesLifted);
        var committer = new TableCommitter(store, _time);
        await committer.RecoverAsync();
        Assert.False(committer.State.IsSettled(ErasureTable.UnitId(1)));
    }

    [Fact]
    public async Task TableEraser_PrefixErasesEverySourceBelowItAndDropsEmptiedFiles()
    {
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 3, sourcesPerFile: 4);

        // Sources 10 and 11 (file 2 holds 8..11): "sensor-01" selects 010..019, present: 10, 11.
        var result = await new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourcePrefix = "file:///data/plant/sensor-01", Actor = "alice" });

        Assert.Equal(2, result.Erased.Count);
        Assert.Equal(2 * ErasureTable.RowsPerSource, result.RowsRemoved);
        var committer = new TableCommitter(store, _time);
        await committer.RecoverAsync();
        Assert.Equal(10 * ErasureTable.RowsPerSource, committer.State.RowCount);
        Assert.Equal(3, committer.State.Files.Count);

        var all = await new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourcePrefix = "file:///data/plant/", Actor = "alice" });
        Assert.Equal(3, all.FilesDropped);
        Assert.Empty(Directory.EnumerateFiles(TableRoot, "*.parquet"));
    }

    [Fact]
    public async Task TableEraser_RerunAfterACrashBeforeCollectionDeletesTheOldFile()
    {
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 3, sourcesPerFile: 2);
        var crashing = new CrashOnDeleteStore(store);

        await Assert.ThrowsAsync<IOException>(() => new TableEraser(crashing, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(2), Actor = "alice" }));
        Assert.True(File.Exists(Path.Combine(TableRoot, "part-00001.parquet")));

        var rerun = await new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(2), Actor = "alice" });

        Assert.Equal(-1, rerun.Sequence);
        Assert.Equal(1, rerun.FilesCollected);
        Assert.False(File.Exists(Path.Combine(TableRoot, "part-00001.parquet")));
        var committer = new TableCommitter(store, _time);
        await committer.RecoverAsync();
        Assert.Equal(5 * ErasureTable.RowsPerSource, committer.State.RowCount);
        Assert.Equal(3, committer.State.Files.Count);
    }

    [Fact]
    public async Task TableEraser_StateSurvivesACheckpointRoundTrip()
    {
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 4, sourcesPerFile: 2);
        await new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(3), Actor = "alice" });
        var writer = new TableCommitter(store, _time) { CheckpointInterval = 2 };
        await writer.RefreshAsync();
        Assert.True(await writer.WriteCheckpointAsync());

        var reader = new TableCommitter(store, _time) { CheckpointInterval = 2 };
        await reader.RefreshAsync();

        Assert.Equal(writer.State.NextSequence - 1, reader.LoadedCheckpoint);
        Assert.Null(reader.CheckpointWarning);
        Assert.Equal(writer.State.Files.Select(f => f.Path), reader.State.Files.Select(f => f.Path));
        Assert.Equal(writer.State.RowCount, reader.State.RowCount);
        Assert.True(reader.State.IsErased(ErasureTable.UnitId(3)));
        Assert.Contains("part-00001.parquet", reader.State.RemovedFiles);
    }

    [Fact]
    public async Task TableEraser_RestrictedTableHoldsNoRawUriAndIsErasedThroughTheSourceMap()
    {
        var protector = SourceKeyFile.Load(_dir.Combine("keys", "source.key"), create: true);
        var governance = new LocalGovernanceStore(_dir.Combine("out", "_ingest"));
        var map = new SourceMap(governance);
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 3, sourcesPerFile: 2, protector);
        for (var source = 0; source < 6; source++)
        {
            await map.RecordAsync(new SourceMapEntry(protector.Protect(ErasureTable.SourceUri(source)), ErasureTable.SourceUri(source), ErasureTable.ETag(source), protector.KeyId));
        }

        var glob = DuckDbQuery.Literal(Path.Combine(TableRoot, "*.parquet"));
        var raw = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({glob}) WHERE source_uri LIKE '%/data/plant/%' OR window_id LIKE '%/data/plant/%' OR list_contains(channel_names, 'plant')");
        Assert.Equal(0, raw[0].GetProperty("n").GetInt64());
        var sample = await DuckDbQuery.QueryAsync($"SELECT source_uri FROM read_parquet({glob}) WHERE source_etag = {DuckDbQuery.Literal(ErasureTable.ETag(4))} LIMIT 1");
        var resolved = await map.ResolveAsync(sample[0].GetProperty("source_uri").GetString()!);
        Assert.Equal(ErasureTable.SourceUri(4), Assert.Single(resolved).SourceUri);

        await Assert.ThrowsAsync<InvalidDataException>(() => new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(4), Actor = "alice" }));
        var result = await new TableEraser(store, _time, protector, map).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(4), Actor = "alice" });

        Assert.Equal(ErasureTable.RowsPerSource, result.RowsRemoved);
        Assert.Equal(1, result.SourceMapEntriesForgotten);
        Assert.Empty(await map.ResolveAsync(protector.Protect(ErasureTable.SourceUri(4))));
        var left = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({glob}) WHERE source_uri = {DuckDbQuery.Literal(protector.Protect(ErasureTable.SourceUri(4)))}");
        Assert.Equal(0, left[0].GetProperty("n").GetInt64());
    }

    [Fact]
    public async Task TableEraser_RewritesEncryptedFilesIntoEncryptedReplacements()
    {
        var kek = new LocalKeyEncryptionKey(RandomNumberGenerator.GetBytes(32));
        var store = new LocalTableStore(TableRoot);
        await ErasureTable.BuildAsync(store, _time, files: 3, sourcesPerFile: 2, kek: kek);

        await Assert.ThrowsAsync<InvalidDataException>(() => new TableEraser(store, _time).EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(3), Actor = "alice" }));
        var result = await new TableEraser(store, _time) { KeyEncryptionKey = kek }.EraseAsync(new ErasureRequest { SourceUri = ErasureTable.SourceUri(3), Actor = "alice" });

        Assert.Equal(ErasureTable.RowsPerSource, result.RowsRemoved);
        var committer = new TableCommitter(store, _time);
        await committer.RefreshAsync();
        Assert.Equal(kek.KeyId, committer.State.Files[^1].KeyId);
        Assert.Empty(Directory.EnumerateFiles(TableRoot, "*.parquet"));
        var files = Directory.EnumerateFiles(TableRoot, "*.parquet.enc").ToList();
        Assert.Equal(3, files.Count);
        var plainFolder = _dir.Combine("plain");
        Directory.CreateDirectory(plainFolder);
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            Assert.Equal(-1, bytes.AsSpan().IndexOf("/data/plant/"u8));
            await using var input = new MemoryStream(bytes);
            await using var output = File.Create(Path.Combine(plainFolder, Path.GetFileNameWithoutExtension(file)));
            await EnvelopeEncryption.DecryptAsync(input, output, _ => kek);
        }

        var rows = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n, count(DISTINCT source_uri) AS sources FROM read_parquet({DuckDbQuery.Literal(Path.Combine(plainFolder, "*.parquet"))})");
        Assert.Equal(5 * ErasureTable.RowsPerSource, rows[0].GetProperty("n").GetInt64());
        Assert.Equal(5, rows[0].GetProperty("sources").GetInt64());
    }

    // Fails the first deletion of a published file: the erasure's entry is written, its old file still there.
    private sealed class CrashOnDeleteStore(ITableStore inner) : ITableStore
    {
        public string TableUri => inner.TableUri;

        public Task DeletePublishedFileAsync(string fileName, CancellationToken cancellationToken = default) => throw new IOException("killed");

        public Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.CreateStagedFileAsync(fileName, cancellationToken);

        public Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.SealStagedFileAsync(fileName, cancellationToken);

        public Task PublishAsync(string fileName, CancellationToken cancellationToken = default) => inner.PublishAsync(fileName, cancellationToken);

        public Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default) => inner.IsPublishedAsync(fileName, cancellationToken);

        public Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.OpenPublishedFileAsync(fileName, cancellationToken);

        public Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default) => inner.DeleteStagedFileAsync(fileName, cancellationToken);

        public IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync(CancellationToken cancellationToken = default) => inner.ListStagedFilesAsync(cancellationToken);

        public Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.TryCreateLogEntryAsync(sequence, content, cancellationToken);

        public IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, CancellationToken cancellationToken = default) => inner.ReadLogAsync(fromSequence, cancellationToken);

        public Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.TryCreateCheckpointAsync(sequence, content, cancellationToken);

        public Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default) => inner.ReadLatestCheckpointAsync(beforeSequence, cancellationToken);

        public Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) => inner.TryCreateCheckpointPartAsync(first, last, content, cancellationToken);

        public Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default) => inner.ReadCheckpointPartAsync(first, last, cancellationToken);
    }
}
