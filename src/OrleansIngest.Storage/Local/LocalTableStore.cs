using System.Globalization;
using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Local;

/// <summary>
/// A table in a local folder. Log entries are made visible atomically: written to a temporary file, flushed,
/// then hard-linked to their final name, which fails if the name exists (put-if-absent, no torn reads).
/// Checkpoints are created the same way. Publishing is a rename within one file system.
/// </summary>
public sealed class LocalTableStore : ITableStore
{
    private const string CheckpointSuffix = ".checkpoint.json";

    private readonly string _root;
    private readonly string _staging;
    private readonly string _log;
    private readonly string _parts;

    /// <summary>Creates the store for the table folder <paramref name="tableRoot"/> (created if missing).</summary>
    public LocalTableStore(string tableRoot)
    {
        _root = Path.GetFullPath(tableRoot);
        _staging = Path.Combine(_root, "_ingest", "staging");
        _log = Path.Combine(_root, "_ingest", "log");
        _parts = Path.Combine(_root, "_ingest", "checkpoint-parts");
        Directory.CreateDirectory(_staging);
        Directory.CreateDirectory(_log);
        TableUri = LocalPaths.ToUri(_root);
    }

    /// <inheritdoc />
    public string TableUri { get; }

    /// <inheritdoc />
    public Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        Stream stream = new FileStream(StagedPath(fileName), FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20, FileOptions.Asynchronous);
        return Task.FromResult(stream);
    }

    /// <inheritdoc />
    public Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        using var stream = new FileStream(StagedPath(fileName), FileMode.Open, FileAccess.ReadWrite, FileShare.Read);
        stream.Flush(flushToDisk: true);
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task PublishAsync(string fileName, CancellationToken cancellationToken = default)
    {
        var staged = StagedPath(fileName);
        var published = PublishedPath(fileName);
        if (File.Exists(published))
        {
            // Already published by an earlier attempt; a leftover staged copy is the same bytes.
            File.Delete(staged);
            return Task.CompletedTask;
        }

        if (!File.Exists(staged))
        {
            throw new FileNotFoundException($"Committed file '{fileName}' is neither staged nor published in {TableUri}.", staged);
        }

        try
        {
            File.Move(staged, published, overwrite: false);
        }
        catch (IOException) when (File.Exists(published))
        {
            // A racing publisher (the commit and a roll-forward of the same entry) moved it first: published either way.
            // FileNotFoundException (the staged file moved away under us) is an IOException too.
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PublishedPath(fileName)));

    /// <inheritdoc />
    public Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        Stream stream = new FileStream(PublishedPath(fileName), FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        return Task.FromResult(stream);
    }

    /// <inheritdoc />
    public Task DeletePublishedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        File.Delete(PublishedPath(fileName));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        File.Delete(StagedPath(fileName));
        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var path in Directory.EnumerateFiles(_staging))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return (Path.GetFileName(path), File.GetLastWriteTimeUtc(path));
            await Task.CompletedTask;
        }
    }

    /// <inheritdoc />
    public Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        TryCreateExclusiveAsync(LogPath(sequence), content, cancellationToken);

    /// <inheritdoc />
    public Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        return TryCreateExclusiveAsync(CheckpointPath(sequence), content, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default)
    {
        // Names are fixed width, but a listing is not sorted on every file system: pick the highest parsed sequence.
        // A checkpoint deleted between the listing and the read is skipped for the next lower one.
        var sequences = new List<long>();
        foreach (var path in Directory.EnumerateFiles(_log, "*" + CheckpointSuffix))
        {
            var name = Path.GetFileName(path);
            if (name.Length == 20 + CheckpointSuffix.Length
                && long.TryParse(name.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                && sequence < beforeSequence)
            {
                sequences.Add(sequence);
            }
        }

        foreach (var sequence in sequences.OrderDescending())
        {
            try
            {
                return (sequence, await File.ReadAllBytesAsync(CheckpointPath(sequence), cancellationToken));
            }
            catch (FileNotFoundException)
            {
                continue;
            }
        }

        return null;
    }

    private async Task<bool> TryCreateExclusiveAsync(string final, ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        if (File.Exists(final))
        {
            return false;
        }

        var temp = Path.Combine(_log, $".{Path.GetFileName(final)}.{Guid.NewGuid():N}.tmp");
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
    public async IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var sequence = fromSequence; ; sequence++)
        {
            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(LogPath(sequence), cancellationToken);
            }
            catch (FileNotFoundException)
            {
                yield break;
            }

            yield return (sequence, content);
        }
    }

    private string StagedPath(string fileName) => Path.Combine(_staging, ValidName(fileName));

    private string PublishedPath(string fileName) => Path.Combine(_root, ValidName(fileName));

    private string LogPath(long sequence) => Path.Combine(_log, string.Create(CultureInfo.InvariantCulture, $"{sequence:D20}.json"));

    /// <inheritdoc />
    public async Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_parts);
        var path = PartPath(first, last);
        if (await TryCreateExclusiveAsync(path, content, cancellationToken))
        {
            return true;
        }

        // Parts are deterministic: the same range written by another committer has the same bytes.
        return (await File.ReadAllBytesAsync(path, cancellationToken)).AsSpan().SequenceEqual(content.Span);
    }

    /// <inheritdoc />
    public async Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(PartPath(first, last), cancellationToken);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private string PartPath(long first, long last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        return Path.Combine(_parts, string.Create(CultureInfo.InvariantCulture, $"{first:D20}-{last:D20}.json"));
    }

    private string CheckpointPath(long sequence) => Path.Combine(_log, string.Create(CultureInfo.InvariantCulture, $"{sequence:D20}{CheckpointSuffix}"));

    private static string ValidName(string fileName)
    {
        if (string.IsNullOrWhiteSpace(fileName) || fileName.IndexOfAny(['/', '\\']) >= 0 || fileName.StartsWith('.'))
        {
            throw new ArgumentException($"'{fileName}' is not a plain data file name.", nameof(fileName));
        }

        return fileName;
    }
}
