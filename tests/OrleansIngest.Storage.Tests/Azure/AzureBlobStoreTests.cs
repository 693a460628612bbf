using System.Security.Cryptography;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class AzureBlobStoreTests(AzuriteFixture azurite) : IAsyncLifetime
{
    private const int MiB = 1024 * 1024;
    private readonly string _containerName = AzuriteCollection.NewContainerName();
    private BlobContainerClient _container = null!;

    public async Task InitializeAsync()
    {
        _container = AzuriteCollection.Container(azurite, _containerName);
        await _container.CreateAsync();
    }

    public async Task DisposeAsync() => await _container.DeleteIfExistsAsync();

    [Fact]
    public async Task List_PagesThroughTheRootInNameOrderWithRelativePathsETagsAndSizes()
    {
        var names = Enumerable.Range(0, 35).Select(i => $"src/{(i % 3 == 0 ? "a/" : "b/")}{i:D2}.wav").ToList();
        foreach (var name in names)
        {
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name));
        }

        // Siblings that share the prefix string but not the folder, and blobs outside it.
        await _container.GetBlobClient("src2/x.wav").UploadAsync(BinaryData.FromString("x"));
        await _container.GetBlobClient("other/y.wav").UploadAsync(BinaryData.FromString("y"));
        var recorder = new RequestRecorder();
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite, recorder), new AzureBlobStoreOptions { ListPageSize = 10 });

        var listed = await ListAsync(store, azurite.ContainerUrl(_containerName, "src"));

        Assert.Equal(names.Select(n => n["src/".Length..]).Order(StringComparer.Ordinal), listed.Select(o => o.RelativePath));
        Assert.Equal(4, recorder.Requests.Count(r => r.Query.Contains("comp=list", StringComparison.Ordinal)));
        var first = listed[0];
        var properties = (await _container.GetBlobClient("src/" + first.RelativePath).GetPropertiesAsync()).Value;
        Assert.Equal(properties.ETag.ToString().Trim('"'), first.ETag);
        Assert.Equal(("src/" + first.RelativePath).Length, first.Size);
        Assert.Equal(properties.LastModified, first.LastModified);
        Assert.Equal($"{azurite.ContainerUrl(_containerName, "src")}/{first.RelativePath}", first.Uri);
    }

    [Fact]
    public async Task List_AppliesIncludeAndExcludeGlobs()
    {
        foreach (var name in new[] { "in/a.wav", "in/deep/b.WAV", "in/c.csv", "in/skip/d.wav" })
        {
            await _container.GetBlobClient(name).UploadAsync(BinaryData.FromString(name));
        }

        var store = new AzureBlobStore(
            AzuriteCollection.Clients(azurite),
            new AzureBlobStoreOptions { Include = ["**/*.wav"], Exclude = ["skip/**"] });

        var listed = await ListAsync(store, azurite.ContainerUrl(_containerName, "in/"));

        Assert.Equal(["a.wav", "deep/b.WAV"], listed.Select(o => o.RelativePath));
    }

    [Fact]
    public async Task List_OfAMissingContainerFailsAsAMissingFolder()
    {
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));

        await Assert.ThrowsAsync<DirectoryNotFoundException>(() => ListAsync(store, azurite.ContainerUrl(AzuriteCollection.NewContainerName())));
    }

    [Fact]
    public async Task List_UrisCarryNoSasWhenTheCredentialIsASas()
    {
        await _container.GetBlobClient("s/a b#c.wav").UploadAsync(BinaryData.FromString("x"));
        var sas = new AccountSasBuilder(AccountSasPermissions.Read | AccountSasPermissions.List, DateTimeOffset.UtcNow.AddHours(1), AccountSasServices.Blobs, AccountSasResourceTypes.All)
            .ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey))
            .ToString();
        var sasConnectionString = $"BlobEndpoint={azurite.BlobEndpoint.AbsoluteUri.TrimEnd('/')};SharedAccessSignature={sas}";

        foreach (var settings in new[] { new AzureStorageSettings(SasToken: "?" + sas), new AzureStorageSettings(ConnectionString: sasConnectionString) })
        {
            var store = new AzureBlobStore(new AzureBlobClientFactory(settings));
            var listed = Assert.Single(await ListAsync(store, azurite.ContainerUrl(_containerName, "s")));

            Assert.Equal("a b#c.wav", listed.RelativePath);
            Assert.DoesNotContain("sig=", listed.Uri, StringComparison.Ordinal);
            Assert.DoesNotContain('?', listed.Uri);
            await using var stream = await store.OpenReadAsync(listed.Uri, listed.ETag);
            Assert.Equal("x", await new StreamReader(stream).ReadToEndAsync());
        }
    }

    [Fact]
    public async Task OpenRead_ReadsALargeBlobByRangesWithoutHoldingItWhole()
    {
        var data = RandomNumberGenerator.GetBytes(20 * MiB);
        await _container.GetBlobClient("big.wav").UploadAsync(BinaryData.FromBytes(data));
        var recorder = new RequestRecorder();
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite, recorder), new AzureBlobStoreOptions { ReadBlockBytes = MiB });
        var source = Assert.Single(await ListAsync(store, azurite.ContainerUrl(_containerName)));

        recorder.Clear();
        await using (var stream = await store.OpenReadAsync(source.Uri, source.ETag))
        {
            var head = new byte[MiB];
            await stream.ReadExactlyAsync(head);
            Assert.Equal(data[..MiB], head);
            Assert.Equal(data.Length, stream.Length);
        }

        // Reading the first MiB fetched the first MiB: one range of one block, sent with If-Match.
        var gets = recorder.Requests.Where(r => r.Method == "GET").ToList();
        var get = Assert.Single(gets);
        Assert.Equal($"bytes=0-{MiB - 1}", get.Range);
        Assert.Equal(MiB, get.ResponseBytes);
        Assert.Equal($"\"{source.ETag}\"", get.IfMatch);

        recorder.Clear();
        await using (var stream = await store.OpenReadAsync(source.Uri, source.ETag))
        {
            Assert.True(stream.CanSeek);
            stream.Position = 15 * MiB + 17;
            var middle = new byte[100];
            await stream.ReadExactlyAsync(middle);
            Assert.Equal(data[(15 * MiB + 17)..(15 * MiB + 117)], middle);

            stream.Seek(0, SeekOrigin.Begin);
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[300_000];
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                hash.AppendData(buffer, 0, read);
            }

            Assert.Equal(SHA256.HashData(data), hash.GetHashAndReset());
        }

        Assert.All(recorder.Requests.Where(r => r.Method == "GET"), r => Assert.True(r.ResponseBytes <= MiB));
        Assert.Equal(21, recorder.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task OpenRead_BlobOverwrittenMidReadFailsWithSourceChanged()
    {
        var data = RandomNumberGenerator.GetBytes(3 * 64 * 1024);
        var blob = _container.GetBlobClient("changing.wav");
        await blob.UploadAsync(BinaryData.FromBytes(data));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite), new AzureBlobStoreOptions { ReadBlockBytes = 64 * 1024 });
        var source = Assert.Single(await ListAsync(store, azurite.ContainerUrl(_containerName)));
        await using var stream = await store.OpenReadAsync(source.Uri, source.ETag);
        var block = new byte[64 * 1024];
        await stream.ReadExactlyAsync(block);

        await blob.UploadAsync(BinaryData.FromBytes(RandomNumberGenerator.GetBytes(data.Length)), overwrite: true);

        var ex = await Assert.ThrowsAsync<SourceChangedException>(async () => await stream.ReadExactlyAsync(block));
        Assert.Equal(source.Uri, ex.Uri);
        Assert.Throws<SourceChangedException>(() => stream.ReadExactly(block));
    }

    [Fact]
    public async Task OpenRead_OfAChangedOrDeletedBlobFailsWithSourceChanged()
    {
        var blob = _container.GetBlobClient("v.wav");
        await blob.UploadAsync(BinaryData.FromString("one"));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var source = Assert.Single(await ListAsync(store, azurite.ContainerUrl(_containerName)));

        await blob.UploadAsync(BinaryData.FromString("two"), overwrite: true);
        var changed = await Assert.ThrowsAsync<SourceChangedException>(() => store.OpenReadAsync(source.Uri, source.ETag));
        await blob.DeleteAsync();
        var deleted = await Assert.ThrowsAsync<SourceChangedException>(() => store.OpenReadAsync(source.Uri, source.ETag));

        Assert.Contains("changed", changed.Message, StringComparison.Ordinal);
        Assert.Contains(source.Uri, deleted.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenRead_OfAnEmptyBlobReadsNothing()
    {
        await _container.GetBlobClient("empty.csv").UploadAsync(BinaryData.FromBytes([]));
        var store = new AzureBlobStore(AzuriteCollection.Clients(azurite));
        var source = Assert.Single(await ListAsync(store, azurite.ContainerUrl(_containerName)));

        await using var stream = await store.OpenReadAsync(source.Uri, source.ETag);

        Assert.Equal(0, source.Size);
        Assert.Equal(0, stream.Length);
        Assert.Equal(0, await stream.ReadAsync(new byte[16]));
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
