using System.Text;
using System.Text.Json;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Processing.Tests.Events;

[Trait("Category", "Unit")]
public sealed class BlobEventParserTests
{
    private readonly BlobEventParser _parser = new();

    [Fact]
    public void EventGridBatch_YieldsEveryBlobCreatedEventWithItsFields()
    {
        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse(EventFixtures.Read("eventgrid-blob-created.json")));

        Assert.Equal(0, notification.IgnoredEvents);
        Assert.Equal(2, notification.Events.Count);
        var first = notification.Events[0];
        Assert.Equal("3f1a2b3c-001e-0042-7a1b-2c3d4e000001", first.Id);
        Assert.Equal(BlobEventKind.Created, first.Kind);
        Assert.Equal("https://recordings.blob.core.windows.net/calls/2024/06/call-0001.wav", first.Url);
        Assert.Equal("0x8DC83A1B2C3D4E5", first.ETag);
        Assert.Equal(5242924L, first.Size);
        Assert.Equal("00000000000000000000000000012ab40000000000a1b2c3", first.Sequencer);
        Assert.Equal(new DateTimeOffset(2024, 6, 3, 9, 15, 42, TimeSpan.Zero).AddTicks(1234567), first.Time);
    }

    [Fact]
    public void EventGridETag_LosesItsQuotesSoThatItMatchesTheListingForm()
    {
        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse(EventFixtures.Read("eventgrid-blob-created.json")));

        Assert.Equal("0x8DC83A1B2C3D4F6", notification.Events[1].ETag);
        Assert.Equal(0L, notification.Events[1].Size);
    }

    [Fact]
    public void EventGridBlobDeleted_IsADeletionWithoutETagOrSize()
    {
        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse(EventFixtures.Read("eventgrid-blob-deleted.json")));

        var deleted = Assert.Single(notification.Events);
        Assert.Equal(BlobEventKind.Deleted, deleted.Kind);
        Assert.Null(deleted.ETag);
        Assert.Null(deleted.Size);
        Assert.Equal("00000000000000000000000000012ab40000000000a1b2ff", deleted.Sequencer);
    }

    [Fact]
    public void SubscriptionValidation_AsksForTheCodeToBeEchoed()
    {
        var validation = Assert.IsType<SubscriptionValidationRequest>(_parser.Parse(EventFixtures.Read("eventgrid-subscription-validation.json")));

        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", validation.ValidationCode);
        Assert.StartsWith("https://rp-westeurope.eventgrid.azure.net/", validation.ValidationUrl, StringComparison.Ordinal);
        using var response = JsonDocument.Parse(validation.CreateResponseBody());
        var property = Assert.Single(response.RootElement.EnumerateObject());
        Assert.Equal("validationResponse", property.Name);
        Assert.Equal("512d38b6-c7b8-40c8-89fe-f46f9e9622b6", property.Value.GetString());
    }

    [Fact]
    public void SubscriptionValidation_AmongOtherEventsIsMalformed()
    {
        var validation = EventFixtures.ReadText("eventgrid-subscription-validation.json").Trim().TrimStart('[').TrimEnd(']');
        var created = EventFixtures.ReadText("eventgrid-blob-created.json").Trim().TrimStart('[').TrimEnd(']');

        var ex = Reject($"[{created},{validation}]");

        Assert.Equal(BlobEventRejection.Malformed, ex.Rejection);
        Assert.Equal(2, ex.EventIndex);
        Assert.Contains("only event", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void SingleCloudEvent_YieldsItsBlobEvent()
    {
        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse(EventFixtures.Read("cloudevents-blob-created.json")));

        var created = Assert.Single(notification.Events);
        Assert.Equal("7c4e1d2a-c01e-0131-0922-9eb549000001", created.Id);
        Assert.Equal(BlobEventKind.Created, created.Kind);
        Assert.Equal("https://recordings.blob.core.windows.net/sensors/site-a/run-17.csv.gz", created.Url);
        Assert.Equal("0x8DC83A2F1E0D9C8", created.ETag);
        Assert.Equal(81920L, created.Size);
        Assert.Equal("000000000000000000000000000099240000000000c41c18", created.Sequencer);
        Assert.Equal(new DateTimeOffset(2024, 6, 3, 9, 20, 5, TimeSpan.Zero).AddTicks(9876543), created.Time);
    }

    [Fact]
    public void CloudEventsBatch_KeepsBlobEventsAndCountsOtherTypesAsIgnored()
    {
        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse(EventFixtures.Read("cloudevents-batch.json")));

        Assert.Equal(1, notification.IgnoredEvents);
        Assert.Equal([BlobEventKind.Created, BlobEventKind.Deleted], notification.Events.Select(e => e.Kind));
        Assert.Equal(["https://recordings.blob.core.windows.net/calls/a.wav", "https://recordings.blob.core.windows.net/calls/b.wav"], notification.Events.Select(e => e.Url));
    }

    [Fact]
    public void EmptyBatch_IsAnEmptyNotification()
    {
        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse("[]"u8.ToArray()));

        Assert.Empty(notification.Events);
        Assert.Equal(0, notification.IgnoredEvents);
    }

    [Fact]
    public void QueueMessage_IsReadBase64EncodedAsEventGridWritesIt()
    {
        var base64 = Convert.ToBase64String(EventFixtures.Read("queue-message-eventgrid.json"));

        var notification = _parser.ParseQueueMessage(base64);

        var created = Assert.Single(notification.Events);
        Assert.Equal("https://recordings.blob.core.windows.net/calls/queued.mp3", created.Url);
        Assert.Equal("0x8DC83A41A2B3C4D", created.ETag);
        Assert.Equal(1048576L, created.Size);
    }

    [Fact]
    public void QueueMessage_IsReadAsPlainJsonToo()
    {
        var notification = _parser.ParseQueueMessage(EventFixtures.ReadText("queue-message-eventgrid.json"));

        Assert.Equal("5b6c7d8e-601e-0077-1b2c-3d4e5f000001", Assert.Single(notification.Events).Id);
    }

    [Fact]
    public void QueueMessage_CarryingACloudEventIsRead()
    {
        var notification = _parser.ParseQueueMessage(Convert.ToBase64String(EventFixtures.Read("cloudevents-blob-created.json")));

        Assert.Equal("7c4e1d2a-c01e-0131-0922-9eb549000001", Assert.Single(notification.Events).Id);
    }

    [Theory]
    [InlineData("hello, queue!")]
    [InlineData("this is not an event")]
    [InlineData("aGVsbG8=")]
    public void QueueMessage_ThatIsNeitherJsonNorBase64EncodedJsonIsMalformed(string message)
    {
        // "this is not an event" is valid base64 once its spaces are skipped; "aGVsbG8=" is base64 of "hello".
        var ex = Assert.Throws<InvalidBlobEventException>(() => _parser.ParseQueueMessage(message));

        Assert.Equal(BlobEventRejection.Malformed, ex.Rejection);
        Assert.Equal("the message is neither JSON nor base64-encoded JSON", ex.Reason);
    }

    [Fact]
    public void QueueMessage_WithASubscriptionValidationEventIsMalformed()
    {
        var ex = Assert.Throws<InvalidBlobEventException>(() =>
            _parser.ParseQueueMessage(Convert.ToBase64String(EventFixtures.Read("eventgrid-subscription-validation.json"))));

        Assert.Contains("validation event arrived through a queue", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void QueueMessage_LargerThanTheLimitIsRefusedBeforeDecoding()
    {
        var parser = new BlobEventParser(new BlobEventLimits(MaxBodyBytes: 1024));

        var ex = Assert.Throws<InvalidBlobEventException>(() => parser.ParseQueueMessage(new string('A', 1028)));

        Assert.Equal(BlobEventRejection.BodyTooLarge, ex.Rejection);
    }

    [Fact]
    public void Body_LargerThanTheLimitIsRefused()
    {
        var body = EventFixtures.Read("eventgrid-blob-created.json");
        var parser = new BlobEventParser(new BlobEventLimits(MaxBodyBytes: body.Length - 1));

        var ex = Assert.Throws<InvalidBlobEventException>(() => parser.Parse(body));

        Assert.Equal(BlobEventRejection.BodyTooLarge, ex.Rejection);
        Assert.Contains($"{body.Length - 1} bytes", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Body_OfExactlyTheLimitIsAccepted()
    {
        var body = EventFixtures.Read("eventgrid-blob-created.json");
        var parser = new BlobEventParser(new BlobEventLimits(MaxBodyBytes: body.Length));

        Assert.IsType<BlobEventNotification>(parser.Parse(body));
    }

    [Fact]
    public async Task StreamedBody_LargerThanTheLimitIsRefusedWithoutBeingReadToTheEnd()
    {
        var parser = new BlobEventParser(new BlobEventLimits(MaxBodyBytes: 100_000));
        await using var endless = new CountingEndlessStream();

        var ex = await Assert.ThrowsAsync<InvalidBlobEventException>(() => parser.ParseAsync(endless));

        Assert.Equal(BlobEventRejection.BodyTooLarge, ex.Rejection);
        Assert.InRange(endless.BytesRead, 100_001, 2 * 100_001);
    }

    [Fact]
    public async Task StreamedBody_WithinTheLimitIsParsed()
    {
        await using var body = new MemoryStream(EventFixtures.Read("cloudevents-batch.json"));

        var notification = Assert.IsType<BlobEventNotification>(await _parser.ParseAsync(body));

        Assert.Equal(2, notification.Events.Count);
    }

    [Fact]
    public void Batch_WithMoreEventsThanTheLimitIsRefused()
    {
        var parser = new BlobEventParser(new BlobEventLimits(MaxEvents: 1));

        var ex = Assert.Throws<InvalidBlobEventException>(() => parser.Parse(EventFixtures.Read("eventgrid-blob-created.json")));

        Assert.Equal(BlobEventRejection.TooManyEvents, ex.Rejection);
        Assert.Contains("2 events", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingDeeperThanTheLimitIsMalformed()
    {
        var deep = new string('[', 40) + new string(']', 40);

        var ex = Reject(deep);

        Assert.Equal(BlobEventRejection.Malformed, ex.Rejection);
        Assert.StartsWith("the body is not valid JSON", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", "the body is not valid JSON")]
    [InlineData("\"text\"", "the body is a JSON String; expected an event object or an array of events")]
    [InlineData("[42]", "the event is a JSON Number, not an object")]
    [InlineData("[{\"id\":\"1\"}]", "the event has neither eventType (Event Grid schema) nor specversion (CloudEvents)")]
    [InlineData("[{\"id\":\"1\",\"eventType\":\"x\",\"specversion\":\"1.0\"}]", "the event has both eventType (Event Grid schema) and specversion (CloudEvents)")]
    [InlineData("[{\"eventType\":\"x\"}]", "id is missing or empty")]
    [InlineData("[{\"eventType\":\"Microsoft.EventGrid.SubscriptionValidationEvent\",\"data\":{}}]", "data.validationCode is missing or empty")]
    [InlineData("{\"specversion\":\"0.3\",\"type\":\"Microsoft.Storage.BlobCreated\",\"id\":\"1\",\"source\":\"s\"}", "specversion '0.3' is not supported; expected '1.0'")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"Microsoft.Storage.BlobCreated\",\"id\":\"1\"}", "source is missing or empty")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"Microsoft.Storage.BlobCreated\",\"id\":\"1\",\"source\":\"s\",\"data_base64\":\"AA==\",\"time\":\"2024-01-01T00:00:00Z\"}", "data_base64 is not supported; blob events carry JSON data")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"Microsoft.Storage.BlobCreated\",\"id\":\"1\",\"source\":\"s\",\"datacontenttype\":\"text/plain\"}", "datacontenttype 'text/plain' is not JSON")]
    [InlineData("{\"specversion\":\"1.0\",\"type\":\"Microsoft.Storage.BlobCreated\",\"id\":\"1\",\"source\":\"s\",\"data\":{}}", "time is missing or empty")]
    public void MalformedBody_IsRefusedWithItsSpecificReason(string body, string reason)
    {
        var ex = Reject(body);

        Assert.Equal(BlobEventRejection.Malformed, ex.Rejection);
        Assert.StartsWith(reason, ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"contentLength\":1", "data.eTag is missing")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"0x1\"", "data.contentLength is missing")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"0x1\",\"contentLength\":-5", "data.contentLength is not a non-negative integer (-5)")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"0x1\",\"contentLength\":1.5", "data.contentLength is not a non-negative integer (1.5)")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"0x1\",\"contentLength\":\"7\"", "data.contentLength is not a non-negative integer (\"7\")")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"\\\"\\\"\",\"contentLength\":1", "data.eTag is empty")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":7,\"contentLength\":1", "data.eTag is a JSON Number, not a string")]
    [InlineData("\"url\":\"ftp://a/c/b\",\"eTag\":\"0x1\",\"contentLength\":1", "data.url 'ftp://a/c/b' is not an absolute http(s) URL")]
    [InlineData("\"url\":\"c/b\",\"eTag\":\"0x1\",\"contentLength\":1", "data.url 'c/b' is not an absolute http(s) URL")]
    [InlineData("\"eTag\":\"0x1\",\"contentLength\":1", "data.url is missing or empty")]
    [InlineData("\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"0x1\",\"contentLength\":1,\"sequencer\":\"\"", "data.sequencer is empty")]
    public void MalformedBlobCreatedData_IsRefusedWithItsSpecificReasonAndIndex(string dataFields, string reason)
    {
        var body = $"[{EventGridCreated("good", "\"url\":\"https://a.blob.core.windows.net/c/ok\",\"eTag\":\"0x0\",\"contentLength\":1")},{EventGridCreated("bad", dataFields)}]";

        var ex = Reject(body);

        Assert.Equal(BlobEventRejection.Malformed, ex.Rejection);
        Assert.Equal(1, ex.EventIndex);
        Assert.Equal(reason, ex.Reason);
        Assert.Equal($"event 1: {reason}", ex.Message);
    }

    [Fact]
    public void EventTime_ThatIsNotATimestampIsMalformed()
    {
        var body = "[{\"id\":\"1\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"eventTime\":\"yesterday\",\"data\":{}}]";

        Assert.Equal("eventTime 'yesterday' is not an RFC 3339 timestamp", Reject(body).Reason);
    }

    [Fact]
    public void DuplicatedField_IsMalformedRatherThanReadEitherWay()
    {
        var body = EventGridCreated("1", "\"url\":\"https://a.blob.core.windows.net/c/b\",\"eTag\":\"0x1\",\"eTag\":\"0x2\",\"contentLength\":1");

        var ex = Reject(body);

        Assert.Equal(BlobEventRejection.Malformed, ex.Rejection);
        Assert.StartsWith("the body is not valid JSON", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void MixedSchemas_AreMalformed()
    {
        var eventGrid = EventFixtures.ReadText("queue-message-eventgrid.json");
        var cloudEvent = EventFixtures.ReadText("cloudevents-blob-created.json");

        var ex = Reject($"[{eventGrid},{cloudEvent}]");

        Assert.Equal("the body mixes Event Grid and CloudEvents schemas", ex.Reason);
        Assert.Equal(1, ex.EventIndex);
    }

    [Fact]
    public void Url_LosesAnyQueryString()
    {
        var body = EventGridCreated("1", "\"url\":\"https://a.blob.core.windows.net/c/b.wav?sig=secret\",\"eTag\":\"0x1\",\"contentLength\":1");

        var notification = Assert.IsType<BlobEventNotification>(_parser.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal("https://a.blob.core.windows.net/c/b.wav", Assert.Single(notification.Events).Url);
    }

    [Fact]
    public void OtherEventTypes_StillNeedAnId()
    {
        var ex = Reject("[{\"eventType\":\"Microsoft.Storage.BlobTierChanged\",\"data\":{}}]");

        Assert.Equal("id is missing or empty", ex.Reason);
    }

    [Fact]
    public void Limits_MustBePositive()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlobEventParser(new BlobEventLimits(MaxBodyBytes: 0)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlobEventParser(new BlobEventLimits(MaxEvents: -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new BlobEventParser(new BlobEventLimits(MaxDepth: 0)));
    }

    private InvalidBlobEventException Reject(string body) =>
        Assert.Throws<InvalidBlobEventException>(() => _parser.Parse(Encoding.UTF8.GetBytes(body)));

    private static string EventGridCreated(string id, string dataFields) =>
        $"{{\"id\":\"{id}\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"subject\":\"/blobServices/default/containers/c/blobs/b\",\"eventTime\":\"2024-06-03T09:15:42Z\",\"data\":{{{dataFields}}},\"dataVersion\":\"\",\"metadataVersion\":\"1\"}}";

    /// <summary>A body that never ends, counting what the parser pulled from it.</summary>
    private sealed class CountingEndlessStream : Stream
    {
        public long BytesRead { get; private set; }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)' ');
            BytesRead += count;
            return count;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
