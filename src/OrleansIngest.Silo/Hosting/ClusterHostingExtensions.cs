using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using OrleansIngest.Grains;

namespace OrleansIngest.Silo.Hosting;

/// <summary>Joins silos and clients to a cluster whose membership and durable grain state live in Azure Tables.</summary>
public static class ClusterHostingExtensions
{
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
        builder.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(settings.ClusteringConnectionString));
        // Blob, not Table, grain storage: a partition's unsettled units can exceed a table entity's 1 MB.
        builder.AddAzureBlobGrainStorage(IngestStorageNames.Jobs, o =>
        {
            o.BlobServiceClient = new Azure.Storage.Blobs.BlobServiceClient(settings.ClusteringConnectionString);
            o.ContainerName = "orleans-ingest-grain-state";
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
        builder.UseAzureStorageClustering(o => o.TableServiceClient = new TableServiceClient(settings.ClusteringConnectionString));
        builder.Services.Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5));
        return builder;
    }
}
