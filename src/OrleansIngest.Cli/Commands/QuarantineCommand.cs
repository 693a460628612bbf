using System.CommandLine;
using System.Text.Json;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>quarantine list|retry</c>: the quarantined units of an output, and releasing them for another run.</summary>
internal static class QuarantineCommand
{
    public static Command Create()
    {
        var command = new Command("quarantine", "List quarantined units, or release them so the next ingest processes them again.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateRetry());
        return command;
    }

    private static Command CreateList()
    {
        var shared = new ClusterOptionsBinding();
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL.", Required = true };
        var json = new Option<bool>("--json") { Description = "Print JSON lines." };
        var command = new Command("list", "List quarantined units with their reasons.") { output, json };
        shared.AddTo(command, cluster: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!OutputExists(parse.GetValue(output)!))
            {
                return 2;
            }

            var found = 0;
            await foreach (var (table, committer) in TablesAsync(parse.GetValue(output)!, shared.Storage(parse), cancellationToken))
            {
                foreach (var q in committer.State.Quarantined.OrderBy(q => q.SourceUri, StringComparer.Ordinal))
                {
                    found++;
                    Console.WriteLine(parse.GetValue(json)
                        ? JsonSerializer.Serialize(new { table, source_uri = q.SourceUri, source_etag = q.SourceETag, unit_id = q.UnitId, reason = q.Reason })
                        : $"{table}\t{q.SourceUri}\t{q.Reason}");
                }
            }

            if (!parse.GetValue(json))
            {
                Console.Error.WriteLine($"{found} quarantined unit(s)");
            }

            return 0;
        });
        return command;
    }

    private static Command CreateRetry()
    {
        var shared = new ClusterOptionsBinding();
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL.", Required = true };
        var sources = new Option<string[]>("--source-uri") { Description = "Release only these sources (repeatable); default: all.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("retry", "Release quarantined units (a log entry); re-run ingest or submit to process them.") { output, sources };
        shared.AddTo(command, cluster: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (!OutputExists(parse.GetValue(output)!))
            {
                return 2;
            }

            var wanted = parse.GetValue(sources) is { Length: > 0 } list ? list.ToHashSet(StringComparer.Ordinal) : null;
            var released = 0;
            await foreach (var (table, committer) in TablesAsync(parse.GetValue(output)!, shared.Storage(parse), cancellationToken))
            {
                var units = await committer.RetryQuarantinedAsync(q => wanted is null || wanted.Contains(q.SourceUri), CliAudit.Actor, cancellationToken);
                if (units.Count > 0)
                {
                    await CliAudit.RecordAsync(shared.Storage(parse), parse.GetValue(output)!, "retry", $"{table}:{units.Count} unit(s)", "ok", cancellationToken);
                }

                foreach (var unit in units)
                {
                    Console.WriteLine($"{table}\treleased\t{unit.SourceUri}");
                }

                released += units.Count;
            }

            Console.Error.WriteLine($"{released} unit(s) released; run ingest (or submit) on the same source and output to process them.");
            return 0;
        });
        return command;
    }

    private static bool OutputExists(string output)
    {
        if (!Locations.IsRemote(output) && !Directory.Exists(LocalPaths.ToFullPath(output)))
        {
            Console.Error.WriteLine($"Output folder not found: {output}");
            return false;
        }

        return true;
    }

    private static async IAsyncEnumerable<(string Table, TableCommitter Committer)> TablesAsync(
        string output, string? storageConnectionString, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var storage = new StorageResolver(new AzureStorageSettings(storageConnectionString));
        var root = Locations.Normalize(output);
        await foreach (var table in storage.ListTablesAsync(root, cancellationToken))
        {
            var committer = new TableCommitter(storage.GetTable(root, table), TimeProvider.System);
            await committer.RefreshAsync(cancellationToken);
            yield return (table, committer);
        }
    }
}
