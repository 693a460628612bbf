using Azure.Storage.Blobs;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStorePagingTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _containerName = AzuriteCollection.NewContainerName();
    private BlobContainerClient _container = null!;

    public async Task InitializeAsync()
    {
        _container = AzuriteCollection.Container(azurite, _containerName);
        await _container.CreateAsync();
    }

    public async Task DisposeAsync() => await _container.DeleteIfExistsAsync();

    [Fact]
    public async Task ListPage_PagesYieldExactlyTheListingInOrder()
    {
        await UploadAsync(Names(17));
        // Blobs that share the prefix string but not the folder, and blobs outside it.
        await UploadAsync(["src2/x.wav", "other/y.wav"]);
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var root = azurite.ContainerUrl(_containerName, "src");

        var pages = await PagesAsync(store, root, 4);

        var expected = await ListAsync(store, root);
        Assert.Equal(17, expected.Count);
        Assert.Equal(expected, pages.SelectMany(p => p.Items));
        Assert.All(pages, p => Assert.InRange(p.Items.Count, 0, 4));
        Assert.All(pages[..^1], p => Assert.NotNull(p.ContinuationToken));
        Assert.Null(pages[^1].ContinuationToken);
        Assert.True(pages.Count >= 5, $"17 blobs in pages of 4 came in {pages.Count} pages");
    }

    [Fact]
    public async Task ListPage_WithGlobsYieldsExactlyTheFilteredListingEvenThroughEmptyPages()
    {
        // The first six blobs are all excluded, so the first pages of three hold nothing yet must go on.
        await UploadAsync(Enumerable.Range(0, 6).Select(i => $"src/a-skip/{i:D2}.wav"));
        await UploadAsync(Names(9));
        await UploadAsync(["src/b/readme.txt", "src/c/notes.csv"]);
        var store = new AzureBlobStore(
            AzuriteCollection.Clients(azurite),
            new AzureBlobStoreOptions { Include = ["**/*.wav"], Exclude = ["a-skip/**"] });
        var root = azurite.ContainerUrl(_containerName, "src");

        var pages = await PagesAsync(store, root, 3);

        var expected = await ListAsync(store, root);
        Assert.Equal(Names(9).Select(n => n["src/".Length..]).Order(StringComparer.Ordinal), expected.Select(o => o.RelativePath));
        Assert.Equal(expected, pages.SelectMany(p => p.Items));
        Assert.Empty(pages[0].Items);
        Assert.NotNull(pages[0].ContinuationToken);
        Assert.Null(pages[^1].ContinuationToken);
    }

    [Fact]
    public async Task ListPage_OfAnEmptySourceIsOneEmptyPageWithoutAToken()
    {
        await UploadAsync(["elsewhere/a.wav"]);
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        var page = await store.ListPageAsync(azurite.ContainerUrl(_containerName, "src"), continuationToken: null, pageSize: 5);

        Assert.Empty(page.Items);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task ListPage_ResumesRightAfterASavedTokenOnANewStore()
    {
        await UploadAsync(Names(11));
        var root = azurite.ContainerUrl(_containerName, "src");
        var first = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var expected = await ListAsync(first, root);
        var page1 = await first.ListPageAsync(root, null, 3);
        var page2 = await first.ListPageAsync(root, page1.ContinuationToken, 3);
        var saved = page2.ContinuationToken;
        Assert.NotNull(saved);

        // A restarted job: a fresh store and clients, only the checkpointed token carried over.
        var restarted = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var rest = await PagesAsync(restarted, root, 3, saved);

        Assert.Equal(expected, page1.Items.Concat(page2.Items).Concat(rest.SelectMany(p => p.Items)));
        Assert.Equal(expected[6..], rest.SelectMany(p => p.Items));
    }

    [Fact]
    public async Task ListPage_OfAMissingContainerFailsAsAMissingFolder()
    {
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        await Assert.ThrowsAsync<DirectoryNotFoundException>(
            () => store.ListPageAsync(azurite.ContainerUrl(AzuriteCollection.NewContainerName()), null, 10));
    }

    private static List<string> Names(int count) =>
        Enumerable.Range(0, count).Select(i => $"src/{(i % 3 == 0 ? "a/" : "b/")}{i:D2}.wav").ToList();

    private async Task UploadAsync(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name));
        }
    }

    private static async Task<List<SourcePage>> PagesAsync(IBlobStore store, string root, int pageSize, string? token = null)
    {
        var pages = new List<SourcePage>();
        do
        {
            var page = await store.ListPageAsync(root, token, pageSize);
            pages.Add(page);
            token = page.ContinuationToken;
            // A store that never ends its listing fails here instead of looping forever.
            Assert.True(pages.Count <= 1000, "the listing did not end");
        }
        while (token is not null);

        return pages;
    }

    private static async Task<List<SourceObject>> ListAsync(IBlobStore store, string root)
    {
        var listed = new List<SourceObject>();
        await foreach (var item in store.ListAsync(root))
        {
            listed.Add(item);
        }

        return listed;
    }
}
