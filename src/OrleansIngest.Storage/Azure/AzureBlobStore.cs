using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Azure;

/// <summary>Options of <see cref="AzureBlobStore"/>.</summary>
public sealed record AzureBlobStoreOptions
{
    /// <summary>Bytes per range request when reading a blob (default 4 MiB); also the read stream's only buffer.</summary>
    public int ReadBlockBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Blobs per listing page asked of the service; null leaves it to the service (up to 5,000).</summary>
    public int? ListPageSize { get; init; }

    /// <summary>Globs (<see cref="Glob"/>) on the path below the source root; when any are given, a blob must match one.</summary>
    public IReadOnlyList<string> Include { get; init; } = [];

    /// <summary>Globs on the path below the source root; a blob that matches any is not listed.</summary>
    public IReadOnlyList<string> Exclude { get; init; } = [];
}

/// <summary>
/// A blob container (and prefix) as a source. Listing pages through the container in name order; a blob is read
/// by HTTP range requests of <see cref="AzureBlobStoreOptions.ReadBlockBytes"/>, each sent with
/// <c>If-Match: &lt;ETag&gt;</c>, so a unit never holds a whole blob and a blob overwritten mid-read fails with
/// <see cref="SourceChangedException"/> instead of mixing two versions.
/// </summary>
public sealed class AzureBlobStore : IBlobStore
{
    private readonly AzureBlobClientFactory _clients;
    private readonly AzureBlobStoreOptions _options;

    /// <summary>Creates a store that authenticates through <paramref name="clients"/>.</summary>
    public AzureBlobStore(AzureBlobClientFactory clients, AzureBlobStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clients);
        _clients = clients;
        _options = options ?? new AzureBlobStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ReadBlockBytes, 4096, nameof(options));
        if (_options.ListPageSize is { } pageSize)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1, nameof(options));
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Relative paths are the blob names below the root's prefix; the prefix is taken as a folder
    /// (<c>…/data</c> does not list <c>…/data2/x</c>). URIs carry no query string, so no SAS is ever stored.
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException">The container does not exist.</exception>
    public async IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var listing = StartListing(sourceRoot);
        var pages = listing.Pages(continuationToken: null, _options.ListPageSize, cancellationToken);
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        while (await listing.MoveNextAsync(enumerator))
        {
            foreach (var item in enumerator.Current.Values)
            {
                if (ToSourceObject(listing, item) is { } source)
                {
                    yield return source;
                }
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// One listing request: the token is the service's opaque marker, so a new store instance resumes from it.
    /// <paramref name="pageSize"/> is a hint to the service (which returns at most 5,000 blobs); globs and the
    /// folder rule then filter that page, so it may hold fewer objects, or none while the token is not null.
    /// </remarks>
    /// <exception cref="DirectoryNotFoundException">The container does not exist.</exception>
    public async Task<SourcePage> ListPageAsync(string sourceRoot, string? continuationToken, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var listing = StartListing(sourceRoot);
        var pages = listing.Pages(string.IsNullOrEmpty(continuationToken) ? null : continuationToken, pageSize, cancellationToken);
        await using var enumerator = pages.GetAsyncEnumerator(cancellationToken);
        if (!await listing.MoveNextAsync(enumerator))
        {
            return new SourcePage([], null);
        }

        var page = enumerator.Current;
        var items = new List<SourceObject>(page.Values.Count);
        foreach (var item in page.Values)
        {
            if (ToSourceObject(listing, item) is { } source)
            {
                items.Add(source);
            }
        }

        // The service ends a listing with an empty NextMarker, not a missing one.
        return new SourcePage(items, string.IsNullOrEmpty(page.ContinuationToken) ? null : page.ContinuationToken);
    }

    /// <inheritdoc />
    /// <remarks>The stream is seekable, knows its length, and keeps one block in memory.</remarks>
    public async Task<Stream> OpenReadAsync(string uri, string expectedETag, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(expectedETag);
        var location = _clients.Resolve(uri);
        var blob = location.Container.GetBlobClient(location.Prefix);
        var options = new BlobOpenReadOptions(allowModifications: false)
        {
            BufferSize = _options.ReadBlockBytes,
            Conditions = new BlobRequestConditions { IfMatch = AsETag(expectedETag) },
        };
        var redacted = AzureBlobClientFactory.Redact(uri);
        try
        {
            var stream = await blob.OpenReadAsync(options, cancellationToken);
            return new SourceReadStream(stream, redacted);
        }
        catch (RequestFailedException ex) when (SourceReadStream.IsSourceChange(ex))
        {
            throw SourceReadStream.Changed(redacted, ex);
        }
    }

    private Listing StartListing(string sourceRoot)
    {
        var location = _clients.Resolve(sourceRoot);
        return new Listing(location.Container, AsFolderPrefix(location.Prefix));
    }

    /// <inheritdoc />
    public SourceLocation? Locate(string sourceRoot, string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var listing = StartListing(sourceRoot);
        AzureBlobLocation target;
        try
        {
            target = _clients.Resolve(BlobEndpointOf(uri));
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            // Not a blob URL, or in an account this silo has no credentials for: not under this root.
            return null;
        }

        if (!string.Equals(target.Container.Uri.AbsoluteUri, listing.Container.Uri.AbsoluteUri, StringComparison.Ordinal)
            || !target.Prefix.StartsWith(listing.Prefix, StringComparison.Ordinal))
        {
            return null;
        }

        var relative = target.Prefix[listing.Prefix.Length..];
        return relative.Length == 0 || !IsIncluded(relative)
            ? null
            : new SourceLocation(AzureBlobClientFactory.Redact(listing.Container.GetBlobClient(target.Prefix).Uri), relative);
    }

    // Event Grid names blobs written through the Data Lake API by their dfs endpoint; listings give the blob endpoint.
    private static string BlobEndpointOf(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Host.EndsWith(".dfs.core.windows.net", StringComparison.OrdinalIgnoreCase)
            ? new UriBuilder(uri) { Host = string.Concat(uri.Host.AsSpan(0, uri.Host.Length - ".dfs.core.windows.net".Length), ".blob.core.windows.net") }.Uri.AbsoluteUri
            : url;

    // Null for the folder marker itself and for blobs the globs leave out.
    private SourceObject? ToSourceObject(Listing listing, BlobItem item)
    {
        var relative = item.Name[listing.Prefix.Length..];
        if (relative.Length == 0 || !IsIncluded(relative))
        {
            return null;
        }

        var uri = AzureBlobClientFactory.Redact(listing.Container.GetBlobClient(item.Name).Uri);
        return new SourceObject(
            uri,
            relative,
            item.Properties.ETag?.ToString() ?? string.Empty,
            item.Properties.ContentLength ?? 0,
            item.Properties.LastModified ?? DateTimeOffset.MinValue);
    }

    private bool IsIncluded(string relativePath) =>
        (_options.Include.Count == 0 || _options.Include.Any(pattern => Glob.IsMatch(pattern, relativePath)))
        && !_options.Exclude.Any(pattern => Glob.IsMatch(pattern, relativePath));

    private static string AsFolderPrefix(string prefix)
    {
        var trimmed = prefix.Trim('/');
        return trimmed.Length == 0 ? string.Empty : trimmed + "/";
    }

    /// <summary>A container and the folder prefix (empty or ending in <c>/</c>) being listed.</summary>
    private sealed record Listing(BlobContainerClient Container, string Prefix)
    {
        public IAsyncEnumerable<Page<BlobItem>> Pages(string? continuationToken, int? pageSizeHint, CancellationToken cancellationToken) =>
            Container.GetBlobsAsync(new GetBlobsOptions { Prefix = Prefix.Length == 0 ? null : Prefix }, cancellationToken)
                .AsPages(continuationToken, pageSizeHint);

        // The first request of a listing is where a missing container shows.
        public async Task<bool> MoveNextAsync(IAsyncEnumerator<Page<BlobItem>> enumerator)
        {
            try
            {
                return await enumerator.MoveNextAsync();
            }
            catch (RequestFailedException ex) when (ex.Status == 404)
            {
                throw new DirectoryNotFoundException($"Source container '{AzureBlobClientFactory.Redact(Container.Uri)}' does not exist.", ex);
            }
        }
    }

    // Listings give ETags bare (0x8D…), headers quoted; If-Match wants the quoted form.
    private static ETag AsETag(string value) =>
        new(value.StartsWith('"') ? value : "\"" + value + "\"");
}
