using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;
using Spectre.Console;

namespace OrleansIngest.Cli.Commands;

/// <summary>
/// <c>jobs list|show|units|pause|resume|cancel|retry</c>: operate a cluster's jobs through the same service layer
/// (<see cref="IAdminService"/>) that the dashboard's REST API and UI use.
/// </summary>
internal static class JobsCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("jobs", "List, inspect and steer a cluster's jobs (the dashboard's operations).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Units());
        command.Subcommands.Add(Action("pause", "Stop handing out a job's units; units in flight finish.", (admin, id, ct) => admin.PauseJobAsync(id, ct)));
        command.Subcommands.Add(Action("resume", "Hand out a paused job's units again.", (admin, id, ct) => admin.ResumeJobAsync(id, ct)));
        command.Subcommands.Add(Action("cancel", "End a job: pending units are dropped, what is committed stays.", (admin, id, ct) => admin.CancelJobAsync(id, ct)));
        command.Subcommands.Add(Retry());
        return command;
    }

    private static Command List()
    {
        var shared = new ClusterOptionsBinding();
        var json = new Option<bool>("--json") { Description = "Print JSON." };
        var command = new Command("list", "Every job, newest first.") { json };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, ct) => WithAdminAsync(shared, parse, async admin =>
        {
            var jobs = await admin.ListJobsAsync(ct);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(jobs, Json));
                return 0;
            }

            var table = new Table().Border(TableBorder.Rounded).AddColumns("job", "kind", "phase", "units", "committed", "quarantined", "started");
            foreach (var j in jobs)
            {
                table.AddRow(
                    Markup.Escape(j.JobId), j.Kind, j.Phase, j.Units.ToString(CultureInfo.InvariantCulture), j.Committed.ToString(CultureInfo.InvariantCulture),
                    j.Quarantined.ToString(CultureInfo.InvariantCulture), j.StartedAt.ToString("u", CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(table);
            return 0;
        }, ct));
        return command;
    }

    private static Command Show()
    {
        var shared = new ClusterOptionsBinding();
        var jobId = new Option<string>("--job-id") { Required = true, Description = "The job." };
        var command = new Command("show", "A job in detail (JSON): progress, rate and ETA, per-silo share, recent commits, events.") { jobId };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, ct) => WithAdminAsync(shared, parse, async admin =>
        {
            var detail = await admin.GetJobAsync(parse.GetValue(jobId)!, ct);
            if (detail is null)
            {
                return NotFound(parse.GetValue(jobId)!);
            }

            Console.WriteLine(JsonSerializer.Serialize(detail, Json));
            return 0;
        }, ct));
        return command;
    }

    private static Command Units()
    {
        var shared = new ClusterOptionsBinding();
        var jobId = new Option<string>("--job-id") { Required = true, Description = "The job." };
        var state = new Option<string?>("--state") { Description = "pending, leased, committed, quarantined or superseded (default: all)." };
        var skip = new Option<int>("--skip") { Description = "Units to skip." };
        var take = new Option<int>("--take") { Description = "Units to show.", DefaultValueFactory = _ => 100 };
        var command = new Command("units", "A job's units by state, ordered by source URI.") { jobId, state, skip, take };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, ct) => WithAdminAsync(shared, parse, async admin =>
        {
            var page = await admin.ListUnitsAsync(parse.GetValue(jobId)!, parse.GetValue(state), parse.GetValue(skip), parse.GetValue(take), ct);
            if (page is null)
            {
                return NotFound(parse.GetValue(jobId)!);
            }

            foreach (var unit in page.Units)
            {
                Console.WriteLine($"{unit.State}\t{unit.Table}\t{unit.SourceUri}\t{unit.LastError}");
            }

            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{page.Units.Count} of {page.Total} unit(s)"));
            return 0;
        }, ct));
        return command;
    }

    private static Command Action(string name, string description, Func<IAdminService, string, CancellationToken, Task<bool>> action)
    {
        var shared = new ClusterOptionsBinding();
        var jobId = new Option<string>("--job-id") { Required = true, Description = "The job." };
        var command = new Command(name, description) { jobId };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, ct) => WithAdminAsync(shared, parse, async admin =>
            await action(admin, parse.GetValue(jobId)!, ct) ? 0 : NotFound(parse.GetValue(jobId)!), ct));
        return command;
    }

    private static Command Retry()
    {
        var shared = new ClusterOptionsBinding();
        var jobId = new Option<string>("--job-id") { Required = true, Description = "The job." };
        var units = new Option<string[]>("--unit-id") { Description = "Retry only these units (repeatable); default: all quarantined.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("retry", "Release a job's quarantined units and queue them again (the job runs again).") { jobId, units };
        shared.AddTo(command, cluster: true);
        command.SetAction((parse, ct) => WithAdminAsync(shared, parse, async admin =>
        {
            var ids = parse.GetValue(units) is { Length: > 0 } list ? list : null;
            var result = await admin.RetryQuarantinedAsync(parse.GetValue(jobId)!, ids, ct);
            if (result is null)
            {
                return NotFound(parse.GetValue(jobId)!);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{result.Released} released, {result.Requeued} queued again"));
            return 0;
        }, ct));
        return command;
    }

    private static int NotFound(string jobId)
    {
        Console.Error.WriteLine($"No job '{jobId}'.");
        return 2;
    }

    private static async Task<int> WithAdminAsync(ClusterOptionsBinding shared, ParseResult parse, Func<IAdminService, Task<int>> action, CancellationToken cancellationToken)
    {
        if (shared.Cluster(parse) is not { } cluster)
        {
            Console.Error.WriteLine("This command needs --cluster-connection-string (or ORLEANSINGEST__CLUSTER__CONNECTIONSTRING).");
            return 2;
        }

        using var client = await ClusterClients.ConnectAsync(cluster, cancellationToken);
        try
        {
            var admin = new AdminService(
                client.Services.GetRequiredService<IClusterClient>(), new StorageResolver(new AzureStorageSettings(shared.Storage(parse))), TimeProvider.System);
            return await action(admin);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            Console.Error.WriteLine(ex.Message);
            return ex is ArgumentException ? 2 : 3;
        }
        finally
        {
            await client.StopAsync(CancellationToken.None);
        }
    }
}
