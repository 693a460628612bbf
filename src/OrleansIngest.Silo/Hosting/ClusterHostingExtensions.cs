using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using OrleansIngest.Grains;

namespace OrleansIngest.Silo.Hosting;

/// <summary>Joins silos and clients to a cluster whose membership and durable grain state live in Azure Storage.</summary>
public static class ClusterHostingExtensions
{
    // One credential per process: workload identity, managed identity, or a developer login.
    private static readonly Lazy<Azure.Core.TokenCredential> Credential = new(() => new Azure.Identity.DefaultAzureCredential());

    /// <summary>The blob of the dashboard's shared data-protection key ring, next to the cluster's grain state.</summary>
    public static Azure.Storage.Blobs.BlobClient DashboardKeyRing(ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var service = string.IsNullOrWhiteSpace(settings.ClusteringConnectionString)
            ? new Azure.Storage.Blobs.BlobServiceClient(settings.BlobServiceUri, Credential.Value)
            : new Azure.Storage.Blobs.BlobServiceClient(settings.ClusteringConnectionString);
        return service.GetBlobContainerClient(GrainStateContainer).GetBlobClient("dashboard/key-ring.xml");
    }

    private const string GrainStateContainer = "orleans-ingest-grain-state";

    private static TableServiceClient TableService(ClusterSettings settings) =>
        string.IsNullOrWhiteSpace(settings.ClusteringConnectionString)
            ? new TableServiceClient(settings.TableServiceUri, Credential.Value)
            : new TableServiceClient(settings.ClusteringConnectionString);

    /// <summary>
    /// Azure Table clustering for membership, and Azure Blob grain storage for the job, partition and registry grains
    /// so that their state survives any silo.
    /// </summary>
    public static ISiloBuilder UseOrleansIngestCluster(this ISiloBuilder builder, ClusterSettings settings, IPAddress advertisedAddress, int siloPort, int gatewayPort)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        builder.ConfigureEndpoints(advertisedAddress, siloPort, gatewayPort, listenOnAnyHostAddress: !IPAddress.IsLoopback(advertisedAddress));
        return builder.UseOrleansIngestStorage(settings);
    }

    /// <summary>
    /// Azure Table clustering and Azure Blob grain storage only, for hosts that set the endpoints and cluster ids
    /// themselves (Orleans Kubernetes hosting takes them from the pod).
    /// </summary>
    public static ISiloBuilder UseOrleansIngestStorage(this ISiloBuilder builder, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        builder.UseAzureStorageClustering(o => o.TableServiceClient = TableService(settings));
        // Blob, not Table, grain storage: a partition's unsettled units can exceed a table entity's 1 MB.
        builder.AddAzureBlobGrainStorage(IngestStorageNames.Jobs, o =>
        {
            o.BlobServiceClient = string.IsNullOrWhiteSpace(settings.ClusteringConnectionString)
                ? new Azure.Storage.Blobs.BlobServiceClient(settings.BlobServiceUri, Credential.Value)
                : new Azure.Storage.Blobs.BlobServiceClient(settings.ClusteringConnectionString);
            o.ContainerName = GrainStateContainer;
        });
        return builder;
    }

    /// <summary>A cluster client that finds gateways through the Azure Table membership.</summary>
    public static IClientBuilder UseOrleansIngestCluster(this IClientBuilder builder, ClusterSettings settings)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(settings);
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = settings.ClusterId;
            o.ServiceId = settings.ServiceId;
        });
        settings.Validate();
        builder.UseAzureStorageClustering(o => o.TableServiceClient = TableService(settings));
        builder.Services.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return builder;
    }
}
