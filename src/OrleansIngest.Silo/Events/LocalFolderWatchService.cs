using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Events;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Silo.Events;

/// <summary>
/// Local mode's event source: a <see cref="LocalFolderEventSource"/> for every continuous job whose source is a local
/// folder, delivering to the <see cref="IBlobEventSink"/>. Watchers follow the subscription list (checked every few
/// seconds). A new watcher asks its job for a listing once it listens, so that nothing written before it started is
/// left to the next reconciliation; a watcher that lost events (buffer overflow, too many pending files) asks for one too.
/// Several silos watching one shared folder send the same events, which collapse on the version.
/// </summary>
public sealed class LocalFolderWatchService(
    IGrainFactory grains,
    IBlobEventSink sink,
    IOptions<FolderWatchOptions> options,
    TimeProvider timeProvider,
    ILogger<LocalFolderWatchService> logger) : BackgroundService
{
    private static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(3);

    private readonly Dictionary<string, Watch> _watches = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    FolderWatchLog.RefreshFailed(logger, ex);
                }

                await Task.Delay(RefreshInterval, timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
        finally
        {
            foreach (var watch in _watches.Values)
            {
                await watch.StopAsync();
            }
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var subscriptions = (await grains.GetGrain<IJobRegistryGrain>(0).GetSubscriptionsAsync())
            .Where(s => LocalPaths.IsLocal(s.SourceRoot))
            .ToDictionary(s => s.JobId, StringComparer.Ordinal);
        foreach (var gone in _watches.Keys.Where(id => !subscriptions.ContainsKey(id)).ToList())
        {
            await _watches[gone].StopAsync();
            _watches.Remove(gone);
            FolderWatchLog.Stopped(logger, gone);
        }

        foreach (var subscription in subscriptions.Values)
        {
            if (_watches.TryGetValue(subscription.JobId, out var existing) && !existing.Faulted)
            {
                continue;
            }

            var root = LocalPaths.ToFullPath(subscription.SourceRoot);
            if (!Directory.Exists(root))
            {
                continue;
            }

            var job = grains.GetGrain<IIngestJobGrain>(subscription.JobId);
            var spec = await job.GetSpecAsync();
            var output = spec is not null && LocalPaths.IsLocal(spec.OutputRoot) ? LocalPaths.ToFullPath(spec.OutputRoot) : null;
            var source = new LocalFolderEventSource(root, new LocalFolderEventSourceOptions { SettleDelay = options.Value.SettleDelay, ExcludedPrefix = output }, timeProvider);
            var watch = new Watch(source, subscription.JobId, job, sink, logger, cancellationToken);
            _watches[subscription.JobId] = watch;
            FolderWatchLog.Started(logger, subscription.JobId, root);

            // The watcher listens once started: a listing now finds anything written before it did.
            await watch.RequestListingAsync("watcher started");
        }
    }

    private sealed class Watch
    {
        private readonly CancellationTokenSource _stop;
        private readonly Task _run;
        private readonly string _jobId;
        private readonly IIngestJobGrain _job;
        private readonly ILogger _logger;

        public Watch(LocalFolderEventSource source, string jobId, IIngestJobGrain job, IBlobEventSink sink, ILogger logger, CancellationToken stopping)
        {
            _jobId = jobId;
            _job = job;
            _logger = logger;
            _stop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            source.ReconciliationNeeded += reason => _ = RequestListingAsync(reason);
            _run = source.RunAsync(
                async (events, ct) => await sink.EnqueueAsync(events, ct),
                ex => FolderWatchLog.DeliveryFailed(logger, ex, jobId),
                _stop.Token);
        }

        public bool Faulted => _run.IsFaulted;

        public async Task RequestListingAsync(string reason)
        {
            try
            {
                FolderWatchLog.ListingRequested(_logger, _jobId, reason);
                await _job.ReconcileAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or OrleansException or TimeoutException)
            {
                FolderWatchLog.ListingRequestFailed(_logger, ex, _jobId);
            }
        }

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            try
            {
                await _run;
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // Stopped, or the folder vanished: either way this watch is over.
            }

            _stop.Dispose();
        }
    }
}

/// <summary>Folder watcher log messages (event ids 3300–3349).</summary>
internal static partial class FolderWatchLog
{
    [LoggerMessage(3300, LogLevel.Information, "Job {JobId}: watching {Folder} for new files")]
    public static partial void Started(ILogger logger, string jobId, string folder);

    [LoggerMessage(3301, LogLevel.Information, "Job {JobId}: stopped watching (unsubscribed)")]
    public static partial void Stopped(ILogger logger, string jobId);

    [LoggerMessage(3302, LogLevel.Warning, "Job {JobId}: delivering folder events failed; retrying")]
    public static partial void DeliveryFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(3303, LogLevel.Information, "Job {JobId}: listing requested ({Reason})")]
    public static partial void ListingRequested(ILogger logger, string jobId, string reason);

    [LoggerMessage(3304, LogLevel.Warning, "Job {JobId}: could not request a listing")]
    public static partial void ListingRequestFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(3305, LogLevel.Warning, "Reading the subscriptions for folder watching failed; retrying")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
