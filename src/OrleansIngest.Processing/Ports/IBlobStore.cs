namespace OrleansIngest.Processing.Ports;

/// <summary>One object (file or blob version) found by listing a source.</summary>
/// <param name="Uri">Absolute URI of the object (<c>file:///…</c> or <c>https://…</c>).</param>
/// <param name="RelativePath">Path below the source root, with forward slashes; used for routing globs.</param>
/// <param name="ETag">Version token: the blob ETag, or a (size, mtime) token for local files.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="LastModified">Last modification time (UTC).</param>
public sealed record SourceObject(string Uri, string RelativePath, string ETag, long Size, DateTimeOffset LastModified);

/// <summary>One page of a listing and where the next one starts.</summary>
/// <param name="Items">Objects of this page, in the store's listing order.</param>
/// <param name="ContinuationToken">Opaque token of the next page; null when the listing is complete.</param>
public sealed record SourcePage(IReadOnlyList<SourceObject> Items, string? ContinuationToken);

/// <summary>Where an object named by an event sits in a source, in the form a listing of that source gives.</summary>
/// <param name="Uri">The object's URI exactly as a listing gives it (so that both compute the same unit id).</param>
/// <param name="RelativePath">Path below the source root, as a listing gives it.</param>
public sealed record SourceLocation(string Uri, string RelativePath);

/// <summary>Read side of an object store: list a source and open objects for streaming reads.</summary>
public interface IBlobStore
{
    /// <summary>Lists every object below <paramref name="sourceRoot"/>, recursively, in a stable order.</summary>
    IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, CancellationToken cancellationToken = default);

    /// <summary>
    /// Lists one page of about <paramref name="pageSize"/> objects starting at <paramref name="continuationToken"/>
    /// (null: from the start). A job checkpoints the returned token so that a restarted job resumes listing there.
    /// </summary>
    /// <remarks>
    /// Pages are in <see cref="ListAsync"/>'s order and together hold exactly its objects. A page may hold fewer than
    /// <paramref name="pageSize"/> objects, or none while its token is not null (a store may filter after fetching),
    /// so callers page on until the token is null rather than stopping at a short or empty page.
    /// </remarks>
    Task<SourcePage> ListPageAsync(string sourceRoot, string? continuationToken, int pageSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// Opens an object for a sequential streaming read. The stream must not buffer the whole object;
    /// it fails with <see cref="SourceChangedException"/> if the object no longer matches <paramref name="expectedETag"/>.
    /// </summary>
    Task<Stream> OpenReadAsync(string uri, string expectedETag, CancellationToken cancellationToken = default);

    /// <summary>
    /// Places an object named by an event (a blob URL, a file URI) in <paramref name="sourceRoot"/>: its URI and relative
    /// path exactly as a listing of the root would give them, or null when a listing would not hold it (outside the root,
    /// another container or account, left out by the store's filters).
    /// </summary>
    SourceLocation? Locate(string sourceRoot, string uri);
}

/// <summary>The object changed or vanished between listing and reading: the unit is stale, not bad.</summary>
public sealed class SourceChangedException(string uri, string reason) : Exception($"{uri}: {reason}")
{
    /// <summary>URI of the object that changed.</summary>
    public string Uri { get; } = uri;
}
