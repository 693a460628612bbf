namespace OrleansIngest.Processing.Events;

/// <summary>What happened to a blob.</summary>
public enum BlobEventKind
{
    /// <summary><c>Microsoft.Storage.BlobCreated</c>: a blob was created or overwritten (a new version).</summary>
    Created,

    /// <summary><c>Microsoft.Storage.BlobDeleted</c>: recorded and ignored; ingested data is never removed.</summary>
    Deleted,
}

/// <summary>One blob storage event, whichever schema or route delivered it.</summary>
/// <param name="Id">The event id given by the publisher (unique per event, repeated on redelivery).</param>
/// <param name="Kind">Created or deleted.</param>
/// <param name="Url">The blob's absolute URL, without query string or fragment.</param>
/// <param name="ETag">The blob's ETag without quotes (<c>0x8D…</c>, the form listings give); null for deletions.</param>
/// <param name="Size">The blob's length in bytes; null for deletions.</param>
/// <param name="Sequencer">
/// The storage service's ordering token for events of the same blob name (hex digits); null when the publisher gave none.
/// Compare with <see cref="BlobSequencer.Compare"/>.
/// </param>
/// <param name="Time">When the event happened, as the publisher stamped it.</param>
public sealed record BlobEvent(string Id, BlobEventKind Kind, string Url, string? ETag, long? Size, string? Sequencer, DateTimeOffset Time);
