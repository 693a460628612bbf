using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class AzureTableStoreTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task TryCreateLogEntry_IsPutIfAbsent()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();

        Assert.True(await store.TryCreateLogEntryAsync(0, Encoding.UTF8.GetBytes("first")));
        Assert.False(await store.TryCreateLogEntryAsync(0, Encoding.UTF8.GetBytes("second")));

        var entries = await ReadLogAsync(store, 0);
        var entry = Assert.Single(entries);
        Assert.Equal("first", Encoding.UTF8.GetString(entry.Content));
        Assert.True((await table.Container.GetBlobClient(AzureTableHarness.BlobName("_ingest/log/00000000000000000000.json")).ExistsAsync()).Value);
    }

    [Fact]
    public async Task TryCreateLogEntry_ExactlyOneOfManyConcurrentWritersWins()
    {
        await using var table = new AzureTableHarness(azurite);
        var stores = Enumerable.Range(0, 16).Select(_ => table.OpenAzureStore()).ToList();

        var results = await Task.WhenAll(stores.Select((s, i) => Task.Run(() => s.TryCreateLogEntryAsync(5, Encoding.UTF8.GetBytes($"writer {i}")))));

        Assert.Equal(1, results.Count(r => r));
        var winner = Array.IndexOf(results, true);
        var entry = Assert.Single(await ReadLogAsync(stores[0], 5));
        Assert.Equal($"writer {winner}", Encoding.UTF8.GetString(entry.Content));
    }

    [Fact]
    public async Task TryCreateLogEntry_RecognisesItsOwnEntryWhenARetryFindsItWritten()
    {
        // A retried upload whose first attempt landed sees 409; the bytes are ours, so the write succeeded.
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        var content = Encoding.UTF8.GetBytes("{\"sequence\":0}");

        Assert.True(await store.TryCreateLogEntryAsync(0, content));
        Assert.True(await store.TryCreateLogEntryAsync(0, content));
        Assert.False(await store.TryCreateLogEntryAsync(0, Encoding.UTF8.GetBytes("{\"sequence\":0,\"other\":1}")));
    }

    [Fact]
    public async Task ReadLog_StopsAtTheFirstGap()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        await store.TryCreateLogEntryAsync(0, "a"u8.ToArray());
        await store.TryCreateLogEntryAsync(1, "b"u8.ToArray());
        await store.TryCreateLogEntryAsync(3, "d"u8.ToArray());

        var sequences = (await ReadLogAsync(store, 0)).Select(e => e.Sequence).ToList();
        var fromOne = (await ReadLogAsync(store, 1)).Select(e => e.Sequence).ToList();

        Assert.Equal([0L, 1L], sequences);
        Assert.Equal([1L], fromOne);
    }

    [Fact]
    public async Task ReadLog_OfATableWhoseContainerDoesNotExistIsEmpty()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();

        Assert.Empty(await ReadLogAsync(store, 0));
        Assert.Empty(await ListStagedAsync(store));
        Assert.False(await store.IsPublishedAsync("part-1.parquet"));
    }

    [Fact]
    public async Task ReadLog_RejectsAnEntryLargerThanTheLimit()
    {
        await using var table = new AzureTableHarness(azurite, new AzureTableStoreOptions { MaxLogEntryBytes = 1024 });
        var store = table.OpenAzureStore();
        await store.TryCreateLogEntryAsync(0, new byte[2048]);

        await Assert.ThrowsAsync<InvalidDataException>(() => ReadLogAsync(store, 0));
    }

    [Fact]
    public async Task StagedFile_IsInvisibleToReadersUntilPublishedAndPublishingTwiceIsFine()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        await using (var stream = await store.CreateStagedFileAsync("part-1.parquet"))
        {
            await stream.WriteAsync("data"u8.ToArray());
        }

        await store.SealStagedFileAsync("part-1.parquet");

        Assert.False(await store.IsPublishedAsync("part-1.parquet"));
        Assert.Empty(await table.PublishedFilesAsync());
        Assert.False((await table.Container.GetBlobClient(AzureTableHarness.BlobName("part-1.parquet")).ExistsAsync()).Value);
        Assert.Equal(["part-1.parquet"], await ListStagedAsync(store));

        await store.PublishAsync("part-1.parquet");
        await store.PublishAsync("part-1.parquet");
        await table.OpenAzureStore().PublishAsync("part-1.parquet");

        Assert.True(await store.IsPublishedAsync("part-1.parquet"));
        Assert.Equal(["part-1.parquet"], await table.PublishedFilesAsync());
        Assert.Empty(await ListStagedAsync(store));
        var content = await table.Container.GetBlobClient(AzureTableHarness.BlobName("part-1.parquet")).DownloadContentAsync();
        Assert.Equal("data", content.Value.Content.ToString());
    }

    [Fact]
    public async Task StagedFile_SpanningManyBlocksIsCommittedInOrder()
    {
        await using var table = new AzureTableHarness(azurite, new AzureTableStoreOptions { StageBlockBytes = 4096 });
        var store = table.OpenAzureStore();
        var data = RandomNumberGenerator.GetBytes(4096 * 25 + 123);
        await using (var stream = await store.CreateStagedFileAsync("part-1.parquet"))
        {
            // Odd-sized writes, sync and async, so block boundaries fall inside writes.
            var offset = 0;
            var size = 1;
            while (offset < data.Length)
            {
                var take = Math.Min(size, data.Length - offset);
                if (size % 2 == 0)
                {
                    await stream.WriteAsync(data.AsMemory(offset, take));
                }
                else
                {
                    stream.Write(data, offset, take);
                }

                offset += take;
                size = size * 3 % 9001 + 1;
            }
        }

        await store.SealStagedFileAsync("part-1.parquet");
        var blob = table.Container.GetBlockBlobClient(AzureTableHarness.BlobName("part-1.parquet"));
        var staged = (await blob.GetBlockListAsync(BlockListTypes.Uncommitted)).Value.UncommittedBlocks.ToList();
        await store.PublishAsync("part-1.parquet");

        Assert.Equal(26, staged.Count);
        Assert.All(staged.Take(25), b => Assert.Equal(4096, b.SizeLong));
        var published = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        Assert.Equal(data, published);
    }

    [Fact]
    public async Task StagedFile_NameThatIsAlreadyStagedOrPublishedIsRefused()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        await using (var stream = await store.CreateStagedFileAsync("part-1.parquet"))
        {
            await stream.WriteAsync("data"u8.ToArray());
        }

        await Assert.ThrowsAsync<IOException>(() => table.OpenAzureStore().CreateStagedFileAsync("part-1.parquet"));
        await store.PublishAsync("part-1.parquet");
        await Assert.ThrowsAsync<IOException>(() => table.OpenAzureStore().CreateStagedFileAsync("part-1.parquet"));
    }

    [Fact]
    public async Task Seal_RefusesAFileWhoseStreamIsStillOpen()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        await using var stream = await store.CreateStagedFileAsync("part-1.parquet");
        await stream.WriteAsync("data"u8.ToArray());

        await Assert.ThrowsAsync<InvalidOperationException>(() => store.SealStagedFileAsync("part-1.parquet"));
    }

    [Fact]
    public async Task Publish_OfAFileNeitherStagedNorPublishedFails()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();

        await Assert.ThrowsAsync<FileNotFoundException>(() => store.PublishAsync("part-missing.parquet"));
    }

    [Fact]
    public async Task DeleteStagedFile_RemovesTheStagedBlocksButNeverAPublishedFile()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        foreach (var name in new[] { "part-rejected.parquet", "part-kept.parquet" })
        {
            await using var stream = await store.CreateStagedFileAsync(name);
            await stream.WriteAsync("data"u8.ToArray());
        }

        await store.PublishAsync("part-kept.parquet");

        await store.DeleteStagedFileAsync("part-rejected.parquet");
        await store.DeleteStagedFileAsync("part-rejected.parquet");
        await store.DeleteStagedFileAsync("part-kept.parquet");

        Assert.Empty(await ListStagedAsync(store));
        Assert.Equal(["part-kept.parquet"], await table.PublishedFilesAsync());
        // The staged blocks are gone, not merely hidden: the name is free again.
        await using (await store.CreateStagedFileAsync("part-rejected.parquet"))
        {
        }
    }

    [Fact]
    public async Task ListStagedFiles_FindsOnlyUnpublishedFilesOfThisTable()
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();
        foreach (var name in new[] { "part-a.parquet", "part-b.parquet", "part-c.parquet" })
        {
            await using var stream = await store.CreateStagedFileAsync(name);
            await stream.WriteAsync("data"u8.ToArray());
        }

        await store.PublishAsync("part-b.parquet");
        await store.TryCreateLogEntryAsync(0, "{}"u8.ToArray());
        var other = new AzureTableStore(AzuriteCollection.Clients(azurite).Resolve(table.OutputUrl), "other");
        await using (var stream = await other.CreateStagedFileAsync("part-z.parquet"))
        {
            await stream.WriteAsync("data"u8.ToArray());
        }

        var staged = await ListStagedAsync(store);

        Assert.Equal(["part-a.parquet", "part-c.parquet"], staged);
    }

    [Theory]
    [InlineData("../escape.parquet")]
    [InlineData(".hidden")]
    [InlineData("a/b.parquet")]
    public async Task CreateStagedFile_RejectsNamesThatAreNotPlainFileNames(string name)
    {
        await using var table = new AzureTableHarness(azurite);
        var store = table.OpenAzureStore();

        await Assert.ThrowsAsync<ArgumentException>(() => store.CreateStagedFileAsync(name));
    }

    [Fact]
    public async Task TableUri_IsTheTableFolderUrl()
    {
        await using var table = new AzureTableHarness(azurite);

        Assert.Equal($"{table.OutputUrl}/{AzureTableHarness.TableName}", table.OpenAzureStore().TableUri);
    }

    private static async Task<List<(long Sequence, byte[] Content)>> ReadLogAsync(AzureTableStore store, long from)
    {
        var entries = new List<(long, byte[])>();
        await foreach (var entry in store.ReadLogAsync(from))
        {
            entries.Add(entry);
        }

        return entries;
    }

    private static async Task<List<string>> ListStagedAsync(AzureTableStore store)
    {
        var names = new List<string>();
        await foreach (var (name, _) in store.ListStagedFilesAsync())
        {
            names.Add(name);
        }

        return names.Order(StringComparer.Ordinal).ToList();
    }
}
