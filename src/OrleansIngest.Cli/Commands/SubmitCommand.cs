using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Silo.Hosting;

using OrleansIngest.Storage;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>submit</c>: starts a job on a running cluster through a gateway.</summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var source = new Option<string>("--source") { Description = "Source blob URL or folder visible to every silo.", Required = true };
        var output = new Option<string>("--output") { Description = "Output blob URL or folder visible to every silo.", Required = true };
        var pipeline = new Option<FileInfo?>("--pipeline") { Description = "Pipeline definition (JSON or YAML)." };
        var jobId = new Option<string?>("--job-id") { Description = "Job id (default: generated). Submitting the same id and definition again is a no-op." };
        var wait = new Option<bool>("--wait") { Description = "Show live progress and exit when the job is done (0 = completed)." };
        var command = new Command("submit", "Submit an ingest job to a running cluster and print its id.") { source, output, pipeline, jobId, wait };
        shared.AddTo(command, cluster: true);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var cluster = shared.Cluster(parse);
            if (cluster is null)
            {
                Console.Error.WriteLine("submit needs --cluster-connection-string (or ORLEANSINGEST__CLUSTER__CONNECTIONSTRING).");
                return 2;
            }

            if (!PipelineFiles.TryLoad(parse.GetValue(pipeline), out var definition))
            {
                return 2;
            }

            using var host = await ClusterClients.ConnectAsync(cluster, cancellationToken);
            try
            {
                var grains = host.Services.GetRequiredService<IClusterClient>();
                var id = parse.GetValue(jobId) ?? JobIds.New();
                var spec = new JobSpec(Locations.Normalize(parse.GetValue(source)!), Locations.Normalize(parse.GetValue(output)!), definition.ToJson(), definition.LineageVersion);
                var job = grains.GetGrain<IIngestJobGrain>(id);
                await ClusterCalls.RetryAsync(() => job.StartAsync(spec), cancellationToken);
                await CliAudit.RecordAsync(shared.Storage(parse), parse.GetValue(output)!, "submit", id, "ok", cancellationToken);
                Console.WriteLine(id);
                if (!parse.GetValue(wait))
                {
                    return 0;
                }

                var stopwatch = Stopwatch.StartNew();
                var progress = await ProgressView.WatchAsync(job, cancellationToken);
                Summary.Print(progress, stopwatch.Elapsed);
                return progress.Phase == JobPhase.Completed ? 0 : 1;
            }
            finally
            {
                await host.StopAsync(CancellationToken.None);
            }
        });
        return command;
    }
}

/// <summary>Connects a cluster client, waiting for a cluster that is still starting.</summary>
internal static class ClusterClients
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromMinutes(2);

    public static async Task<IHost> ConnectAsync(ClusterSettings cluster, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        while (true)
        {
            var builder = Host.CreateApplicationBuilder();
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
            builder.Logging.SetMinimumLevel(LogLevel.Error);
            builder.UseOrleansClient(client => client.UseOrleansIngestCluster(cluster));
            var host = builder.Build();
            try
            {
                await host.StartAsync(cancellationToken);
                return host;
            }
            catch (Exception ex) when (ex is not OperationCanceledException && stopwatch.Elapsed < ConnectTimeout)
            {
                // No gateway registered yet, or none reachable: the cluster may still be starting.
                host.Dispose();
                Console.Error.WriteLine($"waiting for the cluster: {ex.GetBaseException().Message}");
                await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            }
        }
    }
}

/// <summary>Loads a pipeline file or the default, reporting a bad file in words.</summary>
internal static class PipelineFiles
{
    public static bool TryLoad(FileInfo? file, out PipelineDefinition pipeline)
    {
        try
        {
            pipeline = file is null ? PipelineDefinition.Default : PipelineDefinition.Load(file.FullName);
            return true;
        }
        catch (Exception ex) when (ex is IOException or FormatException or System.Text.Json.JsonException or YamlDotNet.Core.YamlException)
        {
            Console.Error.WriteLine($"Invalid pipeline: {ex.Message}");
            pipeline = PipelineDefinition.Default;
            return false;
        }
    }
}
