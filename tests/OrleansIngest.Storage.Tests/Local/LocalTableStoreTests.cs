using System.Text;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Storage.Tests.Local;

[Trait("Category", "Unit")]
public sealed class LocalTableStoreTests
{
    [Fact]
    public async Task TryCreateLogEntry_IsPutIfAbsent()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));

        Assert.True(await store.TryCreateLogEntryAsync(0, Encoding.UTF8.GetBytes("first")));
        Assert.False(await store.TryCreateLogEntryAsync(0, Encoding.UTF8.GetBytes("second")));

        var entries = new List<(long, byte[])>();
        await foreach (var e in store.ReadLogAsync(0))
        {
            entries.Add(e);
        }

        Assert.Single(entries);
        Assert.Equal("first", Encoding.UTF8.GetString(entries[0].Item2));
        Assert.True(File.Exists(temp.Combine("t", "_ingest", "log", "00000000000000000000.json")));
        Assert.Empty(Directory.GetFiles(temp.Combine("t", "_ingest", "log"), "*.tmp"));
    }

    [Fact]
    public async Task TryCreateLogEntry_ExactlyOneOfManyConcurrentWritersWins()
    {
        using var temp = new TempDirectory();
        var stores = Enumerable.Range(0, 16).Select(_ => new LocalTableStore(temp.Combine("t"))).ToList();

        var results = await Task.WhenAll(stores.Select((s, i) => Task.Run(() => s.TryCreateLogEntryAsync(5, Encoding.UTF8.GetBytes($"writer {i}")))));

        Assert.Equal(1, results.Count(r => r));
    }

    [Fact]
    public async Task ReadLog_StopsAtTheFirstGap()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        await store.TryCreateLogEntryAsync(0, "a"u8.ToArray());
        await store.TryCreateLogEntryAsync(1, "b"u8.ToArray());
        await store.TryCreateLogEntryAsync(3, "d"u8.ToArray());

        var sequences = new List<long>();
        await foreach (var (sequence, _) in store.ReadLogAsync(0))
        {
            sequences.Add(sequence);
        }

        Assert.Equal([0L, 1L], sequences);
    }

    [Fact]
    public async Task Publish_MovesStagedFileToRootAndIsIdempotent()
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));
        await using (var stream = await store.CreateStagedFileAsync("part-1.parquet"))
        {
            await stream.WriteAsync("data"u8.ToArray());
        }

        await store.SealStagedFileAsync("part-1.parquet");
        Assert.False(await store.IsPublishedAsync("part-1.parquet"));

        await store.PublishAsync("part-1.parquet");
        await store.PublishAsync("part-1.parquet");

        Assert.True(await store.IsPublishedAsync("part-1.parquet"));
        Assert.Equal("data", await File.ReadAllTextAsync(temp.Combine("t", "part-1.parquet")));
        Assert.False(File.Exists(temp.Combine("t", "_ingest", "staging", "part-1.parquet")));
    }

    [Theory]
    [InlineData("../escape.parquet")]
    [InlineData(".hidden")]
    [InlineData("a/b.parquet")]
    public async Task CreateStagedFile_RejectsNamesThatAreNotPlainFileNames(string name)
    {
        using var temp = new TempDirectory();
        var store = new LocalTableStore(temp.Combine("t"));

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateStagedFileAsync(name));
    }

    [Fact]
    public async Task LocalBlobStore_ListsRecursivelyInOrderAndDetectsChangedFiles()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("b"));
        await File.WriteAllTextAsync(temp.Combine("b", "2.wav"), "x");
        await File.WriteAllTextAsync(temp.Combine("1.csv"), "y");
        var store = new LocalBlobStore();

        var listed = new List<Processing.Ports.SourceObject>();
        await foreach (var item in store.ListAsync(temp.Path))
        {
            listed.Add(item);
        }

        Assert.Equal(["1.csv", "b/2.wav"], listed.Select(o => o.RelativePath));
        Assert.StartsWith("file:///", listed[0].Uri, StringComparison.Ordinal);
        await using (await store.OpenReadAsync(listed[0].Uri, listed[0].ETag))
        {
        }

        await File.WriteAllTextAsync(temp.Combine("1.csv"), "changed");
        await Assert.ThrowsAsync<Processing.Ports.SourceChangedException>(() => store.OpenReadAsync(listed[0].Uri, listed[0].ETag));
    }
}
