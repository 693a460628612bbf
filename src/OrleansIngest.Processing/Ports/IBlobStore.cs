namespace OrleansIngest.Processing.Ports;

/// <summary>One object (file or blob version) found by listing a source.</summary>
/// <param name="Uri">Absolute URI of the object (<c>file:///…</c> or <c>https://…</c>).</param>
/// <param name="RelativePath">Path below the source root, with forward slashes; used for routing globs.</param>
/// <param name="ETag">Version token: the blob ETag, or a (size, mtime) token for local files.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="LastModified">Last modification time (UTC).</param>
public sealed record SourceObject(string Uri, string RelativePath, string ETag, long Size, DateTimeOffset LastModified);

/// <summary>Read side of an object store: list a source and open objects for streaming reads.</summary>
public interface IBlobStore
{
    /// <summary>Lists every object below <paramref name="sourceRoot"/>, recursively, in a stable order.</summary>
    IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens an object for a sequential streaming read. The stream must not buffer the whole object;
    /// it fails with <see cref="SourceChangedException"/> if the object no longer matches <paramref name="expectedETag"/>.
    /// </summary>
    Task<Stream> OpenReadAsync(string uri, string expectedETag, CancellationToken cancellationToken = default);
}

/// <summary>The object changed or vanished between listing and reading: the unit is stale, not bad.</summary>
public sealed class SourceChangedException(string uri, string reason) : Exception($"{uri}: {reason}")
{
    /// <summary>URI of the object that changed.</summary>
    public string Uri { get; } = uri;
}
