using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>audit</c>: lists the audit log of an output.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL.", Required = true };
        var since = new Option<DateTimeOffset?>("--since") { Description = "Only records at or after this time (ISO 8601)." };
        var actor = new Option<string?>("--actor") { Description = "Only records of this actor (e.g. cli/alice, apikey:ci)." };
        var action = new Option<string?>("--action") { Description = "Only records of this action (submit, erase, retry, read_rows, …)." };
        var json = new Option<bool>("--json") { Description = "Print the records as JSON lines." };
        var command = new Command("audit", "List audited actions (who did what to which target, with what outcome), oldest first.") { output, since, actor, action, json };
        shared.AddTo(command, cluster: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var storage = new StorageResolver(new AzureStorageSettings(shared.Storage(parse)));
            var log = new AuditLog(storage.GetGovernanceStore(Locations.Normalize(parse.GetValue(output)!)), TimeProvider.System);
            await foreach (var record in log.ReadAsync(parse.GetValue(since), parse.GetValue(actor), parse.GetValue(action), cancellationToken))
            {
                Console.WriteLine(parse.GetValue(json)
                    ? JsonSerializer.Serialize(record)
                    : string.Create(CultureInfo.InvariantCulture, $"{record.At:O}\t{record.Actor}\t{record.Action}\t{record.Target}\t{record.Outcome}"));
            }

            return 0;
        });
        return command;
    }
}

/// <summary>Audit records of CLI actions, named after the local OS user (<c>cli/&lt;user&gt;</c>).</summary>
internal static class CliAudit
{
    /// <summary>The actor of this process's actions.</summary>
    public static string Actor => $"cli/{Environment.UserName}";

    /// <summary>Appends a record to the output's audit log; a failure to write it is reported on stderr, not fatal.</summary>
    public static async Task RecordAsync(string? storageConnectionString, string output, string action, string target, string outcome, CancellationToken cancellationToken)
    {
        try
        {
            var storage = new StorageResolver(new AzureStorageSettings(storageConnectionString));
            await new AuditLog(storage.GetGovernanceStore(Locations.Normalize(output)), TimeProvider.System).AppendAsync(Actor, action, target, outcome, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The action already happened (a submit to a cluster that holds the storage credentials this CLI lacks):
            // failing the command now would only hide that it worked.
            Console.Error.WriteLine($"warning: the audit record of {action} {target} was not written: {ex.Message}");
        }
    }
}
