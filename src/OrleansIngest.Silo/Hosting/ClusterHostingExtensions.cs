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
    /// Azure Table clustering for membership, and Azure Table grain storage for the job and registry grains so that
    /// their state survives any silo.
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
        builder.AddAzureTableGrainStorage(IngestStorageNames.Jobs, o =>
        {
            o.TableServiceClient = new TableServiceClient(settings.ClusteringConnectionString);
            o.TableName = "OrleansIngestGrainState";
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
