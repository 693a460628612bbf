using Azure.Storage.Blobs;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

/// <summary>
/// <see cref="AzureBlobStore.Locate"/> must place a blob URL from an event exactly where a listing of the source puts
/// the blob (same URI, same relative path), or an event and a reconciliation listing would name two units for one
/// version; and it must refuse whatever a listing would not hold.
/// </summary>
[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class AzureLocateTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private readonly string _containerName = AzuriteCollection.NewContainerName();
    private BlobContainerClient _container = null!;

    public async Task InitializeAsync()
    {
        _container = AzuriteCollection.Container(azurite, _containerName);
        await _container.CreateAsync();
    }

    public async Task DisposeAsync() => await _container.DeleteIfExistsAsync();

    private string SourceRoot => azurite.ContainerUrl(_containerName, "drop");

    [Fact]
    public async Task Locate_GivesTheListingsUriAndRelativePathForEveryListedBlob()
    {
        string[] names = ["drop/a.wav", "drop/deep/b.flac", "drop/with space/é ü.wav", "drop/hash#and+plus.wav", "drop/日本.csv"];
        foreach (var name in names)
        {
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name));
        }

        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var listed = await ListAsync(store, SourceRoot);

        Assert.Equal(names.Length, listed.Count);
        foreach (var item in listed)
        {
            Assert.Equal(new SourceLocation(item.Uri, item.RelativePath), store.Locate(SourceRoot, item.Uri));
        }
    }

    [Fact]
    public async Task Locate_NormalisesAnUnescapedEventUrlToTheListingsForm()
    {
        await _container.GetBlobClient("drop/with space/é ü.wav").UploadAsync(BinaryData.FromString("x"));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var listed = Assert.Single(await ListAsync(store, SourceRoot));

        // Publishers differ in how much of the name they escape; the blob is the same.
        var raw = store.Locate(SourceRoot, $"{SourceRoot}/with space/é ü.wav");
        var escaped = store.Locate(SourceRoot, $"{SourceRoot}/with%20space/%C3%A9%20%C3%BC.wav");

        Assert.Equal("with space/é ü.wav", listed.RelativePath);
        Assert.Equal(new SourceLocation(listed.Uri, listed.RelativePath), raw);
        Assert.Equal(new SourceLocation(listed.Uri, listed.RelativePath), escaped);
    }

    [Fact]
    public async Task Locate_AcceptsTheRootWithATrailingSlashAndTheWholeContainerAsRoot()
    {
        await _container.GetBlobClient("drop/a.wav").UploadAsync(BinaryData.FromString("x"));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var underDrop = Assert.Single(await ListAsync(store, SourceRoot));
        var containerRoot = azurite.ContainerUrl(_containerName);
        var underContainer = Assert.Single(await ListAsync(store, containerRoot));

        Assert.Equal(new SourceLocation(underDrop.Uri, "a.wav"), store.Locate(SourceRoot + "/", underDrop.Uri));
        Assert.Equal(new SourceLocation(underContainer.Uri, "drop/a.wav"), store.Locate(containerRoot, underDrop.Uri));
    }

    [Fact]
    public async Task Locate_GivesNullForABlobInAnotherContainer()
    {
        var other = AzuriteCollection.Container(azurite, AzuriteCollection.NewContainerName());
        await other.CreateAsync();
        try
        {
            await other.GetBlobClient("drop/a.wav").UploadAsync(BinaryData.FromString("x"));
            var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

            Assert.Null(store.Locate(SourceRoot, other.GetBlobClient("drop/a.wav").Uri.AbsoluteUri));
        }
        finally
        {
            await other.DeleteIfExistsAsync();
        }
    }

    [Fact]
    public async Task Locate_GivesNullForASiblingPrefixThatStartsWithTheRootsName()
    {
        await _container.GetBlobClient("drop2/a.wav").UploadAsync(BinaryData.FromString("x"));
        await _container.GetBlobClient("dropped.wav").UploadAsync(BinaryData.FromString("y"));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        Assert.Empty(await ListAsync(store, SourceRoot));
        Assert.Null(store.Locate(SourceRoot, _container.GetBlobClient("drop2/a.wav").Uri.AbsoluteUri));
        Assert.Null(store.Locate(SourceRoot, _container.GetBlobClient("dropped.wav").Uri.AbsoluteUri));
    }

    [Fact]
    public void Locate_GivesNullForTheRootItselfAndItsFolderMarker()
    {
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        Assert.Null(store.Locate(SourceRoot, SourceRoot));
        Assert.Null(store.Locate(SourceRoot, SourceRoot + "/"));
    }

    [Fact]
    public void Locate_GivesNullForABlobInAnotherAccount()
    {
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var port = azurite.BlobEndpoint.Port;

        Assert.Null(store.Locate(SourceRoot, $"http://127.0.0.1:{port}/otheraccount/{_containerName}/drop/a.wav"));
        Assert.Null(store.Locate(SourceRoot, $"https://otheraccount.blob.core.windows.net/{_containerName}/drop/a.wav"));
    }

    [Fact]
    public async Task Locate_PlacesADataLakeEndpointUrlWhereTheListingPutsTheBlob()
    {
        await _container.GetBlobClient("drop/lake.wav").UploadAsync(BinaryData.FromString("x"));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var listed = Assert.Single(await ListAsync(store, SourceRoot));

        // Event Grid names a blob written through the Data Lake API by the account's dfs endpoint.
        var located = store.Locate(SourceRoot, $"https://{AzuriteFixture.AccountName}.dfs.core.windows.net/{_containerName}/drop/lake.wav");

        Assert.Equal(new SourceLocation(listed.Uri, listed.RelativePath), located);
    }

    [Theory]
    [InlineData("file:///tmp/drop/a.wav")]
    [InlineData("not a url")]
    [InlineData("")]
    public void Locate_GivesNullForUrlsThatAreNotBlobUrls(string uri)
    {
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        Assert.Null(store.Locate(SourceRoot, uri));
    }

    [Fact]
    public void Locate_GivesNullForAUrlWithAQueryString()
    {
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        Assert.Null(store.Locate(SourceRoot, $"{SourceRoot}/a.wav?sv=2024-01-01&sig=abc"));
    }

    [Fact]
    public async Task Locate_AppliesTheSourcesIncludeAndExcludeGlobsAsTheListingDoes()
    {
        string[] names = ["drop/a.wav", "drop/deep/b.WAV", "drop/c.csv", "drop/skip/d.wav"];
        foreach (var name in names)
        {
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name));
        }

        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite), new AzureBlobStoreOptions { Include = ["**/*.wav"], Exclude = ["skip/**"] });
        var listed = await ListAsync(store, SourceRoot);

        var located = names
            .Select(name => store.Locate(SourceRoot, _container.GetBlobClient(name).Uri.AbsoluteUri))
            .OfType<SourceLocation>()
            .ToList();

        Assert.Equal(["a.wav", "deep/b.WAV"], listed.Select(o => o.RelativePath));
        Assert.Equal(listed.Select(o => new SourceLocation(o.Uri, o.RelativePath)), located);
    }

    private static async Task<List<SourceObject>> ListAsync(AzureBlobStore store, string root)
    {
        var listed = new List<SourceObject>();
        await foreach (var item in store.ListAsync(root))
        {
            listed.Add(item);
        }

        return listed;
    }
}
