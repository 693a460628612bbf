namespace OrleansIngest.Storage.Local;

/// <summary>How a <see cref="LocalFolderEventSource"/> settles, bounds and delivers the events of a watched folder.</summary>
public sealed record LocalFolderEventSourceOptions
{
    /// <summary>
    /// How long a file's (size, last-write time) must stay unchanged, and the file be readable, before it is announced,
    /// so that a file still being written is announced once, for its final version.
    /// </summary>
    public TimeSpan SettleDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most paths waiting to settle plus events waiting for delivery. A change past it is not kept: the source raises
    /// <see cref="LocalFolderEventSource.ReconciliationNeeded"/> instead, and the job's listing finds it.
    /// </summary>
    public int MaxPendingPaths { get; init; } = 100_000;

    /// <summary>The most events handed to the delivery callback in one call.</summary>
    public int MaxBatch { get; init; } = 500;

    /// <summary>How long <see cref="LocalFolderEventSource.RunAsync"/> waits after a failed delivery before trying again.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A folder (path or <c>file://</c> URI) whose files are never announced, e.g. a job's output folder inside its source
    /// folder; null for none.
    /// </summary>
    public string? ExcludedPrefix { get; init; }

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for a value the source cannot use.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(SettleDelay, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxPendingPaths, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatch, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryDelay, TimeSpan.Zero);
    }
}
