namespace OrleansIngest.Processing.Governance;

/// <summary>
/// Small governance objects under <c>&lt;output&gt;/_ingest/</c>: the audit log (<c>audit/</c>) and the source map of
/// restricted tables (<c>private/source_map/</c>). Objects are created put-if-absent, so concurrent writers never
/// overwrite each other, and are never modified in place.
/// </summary>
public interface IGovernanceStore
{
    /// <summary>URI of the governance root, for messages.</summary>
    string RootUri { get; }

    /// <summary>Creates <paramref name="path"/> (relative, '/'-separated) if it does not exist; false when it does.</summary>
    Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Reads <paramref name="path"/>, or null when it does not exist.</summary>
    Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken = default);

    /// <summary>Lists the paths below <paramref name="folder"/> (relative, no trailing slash), in ordinal order.</summary>
    IAsyncEnumerable<string> ListAsync(string folder, CancellationToken cancellationToken = default);

    /// <summary>Deletes <paramref name="path"/>; idempotent.</summary>
    Task DeleteAsync(string path, CancellationToken cancellationToken = default);
}
