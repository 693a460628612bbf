using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using OrleansIngest.Grains;
using OrleansIngest.Processing.Events;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Silo.Events;
using OrleansIngest.Silo.Telemetry;
using OrleansIngest.Silo.Worker;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Silo.Hosting;

/// <summary>Registers OrleansIngest on a silo.</summary>
public static class OrleansIngestHostingExtensions
{
    /// <summary>Grain locations a silo caches (Orleans' default: 1,000,000), enough for hundreds of jobs' partitions.</summary>
    public const int GrainDirectoryCacheSize = 16_384;

    /// <summary>
    /// Adds the ingest grains' services, the per-silo worker, the shared VAD model and telemetry (OpenTelemetry and Orleans'
    /// dashboard, see <see cref="TelemetryHostingExtensions.AddOrleansIngestTelemetry(ISiloBuilder)"/>) to a silo. Grain state
    /// goes to the <c>ingest</c> storage provider, which the caller chooses (memory for the embedded default).
    /// </summary>
    public static ISiloBuilder AddOrleansIngest(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.AddOrleansIngestServices();
        builder.AddOrleansIngestTelemetry();

        // Orleans sizes its grain-location cache for a million grains up front: two 9.3 MB arrays of committed GC heap on
        // every silo (counted against a container's heap limit, though resident only as they fill). Ingest addresses
        // few grains: one per job, its partitions (8 by default) and registry, one per output table.
        builder.Configure<GrainDirectoryOptions>(o => o.CacheSize = GrainDirectoryCacheSize);
        return builder;
    }

    /// <summary>Registers the services (options validated at start, storage, discovery, VAD, worker).</summary>
    public static IServiceCollection AddOrleansIngestServices(this IServiceCollection services)
    {
        services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<JobOptions>().BindConfiguration(JobOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<StorageOptions>().BindConfiguration(StorageOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => new ChaosStorageFaults(
            sp.GetRequiredService<IOptions<StorageOptions>>().Value.ChaosFaultRate,
            sp.GetRequiredService<ILogger<ChaosStorageFaults>>()));
        services.AddHostedService(sp => sp.GetRequiredService<ChaosStorageFaults>());
        services.AddSingleton(sp =>
        {
            var storage = sp.GetRequiredService<IOptions<StorageOptions>>().Value;
            var settings = new AzureStorageSettings(storage.ConnectionString, storage.SasToken, storage.UseDefaultAzureCredential);
            return new AzureBlobClientFactory(settings, sp.GetRequiredService<ChaosStorageFaults>().ClientOptions());
        });
        services.AddSingleton<IStorageResolver>(sp => new StorageResolver(sp.GetRequiredService<AzureBlobClientFactory>()));
        services.AddSingleton(sp =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var cache = string.IsNullOrEmpty(worker.ModelCacheDirectory) ? Path.Combine(Path.GetTempPath(), "orleans-ingest", "models") : worker.ModelCacheDirectory;
            return new ModelCatalog(sp.GetRequiredService<IStorageResolver>(), new ModelCatalogSettings(cache, worker.ExecutionProvider, worker.VadIntraOpThreads));
        });
        services.AddSingleton<IModelRegistry, OutputModelRegistry>();
        // The source HMAC key of restricted tables: Governance:SourceKeyFile in a cluster (the same secret on every silo),
        // else the embedded default, created on first use.
        services.AddSingleton(sp =>
        {
            var configured = sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Governance:SourceKeyFile"];
            return new Lazy<Processing.Governance.SourceUriProtector>(() => string.IsNullOrEmpty(configured)
                ? Storage.Governance.SourceKeyFile.Load(Storage.Governance.SourceKeyFile.DefaultPath, create: true)
                : Storage.Governance.SourceKeyFile.Load(configured, create: false));
        });
        // The key-encryption key of confidential and restricted outputs: Governance:KeyEncryptionKeyFile in a cluster,
        // else the embedded default, created on first use.
        services.AddSingleton(sp =>
        {
            var configured = sp.GetRequiredService<Microsoft.Extensions.Configuration.IConfiguration>()["Governance:KeyEncryptionKeyFile"];
            return new Lazy<Processing.Governance.IKeyEncryptionKey>(() => string.IsNullOrEmpty(configured)
                ? Storage.Governance.SourceKeyFile.LoadKeyEncryptionKey(Storage.Governance.SourceKeyFile.DefaultKeyEncryptionKeyPath, create: true)
                : Storage.Governance.SourceKeyFile.LoadKeyEncryptionKey(configured, create: false));
        });
        services.AddSingleton<UnitDiscovery>();
        services.AddSingleton(sp =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var path = string.IsNullOrEmpty(worker.VadModelPath) ? SileroVadModel.DefaultModelPath : worker.VadModelPath;
            var model = new SileroVadModel(new OnnxModelSettings(path, string.IsNullOrEmpty(worker.VadModelSha256) ? null : worker.VadModelSha256, worker.ExecutionProvider, worker.VadIntraOpThreads)
            {
                FftFrontEnd = worker.VadFftFrontEnd,
            });
            ModelTelemetry.RecordSession("silero_vad", model.ModelVersion, model.RequestedProvider, model.ActualProvider);
            var logger = sp.GetRequiredService<ILogger<SileroVadModel>>();
            if (model.ProviderFallbackReason is { } reason)
            {
                ModelLog.ProviderFallback(logger, "silero_vad", model.RequestedProvider, reason);
            }

            ModelLog.VadFrontEnd(
                logger,
                "silero_vad",
                model.FrontEnd == "fft" ? "by a host FFT (the rest of the graph on ONNX Runtime)" : "in its graph",
                model.FrontEndFallbackReason is { } kept ? $": {kept}" : string.Empty);

            return model;
        });
        // The batch is sized for where the session really runs (a CUDA request that fell back gets the CPU batch).
        services.AddSingleton(sp =>
        {
            var model = sp.GetRequiredService<SileroVadModel>();
            var maxBatch = WorkerOptions.ResolveVadMaxBatch(sp.GetRequiredService<IOptions<WorkerOptions>>().Value.VadMaxBatch, model.ActualProvider);
            return new VadBatcher(model, new VadBatcherSettings(MaxBatch: maxBatch));
        });
        services.AddOptions<DecodingOptions>().BindConfiguration(DecodingOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton(sp => sp.GetRequiredService<IOptions<DecodingOptions>>().Value.ToDecoderOptions());
        services.AddSingleton<WorkerActivity>();
        services.AddSingleton(sp => SiloCapacityDetector.Detect(sp.GetRequiredService<IOptions<WorkerOptions>>().Value.Capacity));
        services.AddSingleton<LogMelBackend>();
        services.AddSingleton<IAdminService, AdminService>();
        services.AddSingleton<AdminAuditTrail>();
        services.AddHostedService<IngestWorkerService>();
        services.AddHostedService<SiloReporter>();
        services.AddSingleton<IBlobEventSink, GrainBlobEventSink>();
        services.AddOptions<EventQueueOptions>().BindConfiguration(EventQueueOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<EventQueueService>();
        services.AddOptions<FolderWatchOptions>().BindConfiguration(FolderWatchOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        services.AddHostedService<LocalFolderWatchService>();
        return services;
    }
}
