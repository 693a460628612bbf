using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.Grains;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Hosting;

namespace OrleansIngest.Cli.Commands;

/// <summary>An in-process silo with localhost clustering and in-memory grain state: the embedded default.</summary>
internal static class EmbeddedCluster
{
    /// <summary>
    /// Builds (does not start) the host. Ports are chosen free so that several runs can coexist. A given
    /// <paramref name="executionProvider"/> (<c>auto</c>, <c>cuda</c>, <c>cpu</c>) goes into this host's configuration
    /// only, as <c>silo --execution-provider</c> does, and outranks <c>OrleansIngest__Worker__ExecutionProvider</c>.
    /// </summary>
    public static IHost Build(
        int lanes, bool verbose, string? storageConnectionString = null, AdminDashboardSettings? dashboard = null, string? executionProvider = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = false, Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Logging.SetMinimumLevel(verbose ? LogLevel.Information : LogLevel.Warning);
        if (lanes > 0)
        {
            builder.Configuration["OrleansIngest:Worker:Lanes"] = lanes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (executionProvider is not null)
        {
            // Set after the environment source was added: the indexer writes every source, so the option wins.
            builder.Configuration["OrleansIngest:Worker:ExecutionProvider"] = executionProvider;
        }

        if (storageConnectionString is not null)
        {
            builder.Configuration["OrleansIngest:Storage:ConnectionString"] = storageConnectionString;
        }

        const string orleansDashboardKey = "OrleansIngest:Telemetry:OrleansDashboardEnabled";
        if (dashboard is null && builder.Configuration[orleansDashboardKey] is null)
        {
            // Without --dashboard-port nothing can show Orleans' dashboard, and its collector walks every grain
            // activation each second: about 1% of a one-core job's CPU, spent for no one.
            builder.Configuration[orleansDashboardKey] = "false";
        }

        const string prometheusKey = "OrleansIngest:Telemetry:PrometheusEnabled";
        if (dashboard is null && builder.Configuration[prometheusKey] is null)
        {
            // Nor can anything scrape /metrics: without it (and without OTLP) no metric is aggregated at all, which
            // saves the pipeline's per-batch histogram updates (OpenTelemetry's tag lookups, ~1% of a job's CPU).
            builder.Configuration[prometheusKey] = "false";
        }

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort());
            silo.AddMemoryGrainStorage(IngestStorageNames.Jobs);
            silo.AddOrleansIngest();
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(10));
        if (dashboard is not null)
        {
            builder.Services.AddAdminDashboardHost(dashboard);
        }

        return builder.Build();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
