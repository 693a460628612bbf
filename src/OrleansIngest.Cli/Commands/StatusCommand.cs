using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Local;
using Spectre.Console;

namespace OrleansIngest.Cli.Commands;

/// <summary>
/// <c>status</c>: what the tables under an output folder hold, read from their commit logs; or a job's progress
/// (<c>--job-id</c>), or the cluster's silos and their capacity (<c>--silos</c>).
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var output = new Option<string?>("--output") { Description = "Output folder or blob container URL." };
        var jobId = new Option<string?>("--job-id") { Description = "Show a job's progress instead (needs the cluster options): units, events, listings, commit latency p50/p95." };
        var silos = new Option<bool>("--silos")
        {
            Description = "Show the cluster's silos instead (needs the cluster options): cores, GPUs, GPU memory, weight, lanes, VAD batch, providers.",
        };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var command = new Command(
            "status",
            "Show the committed files, rows and quarantined units of every table in an output folder or container, a running job's progress, or the cluster's silos.")
        {
            output, jobId, silos, json,
        };
        shared.AddTo(command, cluster: true);
        command.Validators.Add(result =>
        {
            var modes = (result.GetValue(output) is null ? 0 : 1) + (result.GetValue(jobId) is null ? 0 : 1) + (result.GetValue(silos) ? 1 : 0);
            if (modes != 1)
            {
                result.AddError("Give either --output (tables), --job-id (a job on a cluster) or --silos (the silos of a cluster).");
            }
        });
        command.SetAction((parse, cancellationToken) => parse.GetValue(jobId) is { } id
            ? JobStatus.RunAsync(shared, parse, id, parse.GetValue(json), cancellationToken)
            : parse.GetValue(silos)
                ? SilosStatus.RunAsync(shared, parse, parse.GetValue(json), cancellationToken)
                : RunAsync(parse.GetValue(output)!, parse.GetValue(json), shared.Storage(parse), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string output, bool json, string? storageConnectionString, CancellationToken cancellationToken)
    {
        if (!Locations.IsRemote(output) && !Directory.Exists(LocalPaths.ToFullPath(output)))
        {
            Console.Error.WriteLine($"Output folder not found: {output}");
            return 2;
        }

        var storage = new StorageResolver(new AzureStorageSettings(storageConnectionString));
        var root = Locations.Normalize(output);
        var tables = new List<TableStatus>();
        await foreach (var name in storage.ListTablesAsync(root, cancellationToken))
        {
            var committer = new TableCommitter(storage.GetTable(root, name), TimeProvider.System);
            await committer.RefreshAsync(cancellationToken);
            var s = committer.State;
            tables.Add(new TableStatus(
                name, s.Files.Count, s.RowCount, s.ByteCount, new UnitCounts(s.CommittedUnitCount, s.Quarantined.Count) { Erased = s.Tombstones.Count },
                [.. s.Quarantined.OrderBy(q => q.SourceUri, StringComparer.Ordinal).Select(q => new QuarantineStatus(q.SourceUri, q.SourceETag, q.Reason))],
                s.LastCommitAt, s.NextSequence));
        }

        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(new StatusDocument(tables), StatusJson.Default.StatusDocument));
            return 0;
        }

        var view = new Table().Border(TableBorder.Rounded).AddColumns("table", "files", "rows", "bytes", "committed units", "quarantined", "erased", "last commit");
        var inv = CultureInfo.InvariantCulture;
        foreach (var t in tables)
        {
            view.AddRow(t.Name, t.Files.ToString(inv), t.Rows.ToString(inv), t.Bytes.ToString(inv), t.Units.Committed.ToString(inv), t.Units.Quarantined.ToString(inv), t.Units.Erased.ToString(inv), t.LastCommitAt?.ToString("u", inv) ?? "-");
        }

        AnsiConsole.Write(view);
        foreach (var q in tables.SelectMany(t => t.Quarantined.Select(q => (t.Name, q))))
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]{q.Name}[/] quarantined {q.q.SourceUri}: {q.q.Reason}");
        }

        return 0;
    }
}

internal sealed record StatusDocument([property: JsonPropertyName("tables")] IReadOnlyList<TableStatus> Tables);

internal sealed record TableStatus(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("files")] int Files,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("units")] UnitCounts Units,
    [property: JsonPropertyName("quarantined")] IReadOnlyList<QuarantineStatus> Quarantined,
    [property: JsonPropertyName("last_commit_at")] DateTimeOffset? LastCommitAt,
    [property: JsonPropertyName("log_entries")] long LogEntries);

internal sealed record UnitCounts(
    [property: JsonPropertyName("committed")] int Committed,
    [property: JsonPropertyName("quarantined")] int Quarantined)
{
    /// <summary>Blob versions erased and tombstoned: a later ingest of them commits nothing.</summary>
    [JsonPropertyName("erased")] public int Erased { get; init; }
}

internal sealed record QuarantineStatus(
    [property: JsonPropertyName("source_uri")] string SourceUri,
    [property: JsonPropertyName("source_etag")] string SourceETag,
    [property: JsonPropertyName("reason")] string Reason);

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(StatusDocument))]
internal sealed partial class StatusJson : JsonSerializerContext;
