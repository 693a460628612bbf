namespace OrleansIngest.Processing.Ports;

/// <summary>
/// Storage of one output table: staged data files, published data files and the commit log.
/// Layout: <c>&lt;table&gt;/part-*.parquet</c> (published), <c>&lt;table&gt;/_ingest/staging/*</c>,
/// <c>&lt;table&gt;/_ingest/log/NNNNNNNNNNNNNNNNNNNN.json</c> (entries) and
/// <c>&lt;table&gt;/_ingest/log/NNNNNNNNNNNNNNNNNNNN.checkpoint.json</c> (the state folded up to that entry).
/// </summary>
public interface ITableStore
{
    /// <summary>URI of the table root, for messages and lineage.</summary>
    string TableUri { get; }

    /// <summary>Creates a staged data file for writing. The caller writes, then calls <see cref="SealStagedFileAsync"/>.</summary>
    Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>Makes a staged file durable after its stream was closed (fsync on local disks, block commit on blob).</summary>
    Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a committed file from staging to the table root so that globbing readers see it.
    /// Idempotent: succeeds when the file is already published.
    /// </summary>
    Task PublishAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>Whether a file is published at the table root.</summary>
    Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>Opens a published data file for reading (seekable, read by ranges where the store is remote).</summary>
    Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a published data file that a replace entry (erasure) took out of the table. Idempotent. Stores that
    /// cannot delete published files do not support erasure.
    /// </summary>
    Task DeletePublishedFileAsync(string fileName, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException($"{GetType().Name} cannot delete published files, so tables on it cannot be erased from.");

    /// <summary>Deletes a staged file (rejected or orphaned). Idempotent.</summary>
    Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default);

    /// <summary>Lists staged files with their last-modified time, for garbage collection of orphans.</summary>
    IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates log entry <paramref name="sequence"/> if, and only if, it does not exist yet (put-if-absent).
    /// Returns false when another writer created it first.
    /// </summary>
    Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Reads log entries with sequence ≥ <paramref name="fromSequence"/>, in order, stopping at the first gap.</summary>
    IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the checkpoint of log entry <paramref name="sequence"/> if it does not exist yet (put-if-absent,
    /// never visible half written). Returns false when a checkpoint with other bytes is already there; checkpoints
    /// are deterministic, so losing a race to another writer loses nothing.
    /// </summary>
    Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads the checkpoint with the highest sequence below <paramref name="beforeSequence"/>, or null when there is
    /// none. Callers pass the sequence of a checkpoint they found damaged to fall back to the previous one.
    /// </summary>
    Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates the checkpoint part covering log entries <paramref name="first"/>..<paramref name="last"/> if it does not
    /// exist yet (put-if-absent, never visible half written). Returns true when the part now holds exactly these
    /// bytes (created, or already there with them), false when it holds other bytes.
    /// </summary>
    Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Reads the checkpoint part covering <paramref name="first"/>..<paramref name="last"/>, or null when it does not exist.</summary>
    Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default);
}

/// <summary>Resolves table and source locations (local paths, <c>file://</c> or blob URLs) to stores.</summary>
public interface IStorageResolver
{
    /// <summary>The table store for <paramref name="tableName"/> under the output root.</summary>
    ITableStore GetTable(string outputRoot, string tableName);

    /// <summary>The object store that serves <paramref name="sourceRoot"/>.</summary>
    IBlobStore GetSource(string sourceRoot);

    /// <summary>Names of the tables (folders holding a commit log) directly under <paramref name="outputRoot"/>, in order.</summary>
    IAsyncEnumerable<string> ListTablesAsync(string outputRoot, CancellationToken cancellationToken = default);

    /// <summary>
    /// The governance objects (audit log, source map) under <c>&lt;outputRoot&gt;/_ingest/</c>. Resolvers without
    /// them do not support restricted tables or the audit log.
    /// </summary>
    Governance.IGovernanceStore GetGovernanceStore(string outputRoot) =>
        throw new NotSupportedException($"{GetType().Name} has no governance store for '{outputRoot}'.");
}
