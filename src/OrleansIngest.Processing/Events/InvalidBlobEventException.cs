namespace OrleansIngest.Processing.Events;

/// <summary>Why a blob event body was refused.</summary>
public enum BlobEventRejection
{
    /// <summary>Not JSON, not a known schema, or a required field missing or of the wrong type (HTTP 400).</summary>
    Malformed,

    /// <summary>The body exceeds <see cref="BlobEventLimits.MaxBodyBytes"/> (HTTP 413).</summary>
    BodyTooLarge,

    /// <summary>The body holds more than <see cref="BlobEventLimits.MaxEvents"/> events (HTTP 413).</summary>
    TooManyEvents,
}

/// <summary>
/// A webhook body or queue message is not an acceptable blob event delivery. The same bytes always fail the same
/// way, so the sender should not retry them: the webhook answers 400/413 with <see cref="Reason"/>, the queue
/// consumer moves the message to the poison queue with it.
/// </summary>
public sealed class InvalidBlobEventException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="rejection">The class of problem.</param>
    /// <param name="reason">What was wrong, specifically (e.g. "data.url is missing").</param>
    /// <param name="eventIndex">The zero-based index of the offending event in the body, when one event is at fault.</param>
    /// <param name="inner">The underlying exception, when one caused this.</param>
    public InvalidBlobEventException(BlobEventRejection rejection, string reason, int? eventIndex = null, Exception? inner = null)
        : base(eventIndex is { } index ? $"event {index}: {reason}" : reason, inner)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Rejection = rejection;
        Reason = reason;
        EventIndex = eventIndex;
    }

    /// <summary>The class of problem.</summary>
    public BlobEventRejection Rejection { get; }

    /// <summary>What was wrong, without the event index.</summary>
    public string Reason { get; }

    /// <summary>The zero-based index of the offending event, when one event is at fault.</summary>
    public int? EventIndex { get; }
}
