using System.CommandLine;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Hosting;
using OrleansIngest.Silo.Http;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>silo</c>: runs one silo of a cluster until stopped (Ctrl-C / SIGTERM).</summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var siloPort = new Option<int>("--silo-port") { Description = "Silo-to-silo port.", DefaultValueFactory = _ => 11111 };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Client gateway port.", DefaultValueFactory = _ => 30000 };
        var advertised = new Option<string?>("--advertised-ip") { Description = "Address other silos reach this one at (default: the host's first IPv4 address)." };
        var name = new Option<string?>("--name") { Description = "Silo name (recorded as the writer of its commits)." };
        var lanes = new Option<int>("--lanes") { Description = "Units processed at once (default: one per core, at least enough to fill a VAD batch: 8)." };
        var httpPort = new Option<int>("--http-port")
        {
            Description = "HTTP port of the Event Grid webhook (/api/events/eventgrid, served when OrleansIngest:Events:Webhook has credentials) and /healthz; 0: no HTTP.",
            DefaultValueFactory = _ => 8080,
        };
        var kubernetes = new Option<bool>("--kubernetes")
        {
            Description = "Orleans Kubernetes hosting: endpoints, silo name and cluster ids from the pod (POD_NAME, POD_NAMESPACE, POD_IP, labels orleans/clusterId and orleans/serviceId).",
        };
        var dashboardAll = new Option<bool>("--dashboard-all-interfaces") { Description = "Serve the dashboard on every interface, not only 127.0.0.1 (put TLS in front of it)." };
        var provider = new Option<string?>("--execution-provider")
        {
            Description = "Where models run: auto (CUDA when it loads, else CPU), cuda (falls back to CPU with a warning) or cpu (default).",
        };
        provider.AcceptOnlyFromAmong("auto", "cuda", "cpu");
        var command = new Command("silo", "Run a silo that joins the cluster through Azure Table clustering.") { siloPort, gatewayPort, advertised, name, lanes, httpPort, dashboardAll, kubernetes, provider };
        shared.AddTo(command, cluster: true);
        shared.AddDashboardTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cluster = shared.Cluster(parse);
            if (cluster is null)
            {
                Console.Error.WriteLine("A cluster needs --cluster-connection-string (or ORLEANSINGEST__CLUSTER__CONNECTIONSTRING), or ORLEANSINGEST__CLUSTER__TABLESERVICEURI and ORLEANSINGEST__CLUSTER__BLOBSERVICEURI with a managed identity.");
                return 2;
            }

            var address = parse.GetValue(advertised) is { } ip ? IPAddress.Parse(ip) : ClusterSettings.DefaultAdvertisedAddress();
            var port = parse.GetValue(httpPort);
            IHostApplicationBuilder builder = port > 0 ? WebApplication.CreateBuilder() : Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.AddFilter("Orleans", LogLevel.Warning);
            builder.Logging.AddFilter("Polly", LogLevel.Warning);
            if (parse.GetValue(lanes) > 0)
            {
                builder.Configuration["OrleansIngest:Worker:Lanes"] = parse.GetValue(lanes).ToString(CultureInfo.InvariantCulture);
            }

            if (parse.GetValue(provider) is { } chosen)
            {
                builder.Configuration["OrleansIngest:Worker:ExecutionProvider"] = chosen;
            }

            if (shared.Storage(parse) is { } storage)
            {
                builder.Configuration["OrleansIngest:Storage:ConnectionString"] = storage;
            }

            builder.UseOrleans(silo =>
            {
                if (parse.GetValue(kubernetes))
                {
                    silo.UseKubernetesHosting();
                    silo.UseOrleansIngestStorage(cluster);
                }
                else
                {
                    silo.UseOrleansIngestCluster(cluster, address, parse.GetValue(siloPort), parse.GetValue(gatewayPort));
                }

                if (parse.GetValue(name) is { } siloName)
                {
                    silo.Configure<SiloOptions>(o => o.SiloName = siloName);
                }

                silo.AddOrleansIngest();
            });
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
            if (shared.Dashboard(parse, parse.GetValue(dashboardAll)) is { } dashboard)
            {
                // Every replica reads the others' cookies: one key ring for the cluster, next to its grain state.
                builder.Services.AddAdminDashboardHost(dashboard with { KeyRing = ClusterHostingExtensions.DashboardKeyRing(cluster) });
            }

            using var host = builder is WebApplicationBuilder web ? BuildWeb(web, address, port) : ((HostApplicationBuilder)builder).Build();
            try
            {
                // A cluster silo serves any job: one without ffmpeg where the default audio routes need it must not
                // start (it would fail good M4A files instead of leaving them to silos that have it).
                await AudioDecoder.CheckToolsAsync(PipelineDefinition.Default, host.Services.GetRequiredService<AudioDecoderOptions>(), cancellationToken);
            }
            catch (InvalidOperationException ex)
            {
                await Console.Error.WriteLineAsync($"The silo cannot start: {ex.Message}");
                return 3;
            }

            await host.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    // The silo's HTTP side: /healthz, and the Event Grid webhook when it has credentials (it is never served open).
    private static WebApplication BuildWeb(WebApplicationBuilder builder, IPAddress address, int port)
    {
        // Loopback silos (tests, a laptop) listen on loopback only; others on every interface.
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (IPAddress.IsLoopback(address))
            {
                kestrel.Listen(IPAddress.Loopback, port);
            }
            else
            {
                kestrel.ListenAnyIP(port);
            }
        });
        var webhook = builder.Configuration.IsEventWebhookConfigured();
        if (webhook)
        {
            builder.Services.AddEventWebhook(builder.Configuration);
        }

        var app = builder.Build();
        app.MapGet("/healthz", () => Results.Text("ok")).AllowAnonymous();
        if (webhook)
        {
            app.MapEventWebhook();
        }

        return app;
    }
}
