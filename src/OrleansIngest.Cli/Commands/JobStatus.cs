using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Abstractions;
using Spectre.Console;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>status --job-id</c>: a job's progress read from the cluster, with a continuous job's events and latency.</summary>
internal static class JobStatus
{
    public static async Task<int> RunAsync(ClusterOptionsBinding shared, System.CommandLine.ParseResult parse, string jobId, bool json, CancellationToken cancellationToken)
    {
        if (shared.Cluster(parse) is not { } cluster)
        {
            Console.Error.WriteLine("status --job-id needs --cluster-connection-string (or ORLEANSINGEST__CLUSTER__CONNECTIONSTRING).");
            return 2;
        }

        using var client = await ClusterClients.ConnectAsync(cluster, cancellationToken);
        try
        {
            var job = client.Services.GetRequiredService<IClusterClient>().GetGrain<IIngestJobGrain>(jobId);
            if (await ClusterCalls.RetryAsync(job.GetSpecAsync, cancellationToken) is null)
            {
                Console.Error.WriteLine($"No job '{jobId}'.");
                return 2;
            }

            var document = ToDocument(await ClusterCalls.RetryAsync(job.GetProgressAsync, cancellationToken));
            if (json)
            {
                Console.WriteLine(JsonSerializer.Serialize(document, JobStatusJson.Default.JobStatusDocument));
                return 0;
            }

            Print(document);
            return 0;
        }
        finally
        {
            await client.StopAsync(CancellationToken.None);
        }
    }

    public static JobStatusDocument ToDocument(JobProgress p)
    {
        var latency = p.CommitLatency;
        return new JobStatusDocument(
            p.JobId, p.Phase.ToString().ToLowerInvariant(), p.Discovered, p.Pending, p.Leased, p.Committed, p.Quarantined,
            p.AudioSegments, p.SensorWindows, p.StartedAt, p.CompletedAt, p.Error,
            new LatencyStatus(latency.Count, latency.Percentile(0.5)?.TotalSeconds, latency.Percentile(0.95)?.TotalSeconds),
            p.Subscription is { } s
                ? new SubscriptionStatus(
                    s.Versions.ToString().ToLowerInvariant(), s.ReconcileInterval.TotalSeconds, s.Unsubscribed, s.Events, s.Enqueued, s.Duplicates, s.Stale,
                    s.Deletions, s.Unrouted, s.Superseded, s.Listings, s.FoundByListing, s.LastListingAt)
                : null);
    }

    private static void Print(JobStatusDocument d)
    {
        var inv = CultureInfo.InvariantCulture;
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        table.AddRow("job", d.JobId);
        table.AddRow("phase", d.Phase);
        table.AddRow("units (pending / leased)", string.Create(inv, $"{d.Units} ({d.Pending} / {d.Leased})"));
        table.AddRow("committed / quarantined", string.Create(inv, $"{d.Committed} / {d.Quarantined}"));
        table.AddRow("audio segments / sensor windows", string.Create(inv, $"{d.AudioSegments} / {d.SensorWindows}"));
        table.AddRow("commit latency p50", d.CommitLatency.P50Seconds is { } p50 ? LatencyHistogram.Format(TimeSpan.FromSeconds(p50)) : "-");
        table.AddRow("commit latency p95", d.CommitLatency.P95Seconds is { } p95 ? LatencyHistogram.Format(TimeSpan.FromSeconds(p95)) : "-");
        table.AddRow("latency samples", d.CommitLatency.Samples.ToString(inv));
        if (d.Subscription is { } s)
        {
            table.AddRow("versions", s.Versions);
            table.AddRow("events (enqueued / duplicate / stale)", string.Create(inv, $"{s.Events} ({s.Enqueued} / {s.Duplicates} / {s.Stale})"));
            table.AddRow("deletions ignored / unrouted", string.Create(inv, $"{s.Deletions} / {s.Unrouted}"));
            table.AddRow("superseded", s.Superseded.ToString(inv));
            table.AddRow("listings (found by reconciliation)", string.Create(inv, $"{s.Listings} ({s.FoundByListing})"));
            table.AddRow("last listing", s.LastListingAt?.ToString("u", inv) ?? "-");
            table.AddRow("subscribed", s.Unsubscribed ? "no (draining)" : "yes");
        }

        AnsiConsole.Write(table);
        if (d.Error is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {d.Error}");
        }
    }
}

internal sealed record JobStatusDocument(
    [property: JsonPropertyName("job_id")] string JobId,
    [property: JsonPropertyName("phase")] string Phase,
    [property: JsonPropertyName("units")] int Units,
    [property: JsonPropertyName("pending")] int Pending,
    [property: JsonPropertyName("leased")] int Leased,
    [property: JsonPropertyName("committed")] int Committed,
    [property: JsonPropertyName("quarantined")] int Quarantined,
    [property: JsonPropertyName("audio_segments")] long AudioSegments,
    [property: JsonPropertyName("sensor_windows")] long SensorWindows,
    [property: JsonPropertyName("started_at")] DateTimeOffset StartedAt,
    [property: JsonPropertyName("completed_at")] DateTimeOffset? CompletedAt,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("commit_latency")] LatencyStatus CommitLatency,
    [property: JsonPropertyName("subscription")] SubscriptionStatus? Subscription);

internal sealed record LatencyStatus(
    [property: JsonPropertyName("samples")] long Samples,
    [property: JsonPropertyName("p50_seconds")] double? P50Seconds,
    [property: JsonPropertyName("p95_seconds")] double? P95Seconds);

internal sealed record SubscriptionStatus(
    [property: JsonPropertyName("versions")] string Versions,
    [property: JsonPropertyName("reconcile_interval_seconds")] double ReconcileIntervalSeconds,
    [property: JsonPropertyName("unsubscribed")] bool Unsubscribed,
    [property: JsonPropertyName("events")] long Events,
    [property: JsonPropertyName("enqueued")] long Enqueued,
    [property: JsonPropertyName("duplicates")] long Duplicates,
    [property: JsonPropertyName("stale")] long Stale,
    [property: JsonPropertyName("deletions")] long Deletions,
    [property: JsonPropertyName("unrouted")] long Unrouted,
    [property: JsonPropertyName("superseded")] long Superseded,
    [property: JsonPropertyName("listings")] int Listings,
    [property: JsonPropertyName("found_by_listing")] long FoundByListing,
    [property: JsonPropertyName("last_listing_at")] DateTimeOffset? LastListingAt);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(JobStatusDocument))]
internal sealed partial class JobStatusJson : JsonSerializerContext;
