using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Azure.Storage.Blobs;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Evaluation;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Cli.Commands;

/// <summary>
/// <c>evaluate</c>: compares a candidate model with a baseline on the committed rows of an evaluation table
/// (shadow runs of the pipeline's <c>evaluation:</c> block) and records the result under
/// <c>&lt;output&gt;/_ingest/evaluations/&lt;id&gt;.json</c> (with the HTML report next to it).
/// </summary>
internal static class EvaluateCommand
{
    /// <summary>Folder of evaluation records below an output root.</summary>
    public const string EvaluationsFolder = "_ingest/evaluations";

    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL the pipeline wrote to.", Required = true };
        var baseline = new Option<string>("--baseline") { Description = "Baseline model name (model_name in the evaluation table, e.g. silero_vad).", Required = true };
        var candidate = new Option<string>("--candidate") { Description = "Candidate model name (a name from the pipeline's evaluation.candidates).", Required = true };
        var table = new Option<string?>("--table")
        {
            Description = "Evaluation table holding both models (default: eval_vad for the baseline silero_vad, else eval_<baseline>, e.g. eval_sensor_anomaly).",
        };
        var labels = new Option<FileInfo?>("--labels") { Description = "Reference labels: CSV or JSON Lines with row_id,label|score or source_uri,start_s,end_s[,label] (VAD: speech intervals)." };
        var kpis = new Option<string[]>("--kpi") { Description = "A KPI 'name = expression' (repeatable), e.g. \"speech_hours = sum(end_s - start_s) / 3600 where speech_ratio > 0.5\".", AllowMultipleArgumentsPerToken = false };
        var kpiFile = new Option<FileInfo?>("--kpi-file") { Description = "File with one KPI per line ('#' starts a comment)." };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Folder to write report.md and report.html to." };
        var json = new Option<bool>("--json") { Description = "Print the evaluation record as JSON instead of a summary." };
        var threshold = new Option<float>("--threshold") { Description = "Speech threshold of frames and segments.", DefaultValueFactory = _ => 0.5f };
        var price = new Option<double>("--price-per-core-hour")
        {
            Description = "Price of one core-hour on this hardware (default: Azure D2s v5 Linux pay-as-you-go, East US, $0.096/h ÷ 2 vCPU).",
            DefaultValueFactory = _ => EvaluationOptions.DefaultPricePerCoreHour,
        };
        var command = new Command("evaluate", "Compare a candidate model with the baseline on the shadow-run rows of an evaluation table.")
        {
            output, baseline, candidate, table, labels, kpis, kpiFile, report, json, threshold, price,
        };
        shared.AddTo(command, cluster: false);
        command.SetAction((parse, cancellationToken) => RunAsync(
            new Request(
                parse.GetValue(output)!, parse.GetValue(table) ?? DefaultTable(parse.GetValue(baseline)!), parse.GetValue(baseline)!, parse.GetValue(candidate)!, parse.GetValue(labels),
                parse.GetValue(kpis) ?? [], parse.GetValue(kpiFile), parse.GetValue(report), parse.GetValue(json), parse.GetValue(threshold), parse.GetValue(price)),
            shared.Storage(parse),
            cancellationToken));
        return command;
    }

    /// <summary>The table a baseline's rows are in: <c>eval_vad</c> for the built-in VAD, else <c>eval_&lt;step&gt;</c> (the baseline is the step).</summary>
    internal static string DefaultTable(string baseline) =>
        baseline == VadShadow.BaselineName ? VadShadow.TableName : ModelStepShadow.TableNameOf(baseline);

    private static async Task<int> RunAsync(Request request, string? storageConnectionString, CancellationToken cancellationToken)
    {
        List<KpiExpression> kpis;
        LabelSet? labels;
        try
        {
            var definitions = request.Kpis.ToList();
            if (request.KpiFile is { } file)
            {
                definitions.AddRange(File.ReadAllLines(file.FullName).Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')));
            }

            kpis = [.. definitions.Select(KpiExpression.Parse)];
            labels = request.Labels is { } labelFile ? LabelSet.Load(labelFile.FullName) : null;
        }
        catch (FormatException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        // The table name becomes a folder or blob prefix under the output: only a plain table name is read.
        if (request.Table.Length == 0 || !request.Table.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '_'))
        {
            Console.Error.WriteLine($"'{request.Table}' is not an evaluation table name (lowercase letters, digits and '_').");
            return 2;
        }

        var rows = new List<EvalRecord>();
        var files = 0;
        // A local table store creates its folders when opened: a read must not leave an empty table behind.
        if (Locations.IsRemote(request.Output) || Directory.Exists(Path.Combine(Path.GetFullPath(request.Output), request.Table)))
        {
            var storage = new StorageResolver(new AzureStorageSettings(storageConnectionString));
            var store = storage.GetTable(request.Output, request.Table);
            var committer = new TableCommitter(store, TimeProvider.System);
            await committer.RefreshAsync(cancellationToken);
            files = committer.State.Files.Count;
            foreach (var file in committer.State.Files)
            {
                // The Parquet reader needs a seekable stream (a blob download is not); files are held one at a time.
                await using var stream = await store.OpenPublishedFileAsync(file.Path, cancellationToken);
                using var buffer = new MemoryStream();
                await stream.CopyToAsync(buffer, cancellationToken);
                buffer.Position = 0;
                rows.AddRange(await EvalTableReader.ReadAsync(buffer, cancellationToken));
            }
        }

        var createdAt = DateTimeOffset.UtcNow;
        var id = string.Create(CultureInfo.InvariantCulture, $"{createdAt:yyyyMMdd'T'HHmmss}-{request.Candidate}-vs-{request.Baseline}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(3))}");
        EvaluationReport report;
        try
        {
            report = ModelEvaluator.Evaluate(
                rows,
                new EvaluationOptions(request.Baseline, request.Candidate) { Threshold = request.Threshold, PricePerCoreHour = request.PricePerCoreHour, Kpis = kpis, Labels = labels },
                id, createdAt, request.Output, request.Table, files);
        }
        catch (Exception ex) when (ex is ArgumentException or KpiException)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        var html = EvaluationReportWriter.ToHtml(report);
        await SaveAsync(request.Output, $"{id}.json", report.ToJson(), storageConnectionString, cancellationToken);
        await SaveAsync(request.Output, $"{id}.html", html, storageConnectionString, cancellationToken);
        if (request.ReportFolder is { } folder)
        {
            Directory.CreateDirectory(folder.FullName);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "report.md"), EvaluationReportWriter.ToMarkdown(report), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "report.html"), html, cancellationToken);
        }

        if (request.Json)
        {
            Console.WriteLine(report.ToJson());
        }
        else
        {
            Console.WriteLine(EvaluationReportWriter.ToMarkdown(report));
            Console.WriteLine($"Recorded as {request.Output.TrimEnd('/')}/{EvaluationsFolder}/{id}.json");
        }

        return 0;
    }

    private static async Task SaveAsync(string output, string name, string content, string? storageConnectionString, CancellationToken cancellationToken)
    {
        if (!Locations.IsRemote(output))
        {
            var folder = Path.Combine(Path.GetFullPath(output), "_ingest", "evaluations");
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, name), content, cancellationToken);
            return;
        }

        var location = new AzureBlobClientFactory(new AzureStorageSettings(storageConnectionString)).Resolve(output);
        var prefix = location.Prefix.Length == 0 ? "" : location.Prefix.TrimEnd('/') + "/";
        var blob = location.Container.GetBlobClient($"{prefix}{EvaluationsFolder}/{name}");
        await blob.UploadAsync(new BinaryData(Encoding.UTF8.GetBytes(content)), overwrite: true, cancellationToken);
    }

    private sealed record Request(
        string Output, string Table, string Baseline, string Candidate, FileInfo? Labels, string[] Kpis, FileInfo? KpiFile,
        DirectoryInfo? ReportFolder, bool Json, float Threshold, double PricePerCoreHour);
}
