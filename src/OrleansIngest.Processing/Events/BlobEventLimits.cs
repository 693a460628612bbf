namespace OrleansIngest.Processing.Events;

/// <summary>Bounds on what a blob event parser accepts, so that a hostile or broken sender cannot exhaust memory.</summary>
/// <param name="MaxBodyBytes">
/// Largest body (webhook request or decoded queue message) in bytes. The default is twice Event Grid's 1 MB delivery
/// batch cap, so that no delivery Event Grid can send is refused while a hostile body stays bounded.
/// </param>
/// <param name="MaxEvents">Most events in one body; Event Grid batches hold at most 5,000.</param>
/// <param name="MaxDepth">Deepest JSON nesting accepted; blob events need 4 levels, other system events a few more.</param>
public sealed record BlobEventLimits(
    int MaxBodyBytes = BlobEventLimits.DefaultMaxBodyBytes,
    int MaxEvents = BlobEventLimits.DefaultMaxEvents,
    int MaxDepth = BlobEventLimits.DefaultMaxDepth)
{
    /// <summary>Default of <see cref="MaxBodyBytes"/>: 2 MiB.</summary>
    public const int DefaultMaxBodyBytes = 2 * 1024 * 1024;

    /// <summary>Default of <see cref="MaxEvents"/>: Event Grid's batch cap.</summary>
    public const int DefaultMaxEvents = 5_000;

    /// <summary>Default of <see cref="MaxDepth"/>.</summary>
    public const int DefaultMaxDepth = 32;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> when a limit is not positive.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBodyBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxEvents);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDepth);
    }
}
