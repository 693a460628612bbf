using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Storage.Azure;

/// <summary>How a <see cref="StorageQueueEventSource"/> receives, retries and gives up on messages.</summary>
public sealed class StorageQueueEventSourceOptions
{
    /// <summary>Appended to the queue's name to name its poison queue.</summary>
    public const string PoisonQueueSuffix = "-poison";

    /// <summary>Messages asked for per receive (1–32, the service's maximum).</summary>
    public int MaxMessagesPerReceive { get; init; } = 32;

    /// <summary>
    /// How long a received message stays invisible to other consumers. It must exceed the time the enqueue handler
    /// takes, or the message is delivered again while it is being handled (harmless, the unit id collapses it, but
    /// wasted work). Between 1 s and 7 days.
    /// </summary>
    public TimeSpan VisibilityTimeout { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>A message received more often than this goes to the poison queue instead of the handler.</summary>
    public int MaxDequeueCount { get; init; } = 5;

    /// <summary>How long <see cref="StorageQueueEventSource.RunAsync"/> waits after finding the queue empty.</summary>
    public TimeSpan IdleDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long <see cref="StorageQueueEventSource.RunAsync"/> waits after a failed batch before the next receive.</summary>
    public TimeSpan FailureDelay { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value the service or the loop cannot use.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxMessagesPerReceive, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxMessagesPerReceive, 32);
        ArgumentOutOfRangeException.ThrowIfLessThan(VisibilityTimeout, TimeSpan.FromSeconds(1));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(VisibilityTimeout, TimeSpan.FromDays(7));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDequeueCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(IdleDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(FailureDelay, TimeSpan.Zero);
    }
}

/// <summary>What one receive did.</summary>
/// <param name="Received">Messages received.</param>
/// <param name="Delivered">Messages whose events the handler accepted and that were then deleted.</param>
/// <param name="Events">Blob events handed to the handler.</param>
/// <param name="Poisoned">Messages moved to the poison queue (malformed, or received too often).</param>
/// <param name="LostReceipts">
/// Delivered messages that could not be deleted because their visibility timeout had run out and another receive took
/// them: they will be delivered again (and collapse on the unit id).
/// </param>
public sealed record StorageQueueBatchResult(int Received, int Delivered, int Events, int Poisoned, int LostReceipts);

/// <summary>
/// Consumes the Storage Queue that an Event Grid subscription writes blob events to. Each receive decodes the messages
/// with <see cref="BlobEventParser"/>, hands their events to a caller-supplied handler that enqueues them durably, and
/// deletes a message only after the handler returned: delivery is at-least-once, never at-most-once. A message that
/// cannot be parsed, or that was received more than <see cref="StorageQueueEventSourceOptions.MaxDequeueCount"/>
/// times, is copied to the poison queue (<c>&lt;queue&gt;-poison</c>) with the reason and deleted from the queue.
/// One instance serves one receive loop at a time; run one per silo, the queue shares the work out.
/// </summary>
public sealed class StorageQueueEventSource
{
    // A queue message holds at most 64 KiB; leave room for the poison envelope around the original body.
    private const int MaxPoisonMessageBytes = 60 * 1024;

    // Poison messages are kept until an operator removes them (-1 s is the service's "never expires").
    private static readonly TimeSpan PoisonTimeToLive = TimeSpan.FromSeconds(-1);

    private readonly QueueClient _queue;
    private readonly QueueClient _poisonQueue;
    private readonly StorageQueueEventSourceOptions _options;
    private readonly BlobEventParser _parser;
    private readonly TimeProvider _timeProvider;
    private bool _poisonQueueExists;

    /// <summary>Creates a source that reads <paramref name="queue"/> and moves poison messages to <paramref name="poisonQueue"/>.</summary>
    /// <param name="queue">The queue Event Grid writes to; it must exist.</param>
    /// <param name="poisonQueue">Where poison messages go; created on first use.</param>
    /// <param name="options">Receive options (null: defaults).</param>
    /// <param name="parser">The event parser and its limits (null: defaults).</param>
    /// <param name="timeProvider">The clock of poison timestamps and loop delays (null: the system clock).</param>
    public StorageQueueEventSource(
        QueueClient queue,
        QueueClient poisonQueue,
        StorageQueueEventSourceOptions? options = null,
        BlobEventParser? parser = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentNullException.ThrowIfNull(poisonQueue);
        _queue = queue;
        _poisonQueue = poisonQueue;
        _options = options ?? new StorageQueueEventSourceOptions();
        _options.Validate();
        _parser = parser ?? new BlobEventParser();
        _timeProvider = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The queue read.</summary>
    public string QueueName => _queue.Name;

    /// <summary>The poison queue written.</summary>
    public string PoisonQueueName => _poisonQueue.Name;

    /// <summary>A source for the queue <paramref name="queueName"/> of <paramref name="service"/> and its poison queue <c>&lt;queueName&gt;-poison</c>.</summary>
    public static StorageQueueEventSource Create(
        QueueServiceClient service,
        string queueName,
        StorageQueueEventSourceOptions? options = null,
        BlobEventParser? parser = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentException.ThrowIfNullOrEmpty(queueName);
        return new StorageQueueEventSource(
            service.GetQueueClient(queueName),
            service.GetQueueClient(queueName + StorageQueueEventSourceOptions.PoisonQueueSuffix),
            options,
            parser,
            timeProvider);
    }

    /// <summary>
    /// Receives up to <see cref="StorageQueueEventSourceOptions.MaxMessagesPerReceive"/> messages, poisons the bad ones,
    /// passes the events of the others to <paramref name="enqueue"/> in one call and deletes those messages after it
    /// returns. If <paramref name="enqueue"/> throws, its exception propagates and the messages stay in the queue, to be
    /// received again once their visibility timeout ends.
    /// </summary>
    /// <param name="enqueue">Makes the events durable (e.g. a job grain's pending units); must be idempotent per event.</param>
    /// <param name="cancellationToken">
    /// Stops the receive or the handler; messages not yet handled are received again later. Once the handler has
    /// returned, the deletes are completed regardless.
    /// </param>
    public async Task<StorageQueueBatchResult> ReceiveBatchAsync(
        Func<IReadOnlyList<BlobEvent>, CancellationToken, Task> enqueue,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        QueueMessage[] messages;
        try
        {
            messages = (await _queue.ReceiveMessagesAsync(_options.MaxMessagesPerReceive, _options.VisibilityTimeout, cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidOperationException($"Queue '{_queue.Name}' does not exist; create it with the Event Grid subscription that writes to it.", ex);
        }

        var accepted = new List<QueueMessage>(messages.Length);
        var events = new List<BlobEvent>();
        var poisoned = 0;
        foreach (var message in messages)
        {
            var reason = ParseOrReason(message, events);
            if (reason is null)
            {
                accepted.Add(message);
            }
            else
            {
                await PoisonAsync(message, reason, cancellationToken);
                poisoned++;
            }
        }

        if (events.Count > 0)
        {
            await enqueue(events, cancellationToken);
        }

        // The events are durable now: finish the deletes even when shutdown has begun, so that a stopping silo does not
        // leave up to a batch of messages to be delivered again. Each delete is bounded by the client's network timeout.
        var lostReceipts = 0;
        foreach (var message in accepted)
        {
            if (!await TryDeleteAsync(_queue, message, CancellationToken.None))
            {
                lostReceipts++;
            }
        }

        return new StorageQueueBatchResult(messages.Length, accepted.Count - lostReceipts, events.Count, poisoned, lostReceipts);
    }

    /// <summary>
    /// Receives batches until <paramref name="cancellationToken"/> is cancelled: at once while messages keep coming,
    /// after <see cref="StorageQueueEventSourceOptions.IdleDelay"/> when the queue is empty, and after
    /// <see cref="StorageQueueEventSourceOptions.FailureDelay"/> when a batch failed (the failure is reported to
    /// <paramref name="onBatchFailed"/>; the batch's messages come back by themselves).
    /// </summary>
    public async Task RunAsync(
        Func<IReadOnlyList<BlobEvent>, CancellationToken, Task> enqueue,
        Action<Exception>? onBatchFailed = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(enqueue);
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan delay;
            try
            {
                var result = await ReceiveBatchAsync(enqueue, cancellationToken);
                delay = result.Received == 0 ? _options.IdleDelay : TimeSpan.Zero;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // Any failure (storage, handler) ends only this batch: its messages come back by themselves, and a loop
                // that died here would stop ingestion silently.
                onBatchFailed?.Invoke(ex);
                delay = _options.FailureDelay;
            }

            if (delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(delay, _timeProvider, cancellationToken);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    return;
                }
            }
        }
    }

    // Null when the message is good (its events appended to events), else why it is poison.
    private string? ParseOrReason(QueueMessage message, List<BlobEvent> events)
    {
        if (message.DequeueCount > _options.MaxDequeueCount)
        {
            return $"received {message.DequeueCount} times; the limit is {_options.MaxDequeueCount}";
        }

        try
        {
            events.AddRange(_parser.ParseQueueMessage(message.Body.ToString()).Events);
            return null;
        }
        catch (InvalidBlobEventException ex)
        {
            return ex.Message;
        }
    }

    private async Task PoisonAsync(QueueMessage message, string reason, CancellationToken cancellationToken)
    {
        if (!_poisonQueueExists)
        {
            try
            {
                await _poisonQueue.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            }
            catch (RequestFailedException ex) when (ex.Status == 403)
            {
                // Least-privilege identities (message processor and sender) may not create queues; the deployment
                // creates the poison queue, and sending to it below fails loudly if it did not.
            }

            _poisonQueueExists = true;
        }

        // Copy first, then delete: a crash in between leaves a duplicate poison entry, never a lost message.
        await _poisonQueue.SendMessageAsync(PoisonEnvelope(message, reason), visibilityTimeout: null, timeToLive: PoisonTimeToLive, cancellationToken);
        await TryDeleteAsync(_queue, message, cancellationToken);
    }

    private string PoisonEnvelope(QueueMessage message, string reason)
    {
        var body = message.Body.ToString();
        var truncated = false;
        while (true)
        {
            var envelope = WriteEnvelope(message, reason, body, truncated);
            if (Encoding.UTF8.GetByteCount(envelope) <= MaxPoisonMessageBytes)
            {
                return envelope;
            }

            // Halving converges in a few steps; the reason and ids always fit.
            body = body[..(body.Length / 2)];
            truncated = true;
        }
    }

    private string WriteEnvelope(QueueMessage message, string reason, string body, bool truncated)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("reason", reason);
            writer.WriteString("queue", _queue.Name);
            writer.WriteString("messageId", message.MessageId);
            writer.WriteNumber("dequeueCount", message.DequeueCount);
            if (message.InsertedOn is { } insertedOn)
            {
                writer.WriteString("insertedOn", insertedOn);
            }

            writer.WriteString("poisonedAt", _timeProvider.GetUtcNow());
            writer.WriteString("body", body);
            writer.WriteBoolean("bodyTruncated", truncated);
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    // False when the receipt is no longer valid: the visibility timeout ran out and the message was received again.
    private static async Task<bool> TryDeleteAsync(QueueClient queue, QueueMessage message, CancellationToken cancellationToken)
    {
        try
        {
            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status == 404 || ex.ErrorCode == "PopReceiptMismatch")
        {
            return false;
        }
    }
}
