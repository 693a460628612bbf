using Azure.Identity;
using Azure.Storage.Queues;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Processing.Events;
using OrleansIngest.Silo.Hosting;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Silo.Events;

/// <summary>
/// Consumes the configured Event Grid → Storage Queue route: each batch's events go to the <see cref="IBlobEventSink"/>
/// and the messages are deleted only after it returned (see <see cref="StorageQueueEventSource"/>). Does nothing when
/// no queue is configured.
/// </summary>
public sealed class EventQueueService(
    IBlobEventSink sink,
    IOptions<EventQueueOptions> options,
    IOptions<StorageOptions> storage,
    TimeProvider timeProvider,
    ILogger<EventQueueService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        var source = StorageQueueEventSource.Create(
            CreateService(settings, storage.Value),
            settings.Name!,
            new StorageQueueEventSourceOptions
            {
                MaxMessagesPerReceive = settings.BatchSize,
                VisibilityTimeout = settings.VisibilityTimeout,
                MaxDequeueCount = settings.MaxDequeueCount,
                IdleDelay = settings.IdleDelay,
            },
            timeProvider: timeProvider);
        EventQueueLog.Started(logger, source.QueueName, source.PoisonQueueName);

        // Yield first: a hosted service's ExecuteAsync runs on the host's start path until its first await.
        await Task.Yield();
        await source.RunAsync(
            async (events, cancellationToken) => await sink.EnqueueAsync(events, cancellationToken),
            ex => EventQueueLog.BatchFailed(logger, ex, source.QueueName),
            stoppingToken);
    }

    private static QueueServiceClient CreateService(EventQueueOptions settings, StorageOptions storage)
    {
        var connectionString = string.IsNullOrEmpty(settings.ConnectionString) ? storage.ConnectionString : settings.ConnectionString;
        if (!string.IsNullOrEmpty(connectionString))
        {
            return new QueueServiceClient(connectionString);
        }

        if (settings.ServiceUri is { } uri && storage.UseDefaultAzureCredential)
        {
            return new QueueServiceClient(uri, new DefaultAzureCredential());
        }

        throw new InvalidOperationException(
            $"{EventQueueOptions.SectionName}:Name is set, but the queue has no credentials: set {EventQueueOptions.SectionName}:ConnectionString, "
            + $"{StorageOptions.SectionName}:ConnectionString, or {EventQueueOptions.SectionName}:ServiceUri with {StorageOptions.SectionName}:UseDefaultAzureCredential.");
    }
}

/// <summary>Queue consumer log messages (event ids 3150–3199).</summary>
internal static partial class EventQueueLog
{
    [LoggerMessage(3150, LogLevel.Information, "Consuming blob events from queue {Queue} (poison queue {PoisonQueue})")]
    public static partial void Started(ILogger logger, string queue, string poisonQueue);

    [LoggerMessage(3151, LogLevel.Warning, "A batch from queue {Queue} failed; its messages return after their visibility timeout")]
    public static partial void BatchFailed(ILogger logger, Exception exception, string queue);
}
