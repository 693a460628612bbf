using System.Text.Json;

namespace OrleansIngest.Processing.Events;

/// <summary>What one webhook body or queue message asks of the receiver: a subscription handshake or events to ingest.</summary>
public abstract record BlobEventDelivery;

/// <summary>Blob events to enqueue.</summary>
/// <param name="Events">The blob created/deleted events, in the order they appeared.</param>
/// <param name="IgnoredEvents">
/// Well-formed events of other types (tier changes, async operations, …) that a broad subscription may deliver;
/// they are acknowledged and dropped.
/// </param>
public sealed record BlobEventNotification(IReadOnlyList<BlobEvent> Events, int IgnoredEvents) : BlobEventDelivery;

/// <summary>
/// Event Grid's subscription validation handshake (<c>Microsoft.EventGrid.SubscriptionValidationEvent</c>): the
/// receiver answers 200 with <see cref="CreateResponseBody"/> and enqueues nothing.
/// </summary>
/// <param name="ValidationCode">The code to echo.</param>
/// <param name="ValidationUrl">The manual-validation URL Event Grid also offers; null when absent.</param>
public sealed record SubscriptionValidationRequest(string ValidationCode, string? ValidationUrl) : BlobEventDelivery
{
    /// <summary>The JSON body Event Grid expects back: <c>{"validationResponse":"&lt;code&gt;"}</c>.</summary>
    public byte[] CreateResponseBody()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("validationResponse", ValidationCode);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
