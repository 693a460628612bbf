using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Storage.Governance;

/// <summary>
/// Governance objects in a local folder (<c>&lt;output&gt;/_ingest/</c>). Objects appear whole and put-if-absent: written
/// to a temporary file, flushed, then hard-linked to their name, which fails when the name exists.
/// </summary>
public sealed class LocalGovernanceStore(string root) : IGovernanceStore
{
    private readonly string _root = Path.GetFullPath(root);

    /// <inheritdoc />
    public string RootUri => LocalPaths.ToUri(_root);

    /// <inheritdoc />
    public async Task<bool> TryCreateAsync(string path, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var final = FullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(final)!);
        if (File.Exists(final))
        {
            return false;
        }

        var temp = Path.Combine(Path.GetDirectoryName(final)!, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.Asynchronous))
            {
                await stream.WriteAsync(content, cancellationToken);
                stream.Flush(flushToDisk: true);
            }

            return ExclusiveLink.TryLink(temp, final);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <inheritdoc />
    public async Task<byte[]?> ReadAsync(string path, CancellationToken cancellationToken = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(FullPath(path), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<string> ListAsync(string folder, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var directory = FullPath(folder);
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        var names = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(p => !Path.GetFileName(p).StartsWith('.'))
            .Select(p => Path.GetRelativePath(_root, p).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
        foreach (var name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return name;
        }

        await Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteAsync(string path, CancellationToken cancellationToken = default)
    {
        File.Delete(FullPath(path));
        return Task.CompletedTask;
    }

    private string FullPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var full = Path.GetFullPath(Path.Combine(_root, path));
        if (!full.StartsWith(_root + Path.DirectorySeparatorChar, StringComparison.Ordinal) && full != _root)
        {
            throw new ArgumentException($"'{path}' leaves the governance folder.", nameof(path));
        }

        return full;
    }
}
