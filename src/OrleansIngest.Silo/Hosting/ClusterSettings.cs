using System.Net;
using System.Net.Sockets;

namespace OrleansIngest.Silo.Hosting;

/// <summary>How a silo or client finds its cluster.</summary>
/// <param name="ClusteringConnectionString">Azure Storage connection string of the membership table (Azure Table clustering).</param>
/// <param name="ClusterId">Orleans cluster id: silos with the same id form one cluster.</param>
/// <param name="ServiceId">Orleans service id: stable across deployments; keys durable grain state.</param>
public sealed record ClusterSettings(string ClusteringConnectionString, string ClusterId = "orleans-ingest", string ServiceId = "orleans-ingest")
{
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
