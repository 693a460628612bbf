using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Tests.Commit;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

/// <summary>Table <c>t</c> under <c>&lt;fresh container&gt;/out/</c> on Azurite; the container is deleted on dispose.</summary>
public sealed class AzureTableHarness : ITableHarness
{
    public const string TableName = "t";
    public const string OutputPrefix = "out";

    private readonly AzureBlobClientFactory _clients;

    public AzureTableHarness(AzuriteFixture azurite, AzureTableStoreOptions? options = null, RequestRecorder? recorder = null)
    {
        ArgumentNullException.ThrowIfNull(azurite);
        ContainerName = AzuriteCollection.NewContainerName();
        OutputUrl = azurite.ContainerUrl(ContainerName, OutputPrefix);
        _clients = AzuriteCollection.Clients(azurite, recorder);
        Options = options;
        Container = AzuriteCollection.Container(azurite, ContainerName);
    }

    public string ContainerName { get; }

    public string OutputUrl { get; }

    public AzureTableStoreOptions? Options { get; }

    /// <summary>A plain client on the container, for looking at blobs the way any reader would.</summary>
    public BlobContainerClient Container { get; }

    public AzureTableStore OpenAzureStore() => new(_clients.Resolve(OutputUrl), TableName, Options);

    public ITableStore OpenStore() => OpenAzureStore();

    /// <summary>The blob name of <paramref name="fileName"/> in the table.</summary>
    public static string BlobName(string fileName) => $"{OutputPrefix}/{TableName}/{fileName}";

    public async Task<IReadOnlyList<string>> PublishedFilesAsync()
    {
        var prefix = $"{OutputPrefix}/{TableName}/";
        var names = new List<string>();
        try
        {
            await foreach (var item in Container.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", prefix, default))
            {
                if (item.IsBlob && item.Blob.Name.EndsWith(".parquet", StringComparison.Ordinal))
                {
                    names.Add(item.Blob.Name[prefix.Length..]);
                }
            }
        }
        catch (global::Azure.RequestFailedException ex) when (ex.Status == 404)
        {
            // No container yet: nothing published.
        }

        return names.Order(StringComparer.Ordinal).ToList();
    }

    public async ValueTask DisposeAsync() => await Container.DeleteIfExistsAsync();
}
