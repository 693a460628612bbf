namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// A source file (audio, sensor data, any blob we decode) is malformed or unsupported. Raised with the
/// source, the byte offset where the problem was found and a specific reason, so that the unit can be
/// quarantined with an actionable explanation. Never retried: the same bytes fail the same way.
/// </summary>
public sealed class InvalidMediaException : Exception
{
    /// <summary>Creates the exception for <paramref name="sourceUri"/> at <paramref name="offset"/>.</summary>
    /// <param name="sourceUri">The source the bytes came from (blob URI or file path).</param>
    /// <param name="offset">Byte offset in the source where the problem was detected.</param>
    /// <param name="reason">What was wrong, specifically (e.g. "fmt chunk declares zero channels").</param>
    /// <param name="inner">The underlying exception, when one caused this.</param>
    public InvalidMediaException(string sourceUri, long offset, string reason, Exception? inner = null)
        : base($"{sourceUri}: {reason} (at byte {offset})", inner)
    {
        ArgumentNullException.ThrowIfNull(sourceUri);
        ArgumentNullException.ThrowIfNull(reason);
        SourceUri = sourceUri;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The source the bytes came from.</summary>
    public string SourceUri { get; }

    /// <summary>Byte offset in the source where the problem was detected.</summary>
    public long Offset { get; }

    /// <summary>What was wrong, without the source and offset.</summary>
    public string Reason { get; }
}
