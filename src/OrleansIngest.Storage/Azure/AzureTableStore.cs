using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Storage.Azure;

/// <summary>Options of <see cref="AzureTableStore"/>.</summary>
public sealed record AzureTableStoreOptions
{
    /// <summary>Bytes per staged block of a data file (default 8 MiB); the writer holds one such buffer.</summary>
    public int StageBlockBytes { get; init; } = 8 * 1024 * 1024;

    /// <summary>Largest log entry read back (default 16 MiB); a larger one is reported as corrupt, not loaded.</summary>
    public int MaxLogEntryBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>
    /// Largest checkpoint read back (default 1 GiB, about 5 million units); a larger one is skipped as damaged and
    /// the log entries are replayed instead.
    /// </summary>
    public int MaxCheckpointBytes { get; init; } = 1024 * 1024 * 1024;
}

/// <summary>
/// A table under <c>&lt;container&gt;/&lt;prefix&gt;/&lt;table&gt;/</c> in Azure Blob Storage.
/// <para>
/// A staged data file is the set of <em>uncommitted blocks</em> of its final blob <c>&lt;table&gt;/&lt;file&gt;</c>:
/// durable once staged, but invisible to reads and listings, so there is no <c>_ingest/staging/</c> folder and
/// publishing is a block-list commit instead of a copy. Deleting a staged file deletes the uncommitted blob; blocks
/// that are never committed (a crashed writer) are also dropped by the service after 7 days.
/// </para>
/// <para>
/// Log entries <c>&lt;table&gt;/_ingest/log/NNNNNNNNNNNNNNNNNNNN.json</c> are created with
/// <c>If-None-Match: *</c>, which the service evaluates atomically (put-if-absent); so are checkpoints
/// <c>NNNNNNNNNNNNNNNNNNNN.checkpoint.json</c> beside them.
/// </para>
/// </summary>
public sealed class AzureTableStore : ITableStore
{
    private const string LogFolder = "_ingest/log/";
    private const string PartsFolder = "_ingest/checkpoint-parts/";
    private const string CheckpointSuffix = ".checkpoint.json";

    private readonly BlobContainerClient _container;
    private readonly string _tablePrefix;
    private readonly AzureTableStoreOptions _options;
    private readonly ConcurrentDictionary<string, StagedFile> _writing = new(StringComparer.Ordinal);
    private Task? _containerReady;

    /// <summary>Creates the store of table <paramref name="tableName"/> below <paramref name="outputRoot"/>.</summary>
    /// <param name="outputRoot">The output container and prefix (from <see cref="AzureBlobClientFactory.Resolve"/>).</param>
    /// <param name="tableName">The table's folder name: a plain name without slashes.</param>
    /// <param name="options">Block and log-entry sizes; null for the defaults.</param>
    public AzureTableStore(AzureBlobLocation outputRoot, string tableName, AzureTableStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(outputRoot);
        _container = outputRoot.Container;
        _options = options ?? new AzureTableStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.StageBlockBytes, 4096, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxLogEntryBytes, 1024, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxCheckpointBytes, 1024, nameof(options));
        var prefix = outputRoot.Prefix.Trim('/');
        _tablePrefix = (prefix.Length == 0 ? string.Empty : prefix + "/") + ValidName(tableName, nameof(tableName)) + "/";
        TableUri = AzureBlobClientFactory.Redact(_container.GetBlobClient(_tablePrefix.TrimEnd('/')).Uri);
    }

    /// <inheritdoc />
    public string TableUri { get; }

    /// <inheritdoc />
    /// <remarks>Fails with <see cref="IOException"/> when the name is already staged or published.</remarks>
    public async Task<Stream> CreateStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        var blob = DataBlob(fileName);
        await EnsureContainerAsync(cancellationToken);
        if (await GetBlockListAsync(blob, cancellationToken) is not null)
        {
            throw new IOException($"'{fileName}' is already staged or published in {TableUri}.");
        }

        var file = new StagedFile();
        if (!_writing.TryAdd(fileName, file))
        {
            throw new IOException($"'{fileName}' is already being written to {TableUri}.");
        }

        return new BlockStagingStream(blob, _options.StageBlockBytes, $"{TableUri}/{fileName}", length => file.ClosedLength = length);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Staged blocks are already durable; sealing checks that the writing stream was closed and that every byte
    /// it took is in a staged block.
    /// </remarks>
    public async Task SealStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        var blob = DataBlob(fileName);
        _writing.TryGetValue(fileName, out var file);
        if (file is { ClosedLength: null })
        {
            throw new InvalidOperationException($"'{fileName}' in {TableUri} is still open or was not closed cleanly: dispose its stream before sealing it.");
        }

        var blocks = await GetBlockListAsync(blob, cancellationToken)
            ?? throw new FileNotFoundException($"'{fileName}' has no staged blocks in {TableUri} (an empty file cannot be staged).", fileName);
        if (IsCommitted(blocks))
        {
            _writing.TryRemove(fileName, out _);
            return;
        }

        var staged = blocks.UncommittedBlocks.Sum(b => b.SizeLong);
        if (file?.ClosedLength is { } written && staged != written)
        {
            throw new IOException($"'{fileName}' in {TableUri}: {written} bytes were written but {staged} are staged.");
        }

        _writing.TryRemove(fileName, out _);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Commits the staged blocks in index order with <c>If-None-Match: *</c>, so that racing publishers (a commit
    /// and a roll-forward) cannot overwrite each other; the loser finds the blob committed and succeeds.
    /// </remarks>
    public async Task PublishAsync(string fileName, CancellationToken cancellationToken = default)
    {
        var blob = DataBlob(fileName);
        var blocks = await GetBlockListAsync(blob, cancellationToken)
            ?? throw new FileNotFoundException($"Committed file '{fileName}' is neither staged nor published in {TableUri}.", fileName);
        if (IsCommitted(blocks))
        {
            return;
        }

        var ordered = OrderedBlockIds(fileName, blocks.UncommittedBlocks);
        try
        {
            await blob.CommitBlockListAsync(
                ordered,
                new CommitBlockListOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } },
                cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412 || ex.ErrorCode == BlobErrorCode.InvalidBlockList.ToString())
        {
            // Another publisher committed it first (its commit also discarded our copy of the block list).
            if (!await IsPublishedAsync(fileName, cancellationToken))
            {
                throw;
            }
        }
    }

    /// <inheritdoc />
    public async Task<Stream> OpenPublishedFileAsync(string fileName, CancellationToken cancellationToken = default) =>
        await DataBlob(fileName).OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = _options.StageBlockBytes }, cancellationToken);

    /// <inheritdoc />
    public async Task<bool> IsPublishedAsync(string fileName, CancellationToken cancellationToken = default)
    {
        try
        {
            // Properties exist only for a committed blob; a blob with uncommitted blocks only is 404.
            return (await DataBlob(fileName).ExistsAsync(cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return false;
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A published file is left alone (committing it already discarded its staged copy). Like the local store,
    /// this relies on the orphan grace period: a file is never deleted while a writer may still commit it.
    /// </remarks>
    public async Task DeletePublishedFileAsync(string fileName, CancellationToken cancellationToken = default) =>
        await DataBlob(fileName).DeleteIfExistsAsync(DeleteSnapshotsOption.IncludeSnapshots, conditions: null, cancellationToken);

    /// <inheritdoc />
    public async Task DeleteStagedFileAsync(string fileName, CancellationToken cancellationToken = default)
    {
        var blob = DataBlob(fileName);
        _writing.TryRemove(fileName, out _);
        if (await IsPublishedAsync(fileName, cancellationToken))
        {
            return;
        }

        try
        {
            await blob.DeleteIfExistsAsync(DeleteSnapshotsOption.None, conditions: null, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // The container is gone: nothing is staged.
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Lists the table root twice — with uncommitted blobs, then committed only — and returns the difference.
    /// The time is the staged blob's last-modified time as the service reports it for an uncommitted blob
    /// (Azurite: when its first block was staged), so grace periods must exceed the time a file is written.
    /// </remarks>
    public async IAsyncEnumerable<(string FileName, DateTimeOffset LastModified)> ListStagedFilesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var withUncommitted = await ListRootAsync(BlobStates.Uncommitted, cancellationToken);
        var committed = await ListRootAsync(BlobStates.None, cancellationToken);
        foreach (var (name, lastModified) in withUncommitted)
        {
            if (!committed.ContainsKey(name))
            {
                yield return (name, lastModified);
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// A 409/412 answer normally means another writer won; but when a retried upload finds its own first
    /// attempt already there, the entry's bytes are ours, so the entry is read back and compared.
    /// </remarks>
    public Task<bool> TryCreateLogEntryAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        TryPutIfAbsentAsync(LogName(sequence), content, "Log entry", _options.MaxLogEntryBytes, cancellationToken);

    /// <inheritdoc />
    /// <remarks>As with log entries, a 409/412 answer is read back: equal bytes are a retried write of our own.</remarks>
    public Task<bool> TryCreateCheckpointAsync(long sequence, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        return TryPutIfAbsentAsync(CheckpointName(sequence), content, "Checkpoint", _options.MaxCheckpointBytes, cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Lists <c>_ingest/log/</c> (one page per 5,000 names: entries and checkpoints alike), keeping the names with the
    /// checkpoint suffix; the names are fixed width, so the last one below <paramref name="beforeSequence"/> wins.
    /// </remarks>
    public async Task<(long Sequence, byte[] Content)?> ReadLatestCheckpointAsync(long beforeSequence = long.MaxValue, CancellationToken cancellationToken = default)
    {
        var prefix = _tablePrefix + LogFolder;
        var sequences = new List<long>();
        try
        {
            await foreach (var item in _container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                var name = item.Name.AsSpan(prefix.Length);
                if (name.Length == 20 + CheckpointSuffix.Length
                    && name.EndsWith(CheckpointSuffix, StringComparison.Ordinal)
                    && long.TryParse(name[..20], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence)
                    && sequence < beforeSequence)
                {
                    sequences.Add(sequence);
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        foreach (var sequence in sequences.OrderDescending())
        {
            byte[]? content;
            try
            {
                content = await TryReadBoundedAsync(CheckpointName(sequence), $"Checkpoint {sequence}", _options.MaxCheckpointBytes, cancellationToken);
            }
            catch (InvalidDataException)
            {
                // Too large to trust: hand back nothing usable for it, so the caller reports it and falls back.
                return (sequence, []);
            }

            if (content is not null)
            {
                return (sequence, content);
            }
        }

        return null;
    }

    /// <inheritdoc />
    /// <remarks>As with checkpoints, a 409/412 answer is read back: equal bytes count as created.</remarks>
    public Task<bool> TryCreateCheckpointPartAsync(long first, long last, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        TryPutIfAbsentAsync(PartName(first, last), content, "Checkpoint part", _options.MaxCheckpointBytes, cancellationToken);

    /// <inheritdoc />
    public Task<byte[]?> ReadCheckpointPartAsync(long first, long last, CancellationToken cancellationToken = default) =>
        TryReadBoundedAsync(PartName(first, last), string.Create(CultureInfo.InvariantCulture, $"Checkpoint part {first}-{last}"), _options.MaxCheckpointBytes, cancellationToken);

    private async Task<bool> TryPutIfAbsentAsync(string blobName, ReadOnlyMemory<byte> content, string what, int maxBytes, CancellationToken cancellationToken)
    {
        await EnsureContainerAsync(cancellationToken);
        var blob = _container.GetBlobClient(blobName);
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
        };
        try
        {
            await blob.UploadAsync(BinaryData.FromBytes(content), options, cancellationToken);
            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            var existing = await TryReadBoundedAsync(blobName, what, maxBytes, cancellationToken);
            return existing is not null && existing.AsSpan().SequenceEqual(content.Span);
        }
    }

    /// <inheritdoc />
    public async IAsyncEnumerable<(long Sequence, byte[] Content)> ReadLogAsync(long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequence);
        for (var sequence = fromSequence; ; sequence++)
        {
            var content = await TryReadLogEntryAsync(sequence, cancellationToken);
            if (content is null)
            {
                yield break;
            }

            yield return (sequence, content);
        }
    }

    private Task<byte[]?> TryReadLogEntryAsync(long sequence, CancellationToken cancellationToken) =>
        TryReadBoundedAsync(LogName(sequence), $"Log entry {sequence}", _options.MaxLogEntryBytes, cancellationToken);

    private async Task<byte[]?> TryReadBoundedAsync(string blobName, string what, int maxBytes, CancellationToken cancellationToken)
    {
        Response<BlobDownloadStreamingResult> response;
        try
        {
            response = await _container.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }

        using var result = response.Value;
        if (result.Details.ContentLength > maxBytes)
        {
            throw new InvalidDataException($"{what} of {TableUri} is {result.Details.ContentLength} bytes, more than the {maxBytes} allowed.");
        }

        // Read what actually arrives, bounded, rather than trusting the declared length.
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while ((read = await result.Content.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw new InvalidDataException($"{what} of {TableUri} is larger than the {maxBytes} bytes allowed.");
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private async Task<Dictionary<string, DateTimeOffset>> ListRootAsync(BlobStates states, CancellationToken cancellationToken)
    {
        var found = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        try
        {
            // Delimited: the table root only, not the (long) log below _ingest/.
            await foreach (var item in _container.GetBlobsByHierarchyAsync(BlobTraits.None, states, "/", _tablePrefix, cancellationToken))
            {
                if (item.IsBlob)
                {
                    found[item.Blob.Name[_tablePrefix.Length..]] = item.Blob.Properties.LastModified ?? DateTimeOffset.MinValue;
                }
            }
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            // No container yet: nothing staged or published.
        }

        return found;
    }

    private async Task<BlockList?> GetBlockListAsync(BlockBlobClient blob, CancellationToken cancellationToken)
    {
        try
        {
            return (await blob.GetBlockListAsync(BlockListTypes.All, snapshot: null, conditions: null, cancellationToken)).Value;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return null;
        }
    }

    // A committed blob has a committed block list (or, written in one put, no blocks at all).
    private static bool IsCommitted(BlockList blocks) =>
        blocks.CommittedBlocks.Any() || !blocks.UncommittedBlocks.Any();

    private List<string> OrderedBlockIds(string fileName, IEnumerable<BlobBlock> uncommitted)
    {
        var ordered = uncommitted.Select(b => (b.Name, Index: BlockStagingStream.BlockIndex(b.Name))).OrderBy(b => b.Index).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            if (ordered[i].Index != i)
            {
                throw new InvalidDataException(
                    $"'{fileName}' in {TableUri}: staged blocks are not 0..{ordered.Count - 1} (found block {ordered[i].Index.ToString(CultureInfo.InvariantCulture)} at position {i}).");
            }
        }

        return ordered.Select(b => b.Name).ToList();
    }

    private BlockBlobClient DataBlob(string fileName) =>
        _container.GetBlockBlobClient(_tablePrefix + ValidName(fileName, nameof(fileName)));

    private string LogName(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{_tablePrefix}{LogFolder}{sequence:D20}.json");

    private string PartName(long first, long last)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfLessThan(last, first);
        return string.Create(CultureInfo.InvariantCulture, $"{_tablePrefix}{PartsFolder}{first:D20}-{last:D20}.json");
    }

    private string CheckpointName(long sequence) =>
        string.Create(CultureInfo.InvariantCulture, $"{_tablePrefix}{LogFolder}{sequence:D20}{CheckpointSuffix}");

    private Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        // Once per store; a failed attempt is retried by the next write rather than remembered. Racing callers
        // at worst ask twice, which is harmless.
        var ready = Volatile.Read(ref _containerReady);
        if (ready is null || ready.IsFaulted || ready.IsCanceled)
        {
            ready = CreateContainerAsync();
            Volatile.Write(ref _containerReady, ready);
        }

        return ready.WaitAsync(cancellationToken);
    }

    private async Task CreateContainerAsync()
    {
        try
        {
            await _container.CreateIfNotExistsAsync();
        }
        catch (RequestFailedException ex) when (ex.Status == 403)
        {
            // A SAS or role scoped to blobs may not create containers; the container may well exist, and if it
            // does not, the first write says so.
        }
    }

    private static string ValidName(string name, string parameter)
    {
        if (string.IsNullOrWhiteSpace(name) || name.IndexOfAny(['/', '\\']) >= 0 || name.StartsWith('.'))
        {
            throw new ArgumentException($"'{name}' is not a plain file or table name.", parameter);
        }

        return name;
    }

    private sealed class StagedFile
    {
        public long? ClosedLength { get; set; }
    }
}
