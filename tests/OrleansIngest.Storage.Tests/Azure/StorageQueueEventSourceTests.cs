using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using OrleansIngest.Processing.Events;
using OrleansIngest.Storage.Azure;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Storage.Tests.Azure;

[Trait("Category", "Integration")]
[Collection(AzuriteCollection.Name)]
public sealed class StorageQueueEventSourceTests(AzuriteFixture azurite)
{
    // Only a bound on waiting for a message to become visible again; no assertion depends on it.
    private static readonly TimeSpan RedeliveryDeadline = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Queue_DeliversTheEventsOfEveryMessageAndThenDeletesThem()
    {
        var (service, queue) = await NewQueueAsync();
        await queue.SendMessageAsync(Base64(EventGridCreated("e1", "a.wav", "0x1")));
        await queue.SendMessageAsync(EventGridCreated("e2", "b.wav", "0x2"));
        await queue.SendMessageAsync(Base64(CloudEventCreated("e3", "c.wav", "0x3")));
        var source = StorageQueueEventSource.Create(service, queue.Name);
        var handled = new List<BlobEvent>();

        var result = await source.ReceiveBatchAsync((events, _) => { handled.AddRange(events); return Task.CompletedTask; });

        Assert.Equal(new StorageQueueBatchResult(Received: 3, Delivered: 3, Events: 3, Poisoned: 0, LostReceipts: 0), result);
        Assert.Equal(["e1", "e2", "e3"], handled.Select(e => e.Id).Order());
        Assert.Equal("https://acct.blob.core.windows.net/c/b.wav", handled.Single(e => e.Id == "e2").Url);
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Queue_DeletesAMessageOnlyAfterTheHandlerReturned()
    {
        var (service, queue) = await NewQueueAsync();
        await queue.SendMessageAsync(Base64(EventGridCreated("e1", "a.wav", "0x1")));
        var source = StorageQueueEventSource.Create(service, queue.Name);
        var countWhileHandling = -1;

        await source.ReceiveBatchAsync(async (_, ct) => countWhileHandling = await CountAsync(queue, ct));

        Assert.Equal(1, countWhileHandling);
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Queue_LeavesTheMessageForRedeliveryWhenTheHandlerFails()
    {
        var (service, queue) = await NewQueueAsync();
        await queue.SendMessageAsync(Base64(EventGridCreated("e1", "a.wav", "0x1")));
        var source = StorageQueueEventSource.Create(service, queue.Name, ShortVisibility(maxDequeueCount: 5));

        await Assert.ThrowsAsync<InvalidOperationException>(() =>
            source.ReceiveBatchAsync((_, _) => throw new InvalidOperationException("the job grain is unavailable")));
        Assert.Equal(1, await CountAsync(queue));

        var redelivered = await ReceiveUntilDeliveredAsync(source);

        Assert.Equal("e1", Assert.Single(redelivered).Id);
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Queue_MessageOfAConsumerStoppedMidHandlerReachesAnotherConsumer()
    {
        // Kill-like: the first silo stops while its handler runs; the message must reach the next silo.
        var (service, queue) = await NewQueueAsync();
        await queue.SendMessageAsync(Base64(EventGridCreated("e1", "a.wav", "0x1")));
        var first = StorageQueueEventSource.Create(service, queue.Name, ShortVisibility(maxDequeueCount: 5));
        using var stop = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => first.ReceiveBatchAsync(
            async (_, ct) =>
            {
                await stop.CancelAsync();
                ct.ThrowIfCancellationRequested();
            },
            stop.Token));

        var second = StorageQueueEventSource.Create(service, queue.Name, ShortVisibility(maxDequeueCount: 5));
        var redelivered = await ReceiveUntilDeliveredAsync(second);

        Assert.Equal("e1", Assert.Single(redelivered).Id);
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Queue_PoisonsAMessageReceivedMoreOftenThanTheLimit()
    {
        var (service, queue) = await NewQueueAsync();
        var body = Base64(EventGridCreated("e1", "a.wav", "0x1"));
        await queue.SendMessageAsync(body);
        var source = StorageQueueEventSource.Create(service, queue.Name, ShortVisibility(maxDequeueCount: 2));
        var handlerCalls = 0;
        var deadline = Stopwatch.StartNew();
        var poisoned = 0;

        while (poisoned == 0 && deadline.Elapsed < RedeliveryDeadline)
        {
            try
            {
                poisoned = (await source.ReceiveBatchAsync((_, _) =>
                {
                    handlerCalls++;
                    throw new InvalidOperationException("always fails");
                })).Poisoned;
            }
            catch (InvalidOperationException)
            {
                // The handler failed; the message stays invisible until its visibility timeout ends.
            }

            if (poisoned == 0)
            {
                await Task.Delay(250);
            }
        }

        Assert.Equal(1, poisoned);
        Assert.Equal(2, handlerCalls);
        Assert.Equal(0, await CountAsync(queue));
        var envelope = await SinglePoisonAsync(service, queue);
        Assert.Equal("received 3 times; the limit is 2", envelope.GetProperty("reason").GetString());
        Assert.Equal(body, envelope.GetProperty("body").GetString());
        Assert.Equal(3, envelope.GetProperty("dequeueCount").GetInt32());
        Assert.Equal(queue.Name, envelope.GetProperty("queue").GetString());
    }

    [Fact]
    public async Task Queue_PoisonsAMalformedMessageWithItsReasonAndDeliversTheRest()
    {
        var (service, queue) = await NewQueueAsync();
        await queue.SendMessageAsync("this is not an event");
        await queue.SendMessageAsync(Base64(EventGridCreated("e2", "b.wav", "0x2")));
        var source = StorageQueueEventSource.Create(service, queue.Name);
        var handled = new List<BlobEvent>();

        var result = await source.ReceiveBatchAsync((events, _) => { handled.AddRange(events); return Task.CompletedTask; });

        Assert.Equal(new StorageQueueBatchResult(Received: 2, Delivered: 1, Events: 1, Poisoned: 1, LostReceipts: 0), result);
        Assert.Equal("e2", Assert.Single(handled).Id);
        Assert.Equal(0, await CountAsync(queue));
        var envelope = await SinglePoisonAsync(service, queue);
        Assert.Equal("the message is neither JSON nor base64-encoded JSON", envelope.GetProperty("reason").GetString());
        Assert.Equal("this is not an event", envelope.GetProperty("body").GetString());
    }

    [Fact]
    public async Task Queue_PoisonsAMessageWhoseEventLacksItsETagNamingTheField()
    {
        var (service, queue) = await NewQueueAsync();
        await queue.SendMessageAsync(Base64(EventGridCreated("e1", "a.wav", eTag: null)));
        var source = StorageQueueEventSource.Create(service, queue.Name);
        var handlerCalls = 0;

        var result = await source.ReceiveBatchAsync((_, _) => { handlerCalls++; return Task.CompletedTask; });

        Assert.Equal(1, result.Poisoned);
        Assert.Equal(0, handlerCalls);
        Assert.Equal("event 0: data.eTag is missing", (await SinglePoisonAsync(service, queue)).GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Queue_EmptyReceiveCallsNoHandler()
    {
        var (service, queue) = await NewQueueAsync();
        var source = StorageQueueEventSource.Create(service, queue.Name);
        var handlerCalls = 0;

        var result = await source.ReceiveBatchAsync((_, _) => { handlerCalls++; return Task.CompletedTask; });

        Assert.Equal(new StorageQueueBatchResult(0, 0, 0, 0, 0), result);
        Assert.Equal(0, handlerCalls);
    }

    [Fact]
    public async Task Queue_RunDeliversUntilCancelled()
    {
        var (service, queue) = await NewQueueAsync();
        for (var i = 0; i < 40; i++)
        {
            await queue.SendMessageAsync(Base64(EventGridCreated($"e{i}", $"f{i}.wav", $"0x{i}")));
        }

        var source = StorageQueueEventSource.Create(service, queue.Name, new StorageQueueEventSourceOptions { IdleDelay = TimeSpan.FromMilliseconds(50) });
        var handled = new List<string>();
        var failures = new List<Exception>();
        using var stop = new CancellationTokenSource();

        await source.RunAsync(
            async (events, _) =>
            {
                handled.AddRange(events.Select(e => e.Id));
                if (handled.Count >= 40)
                {
                    await stop.CancelAsync();
                }
            },
            failures.Add,
            stop.Token);

        Assert.Empty(failures);
        Assert.Equal(40, handled.Distinct().Count());
        Assert.Equal(0, await CountAsync(queue));
    }

    [Fact]
    public async Task Queue_ThatDoesNotExistIsNamedInTheError()
    {
        var service = new QueueServiceClient(azurite.ConnectionString);
        var source = StorageQueueEventSource.Create(service, "missing-" + Guid.NewGuid().ToString("N")[..12]);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => source.ReceiveBatchAsync((_, _) => Task.CompletedTask));

        Assert.Contains(source.QueueName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_OutsideTheServiceLimitsAreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageQueueEventSourceOptions { MaxMessagesPerReceive = 33 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageQueueEventSourceOptions { VisibilityTimeout = TimeSpan.FromMilliseconds(500) }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new StorageQueueEventSourceOptions { MaxDequeueCount = 0 }.Validate());
    }

    private async Task<(QueueServiceClient Service, QueueClient Queue)> NewQueueAsync()
    {
        var service = new QueueServiceClient(azurite.ConnectionString);
        var queue = service.GetQueueClient("q" + Guid.NewGuid().ToString("N")[..20]);
        await queue.CreateAsync();
        return (service, queue);
    }

    private static StorageQueueEventSourceOptions ShortVisibility(int maxDequeueCount) =>
        new() { VisibilityTimeout = TimeSpan.FromSeconds(1), MaxDequeueCount = maxDequeueCount };

    // Receives until a batch reaches the handler; the message is invisible until its visibility timeout ends.
    private static async Task<IReadOnlyList<BlobEvent>> ReceiveUntilDeliveredAsync(StorageQueueEventSource source)
    {
        var deadline = Stopwatch.StartNew();
        var delivered = new List<BlobEvent>();
        while (delivered.Count == 0 && deadline.Elapsed < RedeliveryDeadline)
        {
            var result = await source.ReceiveBatchAsync((events, _) => { delivered.AddRange(events); return Task.CompletedTask; });
            if (result.Received == 0)
            {
                await Task.Delay(250);
            }
        }

        return delivered;
    }

    private static async Task<int> CountAsync(QueueClient queue, CancellationToken cancellationToken = default) =>
        (await queue.GetPropertiesAsync(cancellationToken)).Value.ApproximateMessagesCount;

    private static async Task<JsonElement> SinglePoisonAsync(QueueServiceClient service, QueueClient queue)
    {
        var poison = service.GetQueueClient(queue.Name + StorageQueueEventSourceOptions.PoisonQueueSuffix);
        PeekedMessage[] messages = (await poison.PeekMessagesAsync(maxMessages: 32)).Value;
        var message = Assert.Single(messages);
        using var document = JsonDocument.Parse(message.Body.ToString());
        return document.RootElement.Clone();
    }

    private static string Base64(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json));

    private static string EventGridCreated(string id, string name, string? eTag)
    {
        var eTagField = eTag is null ? "" : $"\"eTag\":\"{eTag}\",";
        return $$$"""
            {"topic":"/subscriptions/0/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/acct",
             "subject":"/blobServices/default/containers/c/blobs/{{{name}}}","eventType":"Microsoft.Storage.BlobCreated",
             "id":"{{{id}}}","eventTime":"2024-06-03T09:30:00Z","dataVersion":"","metadataVersion":"1",
             "data":{"api":"PutBlob",{{{eTagField}}}"contentType":"audio/wav","contentLength":44,"blobType":"BlockBlob",
                     "url":"https://acct.blob.core.windows.net/c/{{{name}}}","sequencer":"00000000000000000000000000000001"}}
            """;
    }

    private static string CloudEventCreated(string id, string name, string eTag) =>
        $$$"""
        {"specversion":"1.0","type":"Microsoft.Storage.BlobCreated","source":"/subscriptions/0/resourceGroups/r/providers/Microsoft.Storage/storageAccounts/acct",
         "id":"{{{id}}}","time":"2024-06-03T09:30:00Z","subject":"blobServices/default/containers/c/blobs/{{{name}}}",
         "data":{"api":"PutBlob","eTag":"{{{eTag}}}","contentLength":44,"blobType":"BlockBlob","url":"https://acct.blob.core.windows.net/c/{{{name}}}"}}
        """;
}
