using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// The silo's worker: polls the job registry and pulls units of active jobs, bounded by its lanes, so work
/// flows to silos with spare capacity (pull, not push).
/// </summary>
public sealed class IngestWorkerService(
    IGrainFactory grains,
    IStorageResolver storage,
    VadBatcher vad,
    SileroVadModel vadModel,
    TimeProvider timeProvider,
    IOptions<WorkerOptions> options,
    AudioDecoderOptions decoderOptions,
    ILocalSiloDetails silo,
    WorkerActivity activity,
    ILogger<IngestWorkerService> logger,
    Lazy<Processing.Governance.SourceUriProtector>? sourceKey = null,
    Lazy<Processing.Governance.IKeyEncryptionKey>? dataKey = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        WorkerLog.Started(logger, silo.Name, settings.EffectiveLanes, vadModel.ModelVersion, vadModel.ActualProvider);
        var registry = grains.GetGrain<IJobRegistryGrain>(0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var jobId in await registry.GetActiveJobsAsync())
                {
                    await RunJobAsync(jobId, settings, stoppingToken);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A silo of the cluster may be gone for a few seconds; keep polling.
                WorkerLog.PollFailed(logger, ex);
            }

            try
            {
                await Task.Delay(settings.PollInterval, timeProvider, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    // A job whose pipeline routes files to ffmpeg is left to silos that have it: leasing its units here would fail
    // good files (and, after the attempt limit, quarantine them) for a reason that is this node's, not theirs.
    private async Task<bool> HasToolsForAsync(string jobId, PipelineDefinition pipeline, CancellationToken cancellationToken)
    {
        try
        {
            await AudioDecoder.CheckToolsAsync(pipeline, decoderOptions, cancellationToken);
            return true;
        }
        catch (InvalidOperationException ex)
        {
            WorkerLog.JobSkippedMissingTool(logger, jobId, ex.Message);
            return false;
        }
    }

    private async Task RunJobAsync(string jobId, WorkerOptions settings, CancellationToken cancellationToken)
    {
        var job = grains.GetGrain<IIngestJobGrain>(jobId);
        if (await job.GetWorkAsync() is not { } work)
        {
            return;
        }

        var pipeline = PipelineDefinition.FromJson(work.Spec.PipelineJson);
        if (!await HasToolsForAsync(jobId, pipeline, cancellationToken))
        {
            return;
        }

        var writer = silo.Name;
        var context = new PipelineContext(pipeline, work.Spec.PipelineVersion, writer);
        var coordinator = new GrainJobCoordinator(grains, jobId, work, writer, activity);
        var worker = new JobWorker(
            coordinator, storage, vad, $"silero_vad={vadModel.ModelVersion}", timeProvider,
            new JobWorkerSettings(settings.EffectiveLanes, settings.MaxSegmentsInFlight), work.Spec.SourceRoot, work.Spec.OutputRoot, context, decoderOptions,
            sourceKey is null ? null : () => sourceKey.Value,
            dataKey is null ? null : () => dataKey.Value);
        await worker.RunAsync(cancellationToken);

        // No unit was pending for this silo: let the job check whether it is complete (nobody may be watching it).
        await job.GetProgressAsync();
    }
}

/// <summary>Worker log messages (event ids 3000–3099).</summary>
internal static partial class WorkerLog
{
    [LoggerMessage(3000, LogLevel.Information, "Worker on silo {Silo} started: {Lanes} lanes, VAD {Model} on {Provider}")]
    public static partial void Started(ILogger logger, string silo, int lanes, string model, string provider);

    [LoggerMessage(3001, LogLevel.Warning, "Polling for work failed; retrying")]
    public static partial void PollFailed(ILogger logger, Exception exception);

    [LoggerMessage(3002, LogLevel.Error, "Job {JobId} is left to other silos: {Reason}")]
    public static partial void JobSkippedMissingTool(ILogger logger, string jobId, string reason);
}
