using System.Buffers;
using System.Text;
using System.Text.Json;

namespace OrleansIngest.Processing.Events;

/// <summary>
/// Reads blob storage events as Event Grid delivers them: the Event Grid schema (a JSON array of events, or one event
/// in a Storage Queue message), CloudEvents 1.0 structured JSON (one event or a batch array), and Storage Queue
/// messages holding either, base64-encoded (as Event Grid writes them) or plain. Parsing is bounded by
/// <see cref="BlobEventLimits"/> and reads fields by name from a <see cref="JsonDocument"/>, so no type is ever
/// chosen by the payload.
/// </summary>
public sealed class BlobEventParser
{
    /// <summary>The event type of a created or overwritten blob.</summary>
    public const string BlobCreatedType = "Microsoft.Storage.BlobCreated";

    /// <summary>The event type of a deleted blob.</summary>
    public const string BlobDeletedType = "Microsoft.Storage.BlobDeleted";

    /// <summary>The event type of Event Grid's webhook subscription handshake.</summary>
    public const string SubscriptionValidationType = "Microsoft.EventGrid.SubscriptionValidationEvent";

    private const string CloudEventsSpecVersion = "1.0";

    private readonly JsonDocumentOptions _documentOptions;

    /// <summary>Creates a parser bounded by <paramref name="limits"/> (null: the defaults).</summary>
    public BlobEventParser(BlobEventLimits? limits = null)
    {
        Limits = limits ?? new BlobEventLimits();
        Limits.Validate();
        _documentOptions = new JsonDocumentOptions
        {
            MaxDepth = Limits.MaxDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
            // A field given twice would be read as whichever the reader meets first: refuse the ambiguity.
            AllowDuplicateProperties = false,
        };
    }

    /// <summary>The bounds this parser enforces.</summary>
    public BlobEventLimits Limits { get; }

    private enum Schema
    {
        EventGrid,
        CloudEvents,
    }

    /// <summary>
    /// Parses a webhook body: an Event Grid array (events or the validation handshake), one CloudEvent
    /// (<c>application/cloudevents+json</c>) or a CloudEvents batch (<c>application/cloudevents-batch+json</c>).
    /// The schema is recognised from the events themselves (<c>eventType</c> or <c>specversion</c>).
    /// </summary>
    /// <exception cref="InvalidBlobEventException">The body is too large, malformed or of an unknown schema.</exception>
    public BlobEventDelivery Parse(ReadOnlyMemory<byte> body)
    {
        if (body.Length > Limits.MaxBodyBytes)
        {
            throw TooLarge();
        }

        using var document = ParseDocument(body);
        return Read(document.RootElement);
    }

    /// <summary>
    /// Reads a webhook body from <paramref name="body"/> without ever buffering more than
    /// <see cref="BlobEventLimits.MaxBodyBytes"/> + 1 bytes, then parses it as <see cref="Parse"/> does.
    /// </summary>
    /// <exception cref="InvalidBlobEventException">The body is too large, malformed or of an unknown schema.</exception>
    public async Task<BlobEventDelivery> ParseAsync(Stream body, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(body);
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(Limits.MaxBodyBytes + 1, 64 * 1024));
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > Limits.MaxBodyBytes)
                    {
                        throw TooLarge();
                    }

                    // Grow geometrically, but never past one byte more than the limit: that byte proves the excess.
                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min(2L * buffer.Length, Limits.MaxBodyBytes + 1L));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            return Parse(buffer.AsMemory(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Parses the text of a Storage Queue message written by an Event Grid subscription: one event (Event Grid schema
    /// or CloudEvents), base64-encoded as Event Grid writes it, or plain JSON as a test or another writer may send.
    /// A subscription validation event is refused: Event Grid never sends one to a queue.
    /// </summary>
    /// <exception cref="InvalidBlobEventException">The message is too large, malformed or of an unknown schema.</exception>
    public BlobEventNotification ParseQueueMessage(string messageText)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        var json = DecodeQueueMessage(messageText.AsSpan().Trim());
        return Parse(json) switch
        {
            BlobEventNotification notification => notification,
            _ => throw Malformed("a subscription validation event arrived through a queue; Event Grid validates only webhooks"),
        };
    }

    private ReadOnlyMemory<byte> DecodeQueueMessage(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            throw Malformed("the message is empty");
        }

        var byteCount = Encoding.UTF8.GetByteCount(text);
        if (byteCount > Limits.MaxBodyBytes)
        {
            throw TooLarge();
        }

        // Base64 text never starts with a JSON opening bracket, so the two forms cannot be confused.
        if (text[0] is '{' or '[')
        {
            var utf8 = new byte[byteCount];
            Encoding.UTF8.GetBytes(text, utf8);
            return utf8;
        }

        // Plain text can be valid base64 by accident ("not an event"): the decoded bytes must open a JSON value too.
        var decoded = new byte[(text.Length / 4 * 3) + 3];
        if (!Convert.TryFromBase64Chars(text, decoded, out var written) || !OpensJson(decoded.AsSpan(0, written)))
        {
            throw Malformed("the message is neither JSON nor base64-encoded JSON");
        }

        return decoded.AsMemory(0, written);
    }

    private static bool OpensJson(ReadOnlySpan<byte> utf8)
    {
        var trimmed = utf8.TrimStart(" \t\r\n"u8);
        return !trimmed.IsEmpty && trimmed[0] is (byte)'{' or (byte)'[';
    }

    private JsonDocument ParseDocument(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonDocument.Parse(body, _documentOptions);
        }
        catch (JsonException ex)
        {
            throw new InvalidBlobEventException(BlobEventRejection.Malformed, $"the body is not valid JSON: {ex.Message}", inner: ex);
        }
    }

    private BlobEventDelivery Read(JsonElement root)
    {
        switch (root.ValueKind)
        {
            case JsonValueKind.Object:
                return ReadEvents([root]);
            case JsonValueKind.Array:
                var count = root.GetArrayLength();
                if (count > Limits.MaxEvents)
                {
                    throw new InvalidBlobEventException(
                        BlobEventRejection.TooManyEvents, $"the body holds {count} events; at most {Limits.MaxEvents} are accepted");
                }

                var events = new List<JsonElement>(count);
                events.AddRange(root.EnumerateArray());
                return ReadEvents(events);
            default:
                throw Malformed($"the body is a JSON {root.ValueKind}; expected an event object or an array of events");
        }
    }

    private static BlobEventDelivery ReadEvents(List<JsonElement> elements)
    {
        var events = new List<BlobEvent>(elements.Count);
        var ignored = 0;
        Schema? bodySchema = null;
        for (var index = 0; index < elements.Count; index++)
        {
            var element = elements[index];
            if (element.ValueKind != JsonValueKind.Object)
            {
                throw Malformed($"the event is a JSON {element.ValueKind}, not an object", index);
            }

            var schema = DetectSchema(element, index);
            if (bodySchema is { } expected && expected != schema)
            {
                throw Malformed("the body mixes Event Grid and CloudEvents schemas", index);
            }

            bodySchema = schema;
            var type = RequiredString(element, schema == Schema.EventGrid ? "eventType" : "type", index);
            if (type == SubscriptionValidationType)
            {
                if (schema != Schema.EventGrid || elements.Count != 1)
                {
                    throw Malformed("a subscription validation event must be the only event of an Event Grid body", index);
                }

                var data = RequiredObject(element, "data", index);
                return new SubscriptionValidationRequest(RequiredString(data, "validationCode", index, "data."), OptionalString(data, "validationUrl", index, "data."));
            }

            var kind = type switch
            {
                BlobCreatedType => BlobEventKind.Created,
                BlobDeletedType => BlobEventKind.Deleted,
                _ => (BlobEventKind?)null,
            };
            if (kind is not { } blobKind)
            {
                // Still an event of a known schema: check its envelope so that garbage is not silently acknowledged.
                RequiredString(element, "id", index);
                ignored++;
                continue;
            }

            events.Add(schema == Schema.EventGrid ? ReadEventGrid(element, blobKind, index) : ReadCloudEvent(element, blobKind, index));
        }

        return new BlobEventNotification(events, ignored);
    }

    private static Schema DetectSchema(JsonElement element, int index)
    {
        var hasSpecVersion = element.TryGetProperty("specversion", out _);
        var hasEventType = element.TryGetProperty("eventType", out _);
        return (hasEventType, hasSpecVersion) switch
        {
            (true, false) => Schema.EventGrid,
            (false, true) => Schema.CloudEvents,
            (true, true) => throw Malformed("the event has both eventType (Event Grid schema) and specversion (CloudEvents)", index),
            _ => throw Malformed("the event has neither eventType (Event Grid schema) nor specversion (CloudEvents)", index),
        };
    }

    private static BlobEvent ReadEventGrid(JsonElement element, BlobEventKind kind, int index)
    {
        var id = RequiredString(element, "id", index);
        var time = RequiredTime(element, "eventTime", index);
        var data = RequiredObject(element, "data", index);
        return ReadBlobData(data, id, kind, time, index);
    }

    private static BlobEvent ReadCloudEvent(JsonElement element, BlobEventKind kind, int index)
    {
        var version = RequiredString(element, "specversion", index);
        if (version != CloudEventsSpecVersion)
        {
            throw Malformed($"specversion '{version}' is not supported; expected '{CloudEventsSpecVersion}'", index);
        }

        var id = RequiredString(element, "id", index);
        RequiredString(element, "source", index);
        if (OptionalString(element, "datacontenttype", index) is { } contentType && !contentType.Contains("json", StringComparison.OrdinalIgnoreCase))
        {
            throw Malformed($"datacontenttype '{contentType}' is not JSON", index);
        }

        if (element.TryGetProperty("data_base64", out _))
        {
            throw Malformed("data_base64 is not supported; blob events carry JSON data", index);
        }

        // CloudEvents makes time optional; Azure always sets it and the latency report needs it.
        var time = RequiredTime(element, "time", index);
        var data = RequiredObject(element, "data", index);
        return ReadBlobData(data, id, kind, time, index);
    }

    private static BlobEvent ReadBlobData(JsonElement data, string id, BlobEventKind kind, DateTimeOffset time, int index)
    {
        var url = ReadUrl(data, index);
        var sequencer = OptionalString(data, "sequencer", index, "data.");
        if (sequencer is { Length: 0 })
        {
            throw Malformed("data.sequencer is empty", index);
        }

        if (kind == BlobEventKind.Deleted)
        {
            return new BlobEvent(id, kind, url, OptionalETag(data, index), OptionalSize(data, index), sequencer, time);
        }

        // A created blob's version is (URL, ETag, size): without either there is no unit to ingest.
        var eTag = OptionalETag(data, index) ?? throw Malformed("data.eTag is missing", index);
        var size = OptionalSize(data, index) ?? throw Malformed("data.contentLength is missing", index);
        return new BlobEvent(id, kind, url, eTag, size, sequencer, time);
    }

    private static string ReadUrl(JsonElement data, int index)
    {
        var text = RequiredString(data, "url", index, "data.");
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            throw Malformed($"data.url '{Truncate(text)}' is not an absolute http(s) URL", index);
        }

        // Event Grid never puts a query in the URL; drop one anyway so that no token can reach a log or a unit id.
        var end = text.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? text : text[..end];
    }

    private static string? OptionalETag(JsonElement data, int index)
    {
        var eTag = OptionalString(data, "eTag", index, "data.");
        if (eTag is null)
        {
            return null;
        }

        // Listings give ETags bare (0x8D…); strip quotes so that both routes compute the same unit id.
        var bare = eTag.Trim('"');
        return bare.Length == 0 ? throw Malformed("data.eTag is empty", index) : bare;
    }

    private static long? OptionalSize(JsonElement data, int index)
    {
        if (!data.TryGetProperty("contentLength", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var size) || size < 0)
        {
            throw Malformed($"data.contentLength is not a non-negative integer ({Truncate(value.GetRawText())})", index);
        }

        return size;
    }

    private static DateTimeOffset RequiredTime(JsonElement element, string name, int index)
    {
        var text = RequiredString(element, name, index);
        return element.GetProperty(name).TryGetDateTimeOffset(out var time)
            ? time
            : throw Malformed($"{name} '{Truncate(text)}' is not an RFC 3339 timestamp", index);
    }

    private static JsonElement RequiredObject(JsonElement element, string name, int index)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw Malformed($"{name} is missing", index);
        }

        return value.ValueKind == JsonValueKind.Object ? value : throw Malformed($"{name} is a JSON {value.ValueKind}, not an object", index);
    }

    private static string RequiredString(JsonElement element, string name, int index, string path = "") =>
        OptionalString(element, name, index, path) is { Length: > 0 } value ? value : throw Malformed($"{path}{name} is missing or empty", index);

    private static string? OptionalString(JsonElement element, string name, int index, string path = "")
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Malformed($"{path}{name} is a JSON {value.ValueKind}, not a string", index);
    }

    private static string Truncate(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private InvalidBlobEventException TooLarge() =>
        new(BlobEventRejection.BodyTooLarge, $"the body exceeds the limit of {Limits.MaxBodyBytes} bytes");

    private static InvalidBlobEventException Malformed(string reason, int? index = null) => new(BlobEventRejection.Malformed, reason, index);
}
