using System.Globalization;
using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Local;

/// <summary>
/// A folder as a source. The version token of a file is its (size, last-write time) pair, so an edited file
/// is a new unit, and a file is read as a plain sequential stream.
/// </summary>
public sealed class LocalBlobStore : IBlobStore
{
    private const int ReadBufferBytes = 256 * 1024;

    /// <inheritdoc />
    public async IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var root = LocalPaths.ToFullPath(sourceRoot);
        if (!Directory.Exists(root))
        {
            throw new DirectoryNotFoundException($"Source folder '{root}' does not exist.");
        }

        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.Hidden | FileAttributes.System };
        var files = Directory.EnumerateFiles(root, "*", options).Order(StringComparer.Ordinal);
        foreach (var path in files)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var info = new FileInfo(path);
            if (!info.Exists || info.LinkTarget is not null)
            {
                continue;
            }

            var relative = Path.GetRelativePath(root, path).Replace('\\', '/');
            yield return new SourceObject(LocalPaths.ToUri(path), relative, ETagOf(info), info.Length, info.LastWriteTimeUtc);
            await Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    /// <remarks>Hidden entries (a name starting with a dot, anywhere on the path) and symbolic links are left out, as listings leave them out.</remarks>
    public SourceLocation? Locate(string sourceRoot, string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (!uri.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || !Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            return null;
        }

        var root = LocalPaths.ToFullPath(sourceRoot);
        var path = Path.GetFullPath(parsed.LocalPath);
        var rootPrefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (!path.StartsWith(rootPrefix, StringComparison.Ordinal))
        {
            return null;
        }

        var relative = Path.GetRelativePath(root, path).Replace('\\', '/');

        // Listings skip symbolic links (a file that no longer exists has none, so a deletion is still placed).
        return relative.Split('/').Any(segment => segment.Length == 0 || segment[0] == '.') || new FileInfo(path).LinkTarget is not null
            ? null
            : new SourceLocation(LocalPaths.ToUri(path), relative);
    }

    /// <inheritdoc />
    /// <remarks>The token is the relative path of the last object of the previous page (listing order is ordinal).</remarks>
    public async Task<SourcePage> ListPageAsync(string sourceRoot, string? continuationToken, int pageSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var items = new List<SourceObject>(pageSize);
        await foreach (var item in ListAsync(sourceRoot, cancellationToken))
        {
            if (continuationToken is not null && string.CompareOrdinal(item.RelativePath, continuationToken) <= 0)
            {
                continue;
            }

            if (items.Count == pageSize)
            {
                return new SourcePage(items, items[^1].RelativePath);
            }

            items.Add(item);
        }

        return new SourcePage(items, null);
    }

    /// <inheritdoc />
    public Task<Stream> OpenReadAsync(string uri, string expectedETag, CancellationToken cancellationToken = default)
    {
        var path = LocalPaths.ToFullPath(uri);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new SourceChangedException(uri, "the file no longer exists");
        }

        var actual = ETagOf(info);
        if (!string.Equals(actual, expectedETag, StringComparison.Ordinal))
        {
            throw new SourceChangedException(uri, $"the file changed since it was listed (version {expectedETag}, now {actual})");
        }

        Stream stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, ReadBufferBytes, FileOptions.SequentialScan | FileOptions.Asynchronous);
        return Task.FromResult(stream);
    }

    // Shared with LocalFolderEventSource: a watcher event and a listing of the same file must name the same unit.
    internal static string ETagOf(FileInfo info) =>
        string.Create(CultureInfo.InvariantCulture, $"\"{info.Length:x}-{info.LastWriteTimeUtc.Ticks:x}\"");
}
