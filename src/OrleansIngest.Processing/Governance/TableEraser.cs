using System.Globalization;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Governance;

/// <summary>An erasure: the rows of one source URI, or of every source below a prefix, leave every table.</summary>
public sealed record ErasureRequest
{
    /// <summary>Exact source URI to erase (as recorded in the commit log), or null.</summary>
    public string? SourceUri { get; init; }

    /// <summary>Source URI prefix to erase, or null.</summary>
    public string? SourcePrefix { get; init; }

    /// <summary>When true no tombstone is left (and earlier ones are lifted): a later ingest may bring the rows back.</summary>
    public bool AllowReingest { get; init; }

    /// <summary>Who asked, for the log entry and audit.</summary>
    public string Actor { get; init; } = "";

    /// <summary>The selector as recorded in the log; exactly one of URI and prefix must be given.</summary>
    public ErasureSelector ToSelector()
    {
        if (string.IsNullOrEmpty(SourceUri) == string.IsNullOrEmpty(SourcePrefix))
        {
            throw new ArgumentException("An erasure names exactly one of a source URI and a source prefix.");
        }

        return new ErasureSelector(string.IsNullOrEmpty(SourceUri) ? null : SourceUri, string.IsNullOrEmpty(SourcePrefix) ? null : SourcePrefix, Actor);
    }
}

/// <summary>What an erasure did to one table.</summary>
/// <param name="TableUri">The table.</param>
/// <param name="Sequence">The replace entry written, or -1 when the table held nothing to erase (or it was already erased).</param>
/// <param name="FilesRewritten">Files replaced by a copy without the erased rows.</param>
/// <param name="FilesDropped">Files that held only erased rows and were removed without a replacement.</param>
/// <param name="RowsRemoved">Rows removed.</param>
/// <param name="Erased">Blob versions erased (tombstoned unless re-ingest is allowed).</param>
/// <param name="TombstonesLifted">Earlier tombstones lifted (re-ingest allowed).</param>
/// <param name="FilesCollected">Published files of replace entries deleted by this run (a resumed erasure's leftovers included).</param>
/// <param name="SourceMapEntriesForgotten">Source map entries of the erased sources deleted.</param>
public sealed record TableErasureResult(
    string TableUri,
    long Sequence,
    int FilesRewritten,
    int FilesDropped,
    long RowsRemoved,
    IReadOnlyList<Tombstone> Erased,
    int TombstonesLifted,
    int FilesCollected,
    int SourceMapEntriesForgotten);

/// <summary>
/// Erases sources from one table through its commit log. Only files whose logged units include an erased source are
/// read and rewritten; the replacements and the removal of the old files are one replace entry (put-if-absent), so a
/// table shows either its old or its new state; old files are deleted after the entry. A crash leaves staged
/// replacements (orphans, collected later) or a committed entry whose old files the next run (or the commit grain's
/// recovery) deletes: running the same erasure again completes it.
/// </summary>
public sealed class TableEraser(ITableStore store, TimeProvider timeProvider, SourceUriProtector? protector = null, SourceMap? sourceMap = null)
{
    private const int MaxAttempts = 16;

    /// <summary>Output settings of replacement files (compression, row group size).</summary>
    public ParquetOutputSettings OutputSettings { get; init; } = new();

    /// <summary>The key-encryption key of encrypted files (<c>*.parquet.enc</c>); their replacements are encrypted under it too.</summary>
    public IKeyEncryptionKey? KeyEncryptionKey { get; init; }

    /// <summary>Erases the request's sources from the table.</summary>
    /// <exception cref="InvalidDataException">A file holds another number of the erased rows than the log records (a restricted table erased without its HMAC key).</exception>
    public async Task<TableErasureResult> EraseAsync(ErasureRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var selector = request.ToSelector();
        var committer = new TableCommitter(store, timeProvider);
        await committer.RefreshAsync(cancellationToken);
        var collected = await committer.CollectRemovedFilesAsync(cancellationToken);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            var state = committer.State;
            var plannedAt = state.NextSequence;
            var affected = state.Files.Where(f => f.Units.Any(u => selector.Matches(u.SourceUri))).ToList();
            var erasedUnits = affected.SelectMany(f => f.Units).Where(u => selector.Matches(u.SourceUri)).ToList();
            var quarantined = state.Quarantined.Where(q => selector.Matches(q.SourceUri)).ToList();
            var erased = erasedUnits.Select(u => new Tombstone(u.UnitId, u.SourceUri, u.SourceETag))
                .Concat(quarantined.Select(q => new Tombstone(q.UnitId, q.SourceUri, q.SourceETag)))
                .OrderBy(t => t.UnitId, StringComparer.Ordinal)
                .ToList();
            var lifted = request.AllowReingest ? state.Tombstones.Where(t => selector.Matches(t.SourceUri)).Select(t => t.UnitId).Order(StringComparer.Ordinal).ToList() : [];
            if (erased.Count == 0 && lifted.Count == 0)
            {
                var forgottenNow = await ForgetSourceMapAsync(selector, cancellationToken);
                return new TableErasureResult(store.TableUri, -1, 0, 0, 0, [], 0, collected, forgottenNow);
            }

            var (added, staged, dropped, rowsRemoved) = await RewriteAsync(affected, selector, cancellationToken);
            var replace = new ReplaceRequest(
                [.. affected.Select(f => f.Path)],
                added,
                request.AllowReingest ? [] : erased,
                lifted,
                request.AllowReingest ? [.. quarantined.Select(q => q.UnitId)] : [],
                selector,
                string.IsNullOrEmpty(request.Actor) ? "erase" : $"erase/{request.Actor}");
            var sequence = await committer.ReplaceFilesAsync(replace, plannedAt, cancellationToken);
            if (sequence < 0)
            {
                // The table moved on while we rewrote (a commit, another erasure): plan again from the new state.
                foreach (var name in staged)
                {
                    await store.DeleteStagedFileAsync(name, cancellationToken);
                }

                continue;
            }

            collected += affected.Count;
            var forgotten = await ForgetSourceMapAsync(selector, cancellationToken);
            return new TableErasureResult(store.TableUri, sequence, added.Count, dropped, rowsRemoved, erased, lifted.Count, collected, forgotten);
        }

        throw new IOException($"Could not erase from {store.TableUri}: its log kept moving for {MaxAttempts} attempts.");
    }

    private async Task<(List<LoggedFile> Added, List<string> Staged, int Dropped, long RowsRemoved)> RewriteAsync(
        IReadOnlyList<LoggedFile> affected, ErasureSelector selector, CancellationToken cancellationToken)
    {
        var added = new List<LoggedFile>();
        var staged = new List<string>();
        var dropped = 0;
        var rowsRemoved = 0L;
        try
        {
            foreach (var file in affected)
            {
                var erasedHere = file.Units.Where(u => selector.Matches(u.SourceUri)).ToList();
                var keys = new HashSet<(string Uri, string ETag)>();
                foreach (var unit in erasedHere)
                {
                    keys.Add((unit.SourceUri, unit.SourceETag));
                    if (protector is not null)
                    {
                        keys.Add((protector.Protect(unit.SourceUri), unit.SourceETag));
                    }
                }

                var encrypted = file.Path.EndsWith(EnvelopeEncryption.FileSuffix, StringComparison.Ordinal);
                var kek = encrypted
                    ? KeyEncryptionKey ?? throw new InvalidDataException($"'{file.Path}' in {store.TableUri} is encrypted; erasing from it needs its key-encryption key.")
                    : null;
                var name = string.Create(CultureInfo.InvariantCulture, $"part-{timeProvider.GetUtcNow():yyyyMMdd'T'HHmmss}-{Guid.NewGuid():N}.parquet") + (encrypted ? EnvelopeEncryption.FileSuffix : "");
                staged.Add(name);
                RowFilterResult result;
                long bytes;
                await using (var input = await OpenPlainAsync(file.Path, kek, cancellationToken))
                await using (var output = await store.CreateStagedFileAsync(name, cancellationToken))
                {
                    var counting = new CountingWriteStream(output);
                    var target = kek is null ? (Stream)counting : new EnvelopeWriteStream(counting, kek, leaveOpen: true);
                    result = await ParquetRowFilter.RewriteAsync(input, target, (uri, etag) => keys.Contains((uri, etag)), OutputSettings, cancellationToken);
                    if (kek is not null)
                    {
                        await target.DisposeAsync();
                    }

                    bytes = counting.BytesWritten;
                }

                var expected = erasedHere.Sum(u => u.Rows);
                if (result.RowsRemoved != expected)
                {
                    throw new InvalidDataException(string.Create(
                        CultureInfo.InvariantCulture,
                        $"'{file.Path}' in {store.TableUri} holds {result.RowsRemoved} rows of the erased sources where its log entry records {expected}; nothing was changed. A restricted table is erased with its source HMAC key."));
                }

                rowsRemoved += result.RowsRemoved;
                if (result.RowsKept == 0)
                {
                    await store.DeleteStagedFileAsync(name, cancellationToken);
                    staged.Remove(name);
                    dropped++;
                    continue;
                }

                await store.SealStagedFileAsync(name, cancellationToken);
                added.Add(new LoggedFile(name, result.RowsKept, bytes, [.. file.Units.Where(u => !selector.Matches(u.SourceUri))], kek?.KeyId));
            }
        }
        catch
        {
            foreach (var name in staged)
            {
                await store.DeleteStagedFileAsync(name, CancellationToken.None);
            }

            throw;
        }

        return (added, staged, dropped, rowsRemoved);
    }

    // A published file as a seekable plaintext stream: as it is, or decrypted into a temporary file deleted on close
    // (a data file can be larger than memory should hold).
    private async Task<Stream> OpenPlainAsync(string path, IKeyEncryptionKey? kek, CancellationToken cancellationToken)
    {
        if (kek is null)
        {
            return await store.OpenPublishedFileAsync(path, cancellationToken);
        }

        var temp = new FileStream(Path.GetTempFileName(), FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        try
        {
            await using (var encrypted = await store.OpenPublishedFileAsync(path, cancellationToken))
            {
                await EnvelopeEncryption.DecryptAsync(encrypted, temp, id => id == kek.KeyId
                    ? kek
                    : throw new InvalidDataException($"'{path}' was encrypted under key {id}, not {kek.KeyId}."), cancellationToken);
            }

            temp.Position = 0;
            return temp;
        }
        catch
        {
            await temp.DisposeAsync();
            throw;
        }
    }

    private async Task<int> ForgetSourceMapAsync(ErasureSelector selector, CancellationToken cancellationToken)
    {
        if (sourceMap is null)
        {
            return 0;
        }

        var forgotten = new List<SourceMapEntry>();
        await foreach (var entry in sourceMap.ListAsync(cancellationToken))
        {
            if (selector.Matches(entry.SourceUri))
            {
                forgotten.Add(entry);
            }
        }

        foreach (var entry in forgotten)
        {
            await sourceMap.ForgetAsync(entry.Hmac, entry.SourceETag, cancellationToken);
        }

        return forgotten.Count;
    }
}
