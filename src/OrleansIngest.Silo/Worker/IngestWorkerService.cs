using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Evaluation;
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
    ModelCatalog models,
    IModelRegistry modelRegistry,
    TimeProvider timeProvider,
    IOptions<WorkerOptions> options,
    AudioDecoderOptions decoderOptions,
    ILocalSiloDetails silo,
    WorkerActivity activity,
    SiloCapacity capacity,
    LogMelBackend logMel,
    ILogger<IngestWorkerService> logger,
    Lazy<Processing.Governance.SourceUriProtector>? sourceKey = null,
    Lazy<Processing.Governance.IKeyEncryptionKey>? dataKey = null) : BackgroundService
{
    // (output root, model lineage) pairs already in that output's registry, so each is written once per silo run.
    private readonly HashSet<string> _registered = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var lanes = settings.EffectiveLanes(vad.Settings.MaxBatch, capacity);
        WorkerLog.Started(logger, silo.Name, lanes, vadModel.ModelVersion, vadModel.ActualProvider, vad.Settings.MaxBatch);
        WorkerLog.Capacity(logger, capacity.Cores, capacity.GpuCount, capacity.GpuMemoryMiB, capacity.Weight, logMel.Implementation);
        var registry = grains.GetGrain<IJobRegistryGrain>(0);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var jobId in await registry.GetActiveJobsAsync())
                {
                    await RunJobAsync(jobId, settings, lanes, stoppingToken);
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

    // A model that does not match its declaration (or cannot be fetched) here leaves the job to other silos rather than
    // failing its units, as a missing tool does.
    // Candidates of model steps (evaluation block) load through the same catalog and are registered like steps.
    private async Task<(ModelSteps Steps, ModelSteps Candidates)?> LoadModelsAsync(string jobId, PipelineDefinition pipeline, string outputRoot, CancellationToken cancellationToken)
    {
        ModelSteps steps;
        ModelSteps candidates;
        try
        {
            steps = await models.LoadAsync(pipeline.Models, cancellationToken);
            candidates = await models.LoadAsync(ModelStepShadow.CandidateSteps(pipeline), cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException or InvalidOperationException or ArgumentException or FormatException)
        {
            ModelLog.ModelsRejected(logger, jobId, ex);
            return null;
        }

        foreach (var step in steps.All.Concat(candidates.All))
        {
            if (!_registered.Add($"{outputRoot}|{step.LineageVersion}"))
            {
                continue;
            }

            ModelTelemetry.RecordSession(step.Definition.Name, step.LineageVersion, step.RequestedProvider, step.ActualProvider);
            ModelLog.Loaded(logger, step.Definition.Name, step.Sha256, step.Source, step.ActualProvider);
            if (step.ProviderFallbackReason is { } reason)
            {
                ModelLog.ProviderFallback(logger, step.Definition.Name, step.RequestedProvider, reason);
            }

            try
            {
                await modelRegistry.RegisterAsync(outputRoot, ModelRegistration.From(step, silo.Name, timeProvider.GetUtcNow()), cancellationToken);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or Azure.RequestFailedException)
            {
                _registered.Remove($"{outputRoot}|{step.LineageVersion}");
                ModelLog.RegistryFailed(logger, step.Definition.Name, outputRoot, ex);
            }
        }

        return (steps, candidates);
    }

    private async Task RunJobAsync(string jobId, WorkerOptions settings, int lanes, CancellationToken cancellationToken)
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

        if (await LoadModelsAsync(jobId, pipeline, work.Spec.OutputRoot, cancellationToken) is not ({ } steps, { } candidates))
        {
            return;
        }

        var writer = silo.Name;
        var context = new PipelineContext(pipeline, work.Spec.PipelineVersion, writer);
        var coordinator = new GrainJobCoordinator(grains, jobId, work, writer, activity);
        var worker = new JobWorker(
            coordinator, storage, vad, $"silero_vad={vadModel.ModelVersion}", timeProvider,
            new JobWorkerSettings(lanes, settings.MaxSegmentsInFlight), work.Spec.SourceRoot, work.Spec.OutputRoot, context, decoderOptions, steps, logMel.Batcher,
            ModelStepShadow.Create(pipeline, steps, candidates.All, timeProvider),
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
    [LoggerMessage(3000, LogLevel.Information, "Worker on silo {Silo} started: {Lanes} lanes, VAD {Model} on {Provider}, {VadMaxBatch} streams per VAD call")]
    public static partial void Started(ILogger logger, string silo, int lanes, string model, string provider, int vadMaxBatch);

    [LoggerMessage(3003, LogLevel.Information, "Worker capacity: {Cores} cores, {GpuCount} GPUs ({GpuMemoryMiB} MiB), weight {Weight}; log-mel {LogMel}")]
    public static partial void Capacity(ILogger logger, int cores, int gpuCount, long gpuMemoryMiB, double weight, string logMel);

    [LoggerMessage(3001, LogLevel.Warning, "Polling for work failed; retrying")]
    public static partial void PollFailed(ILogger logger, Exception exception);

    [LoggerMessage(3002, LogLevel.Error, "Job {JobId} is left to other silos: {Reason}")]
    public static partial void JobSkippedMissingTool(ILogger logger, string jobId, string reason);
}
