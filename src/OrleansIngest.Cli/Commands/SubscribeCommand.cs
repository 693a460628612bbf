using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Storage.Local;

using OrleansIngest.Storage;

namespace OrleansIngest.Cli.Commands;

/// <summary>
/// <c>subscribe</c>, <c>unsubscribe</c> and <c>reconcile</c>: continuous jobs that ingest new blob versions as events
/// announce them, with a periodic full listing for what events missed.
/// </summary>
internal static class SubscribeCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var source = new Option<string>("--source") { Description = "Source folder, file:// URI or blob container URL (with prefix) to follow.", Required = true };
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL.", Required = true };
        var pipeline = new Option<FileInfo?>("--pipeline") { Description = "Pipeline definition (JSON or YAML)." };
        var versions = new Option<VersionSelection>("--versions")
        {
            Description = "Overwritten blobs: 'all' ingests every version, 'latest' only the newest (by event sequencer).",
            DefaultValueFactory = _ => VersionSelection.All,
        };
        var interval = new Option<TimeSpan>("--reconcile-interval")
        {
            Description = "How often a full listing finds what events missed (e.g. 1h, 15m, 30s).",
            DefaultValueFactory = _ => ContinuousSpec.DefaultReconcileInterval,
            CustomParser = result => Durations.Parse(result),
        };
        var jobId = new Option<string?>("--job-id") { Description = "Job id (default: generated). Subscribing the same id and definition again is a no-op." };
        var lanes = new Option<int>("--lanes") { Description = "Embedded mode: units processed at once (default: one per core, at least enough to fill a VAD batch: 8)." };
        var command = new Command(
            "subscribe",
            "Start a continuous job: new blob versions under the source are ingested as they arrive. With a cluster it prints the job id; "
            + "without one it runs an embedded silo that watches a local folder until stopped (Ctrl-C).")
        {
            source, output, pipeline, versions, interval, jobId, lanes,
        };
        shared.AddTo(command, cluster: true);
        shared.AddDashboardTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!PipelineFiles.TryLoad(parse.GetValue(pipeline), out var definition))
            {
                return 2;
            }

            var spec = new JobSpec(Locations.Normalize(parse.GetValue(source)!), Locations.Normalize(parse.GetValue(output)!), definition.ToJson(), definition.LineageVersion)
            {
                Continuous = new ContinuousSpec(parse.GetValue(versions), parse.GetValue(interval)),
            };
            var id = parse.GetValue(jobId) ?? JobIds.New();
            if (shared.Cluster(parse) is { } cluster)
            {
                using var client = await ClusterClients.ConnectAsync(cluster, cancellationToken);
                try
                {
                    var job = client.Services.GetRequiredService<IClusterClient>().GetGrain<IIngestJobGrain>(id);
                    await ClusterCalls.RetryAsync(() => job.StartAsync(spec), cancellationToken);
                    Console.WriteLine(id);
                    return 0;
                }
                finally
                {
                    await client.StopAsync(CancellationToken.None);
                }
            }

            return await RunEmbeddedAsync(id, spec, parse.GetValue(lanes), shared.Storage(parse), shared.Dashboard(parse), cancellationToken);
        });
        return command;
    }

    public static Command CreateUnsubscribe()
    {
        var shared = new ClusterOptionsBinding();
        var jobId = new Option<string>("--job-id") { Description = "The continuous job to end.", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Wait until its pending units are settled and it completes." };
        var command = new Command("unsubscribe", "End a continuous job: it takes no new events and completes once its pending units are settled.") { jobId, wait };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, cancellationToken) => WithJobAsync(shared, parse, parse.GetValue(jobId)!, async job =>
        {
            await ClusterCalls.RetryAsync(job.UnsubscribeAsync, cancellationToken);
            if (parse.GetValue(wait))
            {
                var progress = await ProgressView.WatchAsync(job, cancellationToken);
                return progress.Phase == JobPhase.Completed ? 0 : 1;
            }

            return 0;
        }, cancellationToken));
        return command;
    }

    public static Command CreateReconcile()
    {
        var shared = new ClusterOptionsBinding();
        var jobId = new Option<string>("--job-id") { Description = "The continuous job to reconcile.", Required = true };
        var wait = new Option<bool>("--wait") { Description = "Wait until the listing completes and print what it found." };
        var command = new Command("reconcile", "List a continuous job's source in full now, to find blob versions that events missed.") { jobId, wait };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, cancellationToken) => WithJobAsync(shared, parse, parse.GetValue(jobId)!, async job =>
        {
            var before = (await ClusterCalls.RetryAsync(job.GetProgressAsync, cancellationToken)).Subscription?.FoundByListing ?? 0;
            var listing = await ClusterCalls.RetryAsync(job.ReconcileAsync, cancellationToken);
            if (!parse.GetValue(wait))
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listing {listing} started"));
                return 0;
            }

            while (true)
            {
                var progress = await ClusterCalls.RetryAsync(job.GetProgressAsync, cancellationToken);
                if (progress.Subscription is not { } subscription || progress.IsFinished)
                {
                    Console.Error.WriteLine($"Job {progress.JobId} stopped following its source ({progress.Phase}).");
                    return 1;
                }

                if (subscription.Listings >= listing)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"listing {subscription.Listings} complete: {subscription.FoundByListing - before} units found that events had missed"));
                    return 0;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }, cancellationToken));
        return command;
    }

    private static async Task<int> WithJobAsync(
        ClusterOptionsBinding shared, ParseResult parse, string jobId, Func<IIngestJobGrain, Task<int>> action, CancellationToken cancellationToken)
    {
        if (shared.Cluster(parse) is not { } cluster)
        {
            Console.Error.WriteLine("This command needs --cluster-connection-string (or ORLEANSINGEST__CLUSTER__CONNECTIONSTRING).");
            return 2;
        }

        using var client = await ClusterClients.ConnectAsync(cluster, cancellationToken);
        try
        {
            var job = client.Services.GetRequiredService<IClusterClient>().GetGrain<IIngestJobGrain>(jobId);
            var spec = await ClusterCalls.RetryAsync(job.GetSpecAsync, cancellationToken);
            if (spec?.Continuous is null)
            {
                Console.Error.WriteLine(spec is null ? $"No job '{jobId}'." : $"Job '{jobId}' is a batch job, not a subscription.");
                return 2;
            }

            return await action(job);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }
        finally
        {
            await client.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<int> RunEmbeddedAsync(
        string id, JobSpec spec, int lanes, string? storageConnectionString, OrleansIngest.Silo.Admin.Http.AdminDashboardSettings? dashboard, CancellationToken cancellationToken)
    {
        if (!Locations.IsRemote(spec.SourceRoot) && !Directory.Exists(LocalPaths.ToFullPath(spec.SourceRoot)))
        {
            Console.Error.WriteLine($"Source folder not found: {spec.SourceRoot}");
            return 2;
        }

        if (!Locations.IsRemote(spec.OutputRoot))
        {
            Directory.CreateDirectory(LocalPaths.ToFullPath(spec.OutputRoot));
        }

        using var host = EmbeddedCluster.Build(lanes, verbose: false, storageConnectionString, dashboard);
        try
        {
            await AudioDecoder.CheckToolsAsync(Processing.Pipeline.PipelineDefinition.FromJson(spec.PipelineJson), host.Services.GetRequiredService<AudioDecoderOptions>(), cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        await host.StartAsync(cancellationToken);

        // The host's console lifetime takes SIGTERM/Ctrl-C (and stops the silo): end the watch with it.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        cancellationToken = stopping.Token;
        try
        {
            var job = host.Services.GetRequiredService<IGrainFactory>().GetGrain<IIngestJobGrain>(id);
            await job.StartAsync(spec);
            Console.WriteLine($"{id}: watching {spec.SourceRoot} (Ctrl-C to stop)");
            var progress = await ProgressView.WatchAsync(job, cancellationToken);
            Summary.Print(progress, DateTimeOffset.UtcNow - progress.StartedAt);
            return progress.Phase == JobPhase.Completed ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.WriteLine("stopped");
            return 0;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}

/// <summary>Durations given on the command line: <c>90s</c>, <c>15m</c>, <c>2h</c>, <c>1d</c>, or <c>hh:mm:ss</c>.</summary>
internal static class Durations
{
    public static TimeSpan Parse(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count == 0 ? string.Empty : result.Tokens[0].Value.Trim();
        if (TryParse(text, out var value) && value > TimeSpan.Zero)
        {
            return value;
        }

        result.AddError($"'{text}' is not a positive duration (e.g. 30s, 15m, 1h, 1d or 01:00:00).");
        return TimeSpan.Zero;
    }

    public static bool TryParse(string text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (text.Length < 2)
        {
            return false;
        }

        if (double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0 && double.IsFinite(amount))
        {
            try
            {
                value = char.ToLowerInvariant(text[^1]) switch
                {
                    's' => TimeSpan.FromSeconds(amount),
                    'm' => TimeSpan.FromMinutes(amount),
                    'h' => TimeSpan.FromHours(amount),
                    'd' => TimeSpan.FromDays(amount),
                    _ => TimeSpan.Zero,
                };
            }
            catch (OverflowException)
            {
                return false;
            }

            return value > TimeSpan.Zero;
        }

        return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out value);
    }
}
