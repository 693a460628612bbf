using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Storage.Local;
using Spectre.Console;

using OrleansIngest.Storage;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>ingest</c>: runs a job on an in-process silo and waits for it.</summary>
internal static class IngestCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var source = new Option<string>("--source") { Description = "Source folder, file:// URI or blob container URL (with prefix).", Required = true };
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL; each table is a folder below it.", Required = true };
        var pipeline = new Option<FileInfo?>("--pipeline") { Description = "Pipeline definition (JSON or YAML); default: audio (WAV, FLAC, MP3, Ogg, M4A) → audio_segments, sensor CSV/JSON Lines (also .gz) → sensor_windows." };
        var lanes = new Option<int>("--lanes") { Description = "Units processed at once (default: one per core, at least enough to fill a VAD batch: 8)." };
        var verbose = new Option<bool>("--verbose") { Description = "Show the silo's informational logs." };
        var provider = new Option<string?>("--execution-provider")
        {
            Description = "Where models run: auto (CUDA when it loads, else CPU), cuda (falls back to CPU with a warning) or cpu (default).",
        };
        provider.AcceptOnlyFromAmong("auto", "cuda", "cpu");
        var summaryJson = new Option<FileInfo?>("--summary-json") { Description = "Also write the end-of-run summary as JSON to this file (counts, audio seconds, wall and CPU time of the job, peak memory, the job's GC and JIT work)." };
        var warmUp = new Option<string?>("--warm-up-source")
        {
            Description = "First ingest this folder on the same silo into a scratch output (deleted afterwards), left out of the summary: the job then runs on a warm silo, as every job after the first does on a long-running one (benchmarks).",
        };
        var command = new Command("ingest", "Ingest a folder or container into Parquet tables on an embedded (in-process) silo.") { source, output, pipeline, lanes, verbose, provider, summaryJson, warmUp };
        shared.AddTo(command, cluster: false);
        shared.AddDashboardTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(
            parse.GetValue(source)!, parse.GetValue(output)!, parse.GetValue(pipeline), parse.GetValue(lanes), parse.GetValue(verbose), shared.Storage(parse),
            shared.Dashboard(parse), parse.GetValue(summaryJson), parse.GetValue(provider), parse.GetValue(warmUp), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string source,
        string output,
        FileInfo? pipelineFile,
        int lanes,
        bool verbose,
        string? storageConnectionString,
        AdminDashboardSettings? dashboard,
        FileInfo? summaryJson,
        string? executionProvider,
        string? warmUpSource,
        CancellationToken cancellationToken)
    {
        if (!PipelineFiles.TryLoad(pipelineFile, out var pipeline))
        {
            return 2;
        }

        if (!Locations.IsRemote(source) && !Directory.Exists(LocalPaths.ToFullPath(source)))
        {
            Console.Error.WriteLine($"Source folder not found: {source}");
            return 2;
        }

        if (warmUpSource is not null && (Locations.IsRemote(warmUpSource) || !Directory.Exists(LocalPaths.ToFullPath(warmUpSource))))
        {
            Console.Error.WriteLine($"Warm-up folder not found: {warmUpSource}");
            return 2;
        }

        if (!Locations.IsRemote(output))
        {
            Directory.CreateDirectory(LocalPaths.ToFullPath(output));
        }

        using var host = EmbeddedCluster.Build(lanes, verbose, storageConnectionString, dashboard, executionProvider);
        try
        {
            // Fail now, not file by file, when the pipeline's routes need ffmpeg and this machine has none.
            await AudioDecoder.CheckToolsAsync(pipeline, host.Services.GetRequiredService<AudioDecoderOptions>(), cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        try
        {
            // Load (and check) the pipeline's models now: a model that does not match its declaration is rejected before
            // any unit is leased, with the reason, instead of leaving the embedded silo's worker unable to take the job.
            await host.Services.GetRequiredService<ModelCatalog>().LoadAsync(pipeline.Models, cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or ArgumentException)
        {
            Console.Error.WriteLine(ex.Message);
            return 2;
        }

        await host.StartAsync(cancellationToken);

        // The host's console lifetime takes SIGTERM/Ctrl-C (and stops the silo): end the watch with it.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        var grains = host.Services.GetRequiredService<IGrainFactory>();
        if (warmUpSource is not null)
        {
            try
            {
                var warm = await WarmUpAsync(grains, warmUpSource, pipeline, stopping.Token);
                if (warm.Phase != JobPhase.Completed)
                {
                    Console.Error.WriteLine($"The warm-up job did not complete ({warm.Phase.ToString().ToLowerInvariant()}): {warm.Error}");
                    await host.StopAsync(CancellationToken.None);
                    return 1;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                await host.StopAsync(CancellationToken.None);
                return 130;
            }
        }

        var stopwatch = Stopwatch.StartNew();
        var cpuAtStart = Environment.CpuUsage.TotalTime;
        var gcAtStart = RuntimeUsage.Now();
        var cpu = TimeSpan.Zero;
        var gc = default(RuntimeUsage);
        JobProgress progress;
        try
        {
            var jobId = JobIds.New();
            var job = grains.GetGrain<IIngestJobGrain>(jobId);
            await job.StartAsync(new JobSpec(Locations.Normalize(source), Locations.Normalize(output), pipeline.ToJson(), pipeline.LineageVersion));
            await CliAudit.RecordAsync(storageConnectionString, output, "submit", jobId, "ok", cancellationToken);
            progress = await ProgressView.WatchAsync(job, stopping.Token);

            // The job's own CPU (every thread of the process, silo start-up and shutdown excluded).
            cpu = Environment.CpuUsage.TotalTime - cpuAtStart;
            gc = RuntimeUsage.Now() - gcAtStart;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            Console.Error.WriteLine("Stopped before the job completed; what is committed stays, and running the same command again resumes the rest.");
            return 130;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }

        stopwatch.Stop();
        Summary.Print(progress, stopwatch.Elapsed, cpu);
        if (summaryJson is not null)
        {
            await Summary.WriteJsonAsync(summaryJson, progress, stopwatch.Elapsed, cpu, gc, CancellationToken.None);
        }

        return progress.Phase == JobPhase.Completed ? 0 : 1;
    }

    /// <summary>
    /// Runs <paramref name="source"/> through the pipeline into a scratch output that is deleted afterwards, so that the
    /// job after it finds the code paths compiled and the pools and caches filled, as on a long-running silo.
    /// </summary>
    private static async Task<JobProgress> WarmUpAsync(IGrainFactory grains, string source, PipelineDefinition pipeline, CancellationToken cancellationToken)
    {
        var scratch = Path.Combine(Path.GetTempPath(), "orleans-ingest-warm-up-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            var jobId = JobIds.New();
            var job = grains.GetGrain<IIngestJobGrain>(jobId);
            await job.StartAsync(new JobSpec(Locations.Normalize(source), Locations.Normalize(scratch), pipeline.ToJson(), pipeline.LineageVersion));

            // The measured job's own submit path, so that it finds that code compiled too (it was ~70 methods and
            // 0.05-0.06 s of JIT inside the measured job): the audit record, into the scratch output, and the
            // progress watch, without printing.
            await CliAudit.RecordAsync(null, scratch, "submit", jobId, "ok", cancellationToken);
            return await ProgressView.WatchPlainAsync(job, print: false, cancellationToken);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }
}

/// <summary>Live progress of a job: a progress bar on a terminal, periodic lines otherwise.</summary>
internal static class ProgressView
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Reads progress, riding out a cluster that is briefly unreachable (see <see cref="ClusterCalls"/>).</summary>
    private static Task<JobProgress> ReadAsync(IIngestJobGrain job, CancellationToken cancellationToken) =>
        ClusterCalls.RetryAsync(job.GetProgressAsync, cancellationToken);

    public static async Task<JobProgress> WatchAsync(IIngestJobGrain job, CancellationToken cancellationToken)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
        {
            return await WatchPlainAsync(job, print: true, cancellationToken);
        }

        JobProgress progress = await ReadAsync(job, cancellationToken);
        await AnsiConsole.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .StartAsync(async context =>
            {
                var bar = context.AddTask("discovering", maxValue: 1);
                while (true)
                {
                    progress = await ReadAsync(job, cancellationToken);
                    bar.MaxValue = Math.Max(1, progress.BytesTotal);
                    bar.Value = progress.BytesDone;
                    bar.Description = Describe(progress);
                    if (progress.IsFinished)
                    {
                        bar.Value = bar.MaxValue;
                        break;
                    }

                    await Task.Delay(PollInterval, cancellationToken);
                }
            });
        return progress;
    }

    /// <summary>Polls until the job finishes, printing a line every two seconds when <paramref name="print"/>.</summary>
    public static async Task<JobProgress> WatchPlainAsync(IIngestJobGrain job, bool print, CancellationToken cancellationToken)
    {
        var lastPrint = Stopwatch.StartNew();
        while (true)
        {
            var progress = await ReadAsync(job, cancellationToken);
            if (progress.IsFinished)
            {
                return progress;
            }

            if (print && lastPrint.Elapsed >= TimeSpan.FromSeconds(2))
            {
                Console.WriteLine(Describe(progress));
                lastPrint.Restart();
            }

            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    private static string Describe(JobProgress p)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"{p.Phase.ToString().ToLowerInvariant()}: {p.Committed + p.Quarantined}/{p.Discovered} files, {p.AudioSegments} segments, {p.SensorWindows} windows, {p.Quarantined} quarantined");
        return p.Subscription is { } s
            ? line + string.Create(CultureInfo.InvariantCulture, $", {s.Events} events, {s.Listings} listings, latency {p.CommitLatency}")
            : line;
    }
}

/// <summary>
/// Calls into a cluster that may be briefly unreachable: a silo died and is not yet evicted from membership, so
/// calls to the grains it hosted fail (for ~10–60 s) until they re-activate elsewhere.
/// </summary>
internal static class ClusterCalls
{
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromMinutes(3);

    public static async Task<T> RetryAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var failingSince = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception ex) when (ex is OrleansException or TimeoutException && failingSince.Elapsed < GiveUpAfter)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public static Task RetryAsync(Func<Task> call, CancellationToken cancellationToken) =>
        RetryAsync(async () =>
        {
            await call();
            return true;
        }, cancellationToken);
}

/// <summary>The end-of-run summary.</summary>
internal static class Summary
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };

    public static void Print(JobProgress p, TimeSpan elapsed, TimeSpan? cpu = null)
    {
        var table = new Table().Border(TableBorder.Rounded).AddColumn("").AddColumn(new TableColumn("").RightAligned()).HideHeaders();
        var inv = CultureInfo.InvariantCulture;
        table.AddRow("job", p.JobId);
        table.AddRow("outcome", p.Phase == JobPhase.Completed ? "[green]completed[/]" : $"[red]{p.Phase.ToString().ToLowerInvariant()}[/]");
        table.AddRow("files processed", (p.Committed + p.Quarantined).ToString(inv));
        table.AddRow("files committed", p.Committed.ToString(inv));
        table.AddRow("files quarantined", p.Quarantined.ToString(inv));
        table.AddRow("skipped (already ingested)", p.SkippedAlreadyDone.ToString(inv));
        table.AddRow("skipped (no route)", p.SkippedNoRoute.ToString(inv));
        table.AddRow("audio segments", p.AudioSegments.ToString(inv));
        table.AddRow("sensor windows", p.SensorWindows.ToString(inv));
        table.AddRow("audio hours", (p.AudioSeconds / 3600).ToString("0.000", inv));
        table.AddRow("wall time", elapsed.TotalSeconds.ToString("0.0 s", inv));
        table.AddRow("throughput", elapsed.TotalSeconds > 0 ? (p.AudioSeconds / elapsed.TotalSeconds).ToString("0.0", inv) + "× real time" : "-");
        if (cpu is { } used)
        {
            // Only known where the job ran in this process (the embedded silo).
            table.AddRow("CPU time", used.TotalSeconds.ToString("0.0 s", inv) + (used > TimeSpan.Zero && p.AudioSeconds > 0 ? $" ({(p.AudioSeconds / used.TotalSeconds).ToString("0", inv)}× real time per core)" : ""));
        }
        AnsiConsole.Write(table);
        if (p.Error is not null)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]error:[/] {p.Error}");
        }

        foreach (var q in p.QuarantinedUnits)
        {
            AnsiConsole.MarkupLineInterpolated($"[yellow]quarantined[/] {q.SourceUri}: {q.Reason}");
        }
    }

    /// <summary>The summary as JSON, for scripts and benchmarks (<c>--summary-json</c>).</summary>
    public static async Task WriteJsonAsync(FileInfo file, JobProgress p, TimeSpan elapsed, TimeSpan cpu, RuntimeUsage gc, CancellationToken cancellationToken)
    {
        using var process = Process.GetCurrentProcess();
        var summary = new
        {
            p.JobId,
            Phase = p.Phase.ToString().ToLowerInvariant(),
            p.Committed,
            p.Quarantined,
            p.AudioSegments,
            p.SensorWindows,
            p.AudioSeconds,
            WallSeconds = elapsed.TotalSeconds,
            CpuSeconds = cpu.TotalSeconds,
            PeakWorkingSetMb = process.PeakWorkingSet64 / (1024.0 * 1024),
            GcCollections = new { Gen0 = gc.Gen0, Gen1 = gc.Gen1, Gen2 = gc.Gen2 },
            GcPauseSeconds = gc.Pause.TotalSeconds,
            AllocatedMb = gc.AllocatedBytes / (1024.0 * 1024),
            JitMethods = gc.JitMethods,
            JitSeconds = gc.JitTime.TotalSeconds,

            // The compute stages' own CPU; the rest of cpu_seconds is orchestration, decoding, I/O and Parquet.
            StageCpuSeconds = new { Features = gc.ComputeCpu.Features.TotalSeconds, Inference = gc.ComputeCpu.Inference.TotalSeconds },
            p.Error,
        };
        await using var stream = file.Create();
        await JsonSerializer.SerializeAsync(stream, summary, Json, cancellationToken);
    }
}

/// <summary>
/// The runtime's own work between two points: GC collections per generation, pause time, bytes allocated, methods the JIT
/// compiled and its time; and the CPU of the pipeline's compute stages (<see cref="PipelineTelemetry.ComputeCpu"/>).
/// </summary>
public readonly record struct RuntimeUsage(int Gen0, int Gen1, int Gen2, TimeSpan Pause, long AllocatedBytes, long JitMethods, TimeSpan JitTime, ComputeStageCpu ComputeCpu)
{
    /// <summary>Totals since the process started.</summary>
    public static RuntimeUsage Now() =>
        new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes(precise: false),
            System.Runtime.JitInfo.GetCompiledMethodCount(), System.Runtime.JitInfo.GetCompilationTime(), PipelineTelemetry.ComputeCpu());

    /// <summary>What happened between <paramref name="start"/> and <paramref name="end"/>.</summary>
    public static RuntimeUsage operator -(RuntimeUsage end, RuntimeUsage start) =>
        new(end.Gen0 - start.Gen0, end.Gen1 - start.Gen1, end.Gen2 - start.Gen2, end.Pause - start.Pause, end.AllocatedBytes - start.AllocatedBytes,
            end.JitMethods - start.JitMethods, end.JitTime - start.JitTime, end.ComputeCpu - start.ComputeCpu);
}
