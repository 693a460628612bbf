using System.Globalization;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;

namespace OrleansIngest.Integration.Tests.Events;

/// <summary>One blob write as Azure Storage would announce it through Event Grid.</summary>
/// <param name="Id">Event id (Event Grid keeps it across redeliveries).</param>
/// <param name="Url">The blob URL.</param>
/// <param name="ETag">The ETag the write returned (quoted, as the service returns it).</param>
/// <param name="Size">The blob's length.</param>
/// <param name="Sequencer">The write's sequencer: 48 hex digits, increasing per blob name.</param>
/// <param name="Time">When the write happened.</param>
/// <param name="Deleted">A BlobDeleted event rather than BlobCreated.</param>
internal sealed record BlobWrite(string Id, string Url, string ETag, long Size, string Sequencer, DateTimeOffset Time, bool Deleted = false);

/// <summary>One delivery the simulator makes: the writes it carries (copies included).</summary>
internal sealed record Delivery(IReadOnlyList<BlobWrite> Writes);

/// <summary>
/// Plays Azure Storage and Event Grid for a test: uploads (and overwrites) blobs to Azurite, records the events the
/// writes would raise with their real ETags and sizes, and plans an at-least-once, unordered, lossy delivery: each event
/// sent 1–3 times, all copies of about 5% of events lost, the rest shuffled (so older versions often arrive after newer
/// ones) and cut into batches. Serialises events in the Event Grid schema and as CloudEvents 1.0 exactly as Event Grid
/// sends them to webhooks and Storage Queues.
/// </summary>
internal sealed class EventGridSimulator(BlobContainerClient container, int seed)
{
    private const string Topic = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/test/providers/Microsoft.Storage/storageAccounts/devstoreaccount1";

    private readonly Random _random = new(seed);
    private readonly List<BlobWrite> _writes = [];
    private long _sequence;

    /// <summary>Every write so far, in write order.</summary>
    public IReadOnlyList<BlobWrite> Writes => _writes;

    /// <summary>The current (last written) version of each blob name that was not deleted.</summary>
    public IReadOnlyDictionary<string, BlobWrite> Current
    {
        get
        {
            var current = new Dictionary<string, BlobWrite>(StringComparer.Ordinal);
            foreach (var write in _writes)
            {
                if (write.Deleted)
                {
                    current.Remove(write.Url);
                }
                else
                {
                    current[write.Url] = write;
                }
            }

            return current;
        }
    }

    /// <summary>Uploads (or overwrites) <paramref name="name"/> and records its BlobCreated event.</summary>
    public async Task<BlobWrite> UploadAsync(string name, string localPath)
    {
        var blob = container.GetBlobClient(name);
        var response = await blob.UploadAsync(localPath, overwrite: true);
        var write = new BlobWrite(
            Guid.NewGuid().ToString(), blob.Uri.AbsoluteUri, response.Value.ETag.ToString(), new FileInfo(localPath).Length,
            NextSequencer(), response.Value.LastModified);
        _writes.Add(write);
        return write;
    }

    /// <summary>Deletes <paramref name="name"/> and records its BlobDeleted event.</summary>
    public async Task<BlobWrite> DeleteAsync(string name)
    {
        var blob = container.GetBlobClient(name);
        await blob.DeleteAsync();
        var write = new BlobWrite(Guid.NewGuid().ToString(), blob.Uri.AbsoluteUri, string.Empty, 0, NextSequencer(), DateTimeOffset.UtcNow, Deleted: true);
        _writes.Add(write);
        return write;
    }

    /// <summary>
    /// Plans the delivery of every recorded event: 1–3 copies each, all copies of a share <paramref name="lossRate"/> lost
    /// (at least one event when any are recorded, so that reconciliation always has something to find), shuffled, in
    /// batches of 1 to <paramref name="maxBatch"/>. Returns the batches and the events lost. At least one current version
    /// that <paramref name="followed"/> accepts is among the lost.
    /// </summary>
    public (IReadOnlyList<Delivery> Deliveries, IReadOnlyList<BlobWrite> Lost) PlanDeliveries(double lossRate, int maxBatch, Func<BlobWrite, bool>? followed = null)
    {
        followed ??= _ => true;
        var created = _writes.Where(w => !w.Deleted).ToList();
        var lost = created.Where(_ => _random.NextDouble() < lossRate).ToList();
        if (!lost.Any(w => followed(w) && Current.Values.Contains(w)) && created.Count > 1)
        {
            // Lose the last write of a followed blob that is not overwritten afterwards: its version stays current, so
            // only a listing can find it.
            var current = Current.Values.Where(followed).ToList();
            lost.Add(current[_random.Next(current.Count)]);
        }

        var copies = new List<BlobWrite>();
        foreach (var write in _writes.Except(lost))
        {
            var count = 1 + _random.Next(3);
            for (var i = 0; i < count; i++)
            {
                copies.Add(write);
            }
        }

        _random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(copies));
        var deliveries = new List<Delivery>();
        for (var i = 0; i < copies.Count;)
        {
            var size = Math.Min(copies.Count - i, 1 + _random.Next(maxBatch));
            deliveries.Add(new Delivery(copies.GetRange(i, size)));
            i += size;
        }

        return (deliveries, lost);
    }

    /// <summary>A random delay of up to <paramref name="max"/>, for deliveries that arrive late.</summary>
    public TimeSpan Delay(TimeSpan max) => TimeSpan.FromTicks((long)(_random.NextDouble() * max.Ticks));

    /// <summary>The Event Grid schema body of a webhook delivery: a JSON array of events.</summary>
    public static string EventGridBatch(IEnumerable<BlobWrite> writes) => "[" + string.Join(",", writes.Select(EventGridEvent)) + "]";

    /// <summary>The CloudEvents 1.0 batch body of a webhook delivery (<c>application/cloudevents-batch+json</c>).</summary>
    public static string CloudEventsBatch(IEnumerable<BlobWrite> writes) => "[" + string.Join(",", writes.Select(CloudEvent)) + "]";

    /// <summary>A Storage Queue message as Event Grid writes it: one Event Grid schema event, base64-encoded.</summary>
    public static string QueueMessage(BlobWrite write) => Convert.ToBase64String(Encoding.UTF8.GetBytes(EventGridEvent(write)));

    /// <summary>Event Grid's subscription validation event, as the first POST of a new webhook subscription.</summary>
    public static string ValidationEvent(string code) => JsonSerializer.Serialize(new object[]
    {
        new Dictionary<string, object>
        {
            ["id"] = Guid.NewGuid().ToString(),
            ["topic"] = Topic,
            ["subject"] = string.Empty,
            ["data"] = new Dictionary<string, string> { ["validationCode"] = code, ["validationUrl"] = "https://rp-eastus2.eventgrid.azure.net/validate?id=x&code=" + code },
            ["eventType"] = "Microsoft.EventGrid.SubscriptionValidationEvent",
            ["eventTime"] = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture),
            ["metadataVersion"] = "1",
            ["dataVersion"] = "2",
        },
    });

    private static string EventGridEvent(BlobWrite write) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["topic"] = Topic,
        ["subject"] = Subject(write),
        ["eventType"] = write.Deleted ? "Microsoft.Storage.BlobDeleted" : "Microsoft.Storage.BlobCreated",
        ["eventTime"] = write.Time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        ["id"] = write.Id,
        ["data"] = Data(write),
        ["dataVersion"] = string.Empty,
        ["metadataVersion"] = "1",
    });

    private static string CloudEvent(BlobWrite write) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["specversion"] = "1.0",
        ["type"] = write.Deleted ? "Microsoft.Storage.BlobDeleted" : "Microsoft.Storage.BlobCreated",
        ["source"] = Topic,
        ["subject"] = Subject(write),
        ["id"] = write.Id,
        ["time"] = write.Time.UtcDateTime.ToString("o", CultureInfo.InvariantCulture),
        ["datacontenttype"] = "application/json",
        ["data"] = Data(write),
    });

    private static Dictionary<string, object> Data(BlobWrite write)
    {
        var data = new Dictionary<string, object>
        {
            ["api"] = write.Deleted ? "DeleteBlob" : "PutBlob",
            ["clientRequestId"] = Guid.NewGuid().ToString(),
            ["requestId"] = Guid.NewGuid().ToString(),
            ["contentType"] = "application/octet-stream",
            ["blobType"] = "BlockBlob",
            ["url"] = write.Url,
            ["sequencer"] = write.Sequencer,
            ["storageDiagnostics"] = new Dictionary<string, string> { ["batchId"] = Guid.NewGuid().ToString() },
        };
        if (!write.Deleted)
        {
            // The service writes the ETag without the quotes its HTTP header has.
            data["eTag"] = write.ETag.Trim('"');
            data["contentLength"] = write.Size;
        }

        return data;
    }

    private static string Subject(BlobWrite write)
    {
        var path = new Uri(write.Url).AbsolutePath.Split('/', 4);
        return $"/blobServices/default/containers/{path[2]}/blobs/{path[3]}";
    }

    private string NextSequencer() => (++_sequence).ToString("x48", CultureInfo.InvariantCulture);
}
