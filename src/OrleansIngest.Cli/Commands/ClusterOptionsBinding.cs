using System.CommandLine;
using OrleansIngest.Silo.Hosting;

namespace OrleansIngest.Cli.Commands;

/// <summary>Options shared by the commands that talk to a cluster or to Azure Storage.</summary>
internal sealed class ClusterOptionsBinding
{
    private const string ClusterEnvironment = "ORLEANSINGEST__CLUSTER__CONNECTIONSTRING";
    private const string StorageEnvironment = "ORLEANSINGEST__STORAGE__CONNECTIONSTRING";
    private const string TableServiceEnvironment = "ORLEANSINGEST__CLUSTER__TABLESERVICEURI";
    private const string BlobServiceEnvironment = "ORLEANSINGEST__CLUSTER__BLOBSERVICEURI";

    public Option<string?> ClusterConnectionString { get; } = new("--cluster-connection-string")
    {
        Description = $"Azure Storage connection string of the cluster's membership table (or environment {ClusterEnvironment}).",
    };

    public Option<string> ClusterId { get; } = new("--cluster-id")
    {
        Description = "Orleans cluster id.",
        DefaultValueFactory = _ => "orleans-ingest",
    };

    public Option<string?> StorageConnectionString { get; } = new("--storage-connection-string")
    {
        Description = $"Azure Storage connection string for blob sources and outputs (or environment {StorageEnvironment}).",
    };

    /// <summary>Serve the admin dashboard (UI and REST API) on 127.0.0.1 at this port.</summary>
    public Option<int> DashboardPort { get; } = new("--dashboard-port")
    {
        Description = "Serve the admin dashboard (UI, REST API) on 127.0.0.1 at this port; a one-time admin token to sign in is printed at start.",
    };

    /// <summary>Where to write the admin token.</summary>
    public Option<FileInfo?> AdminTokenFile { get; } = new("--admin-token-file")
    {
        Description = "Also write the one-time admin token to this file (mode 600).",
    };

    /// <summary>Adds the dashboard options to <paramref name="command"/>.</summary>
    public void AddDashboardTo(Command command)
    {
        command.Options.Add(DashboardPort);
        command.Options.Add(AdminTokenFile);
    }

    /// <summary>The dashboard settings given, or null when no port was.</summary>
    public OrleansIngest.Silo.Admin.Http.AdminDashboardSettings? Dashboard(ParseResult parse, bool allInterfaces = false) =>
        parse.GetValue(DashboardPort) is > 0 and var port
            ? new OrleansIngest.Silo.Admin.Http.AdminDashboardSettings(port, allInterfaces, parse.GetValue(AdminTokenFile)?.FullName)
            : null;

    public void AddTo(Command command, bool cluster)
    {
        if (cluster)
        {
            command.Options.Add(ClusterConnectionString);
            command.Options.Add(ClusterId);
        }

        command.Options.Add(StorageConnectionString);
    }

    /// <summary>
    /// The cluster: by connection string (option or environment), or — for accounts with shared keys off — by the table
    /// and blob service URIs in <c>ORLEANSINGEST__CLUSTER__TABLESERVICEURI</c> / <c>…__BLOBSERVICEURI</c> with a managed
    /// identity. Null when neither is given.
    /// </summary>
    public ClusterSettings? Cluster(ParseResult parse)
    {
        var connection = parse.GetValue(ClusterConnectionString) ?? Environment.GetEnvironmentVariable(ClusterEnvironment);
        var tables = Environment.GetEnvironmentVariable(TableServiceEnvironment);
        var blobs = Environment.GetEnvironmentVariable(BlobServiceEnvironment);
        var id = parse.GetValue(ClusterId)!;
        if (!string.IsNullOrWhiteSpace(connection))
        {
            return new ClusterSettings(connection, id, id);
        }

        return Uri.TryCreate(tables, UriKind.Absolute, out var tableUri) && Uri.TryCreate(blobs, UriKind.Absolute, out var blobUri)
            ? new ClusterSettings(null, id, id) { TableServiceUri = tableUri, BlobServiceUri = blobUri }
            : null;
    }

    /// <summary>The storage connection string, from the option or the environment (never printed).</summary>
    public string? Storage(ParseResult parse) => parse.GetValue(StorageConnectionString) ?? Environment.GetEnvironmentVariable(StorageEnvironment);
}
