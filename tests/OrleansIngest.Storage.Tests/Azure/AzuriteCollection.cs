using Azure.Storage.Blobs;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

/// <summary>All Azurite tests share one emulator; each test works in its own container.</summary>
[CollectionDefinition(Name)]
public sealed class AzuriteCollection : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";

    /// <summary>A container name no other test uses.</summary>
    public static string NewContainerName() => "t" + Guid.NewGuid().ToString("N")[..20];

    /// <summary>A client factory for the emulator's account, optionally recording every request.</summary>
    public static AzureBlobClientFactory Clients(AzuriteFixture azurite, RequestRecorder? recorder = null)
    {
        var options = AzureBlobClientFactory.CreateDefaultClientOptions();
        // Against a local emulator a failure is a bug, not a blip: fail fast instead of backing off for minutes.
        options.Retry.MaxRetries = 1;
        options.Retry.Delay = TimeSpan.FromMilliseconds(50);
        if (recorder is not null)
        {
            options.AddPolicy(recorder, global::Azure.Core.HttpPipelinePosition.PerRetry);
        }

        return new AzureBlobClientFactory(new AzureStorageSettings(ConnectionString: azurite.ConnectionString), options);
    }

    /// <summary>A raw container client for arranging and inspecting blobs.</summary>
    public static BlobContainerClient Container(AzuriteFixture azurite, string name) =>
        new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(name);
}
