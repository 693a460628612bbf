using System.Net;
using System.Net.Sockets;

namespace OrleansIngest.Silo.Hosting;

/// <summary>How a silo or client finds its cluster.</summary>
/// <param name="ClusteringConnectionString">
/// Azure Storage connection string of the membership table (Azure Table clustering) and grain state; null when the
/// account is reached with a managed identity through <see cref="TableServiceUri"/> and <see cref="BlobServiceUri"/>.
/// </param>
/// <param name="ClusterId">Orleans cluster id: silos with the same id form one cluster.</param>
/// <param name="ServiceId">Orleans service id: stable across deployments; keys durable grain state.</param>
public sealed record ClusterSettings(string? ClusteringConnectionString, string ClusterId = "orleans-ingest", string ServiceId = "orleans-ingest")
{
    /// <summary>Table endpoint of the membership table, reached with <c>DefaultAzureCredential</c> (accounts with shared keys off).</summary>
    public Uri? TableServiceUri { get; init; }

    /// <summary>Blob endpoint of the grain state, reached with <c>DefaultAzureCredential</c>.</summary>
    public Uri? BlobServiceUri { get; init; }

    /// <summary>Throws when neither a connection string nor both service URIs are given.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(ClusteringConnectionString) && (TableServiceUri is null || BlobServiceUri is null))
        {
            throw new InvalidOperationException("A cluster needs a connection string, or both a table and a blob service URI (managed identity).");
        }
    }

    /// <summary>
    /// The address other silos reach this one at: the first non-loopback IPv4 address of the host, or loopback
    /// when the host has none (a laptop, a test).
    /// </summary>
    public static IPAddress DefaultAdvertisedAddress()
    {
        try
        {
            return Dns.GetHostAddresses(Dns.GetHostName())
                .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)) ?? IPAddress.Loopback;
        }
        catch (SocketException)
        {
            return IPAddress.Loopback;
        }
    }
}
