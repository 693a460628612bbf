using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Commit;

/// <summary>A staged data file and the units whose rows it holds, ready to commit.</summary>
public sealed record FileCommitRequest(string FileName, long Rows, long Bytes, IReadOnlyList<LoggedUnit> Units, string Writer, string PipelineVersion)
{
    /// <summary>For an encrypted file: the key-encryption key that wrapped its data key, recorded in the log.</summary>
    public string? KeyId { get; init; }
}

/// <summary>
/// Files to swap in one log entry (erasure): staged, sealed replacements in, published files out, and tombstones of
/// the erased blob versions (or lifted tombstones when they may be ingested again).
/// </summary>
public sealed record ReplaceRequest(
    IReadOnlyList<string> Removed,
    IReadOnlyList<LoggedFile> Added,
    IReadOnlyList<Tombstone> Tombstones,
    IReadOnlyList<string> Lifted,
    IReadOnlyList<string> ReleasedQuarantine,
    ErasureSelector Erasure,
    string Writer);

/// <summary>Outcome of a commit attempt.</summary>
/// <param name="Committed">True when the file is in the log and published.</param>
/// <param name="Sequence">Log entry that committed it, or -1.</param>
/// <param name="AlreadyCommittedUnits">When rejected: the units that another file had already committed.</param>
public sealed record FileCommitOutcome(bool Committed, long Sequence, IReadOnlyList<string> AlreadyCommittedUnits)
{
    /// <summary>When rejected by the lease check: the units whose lease the writer no longer held.</summary>
    public IReadOnlyList<string> LostLeases { get; init; } = [];
}

/// <summary>
/// The commit protocol of one table (DESIGN §5): append-only log entries created put-if-absent, a file is
/// rejected whole when any of its units is already committed, and a file is published only after its entry
/// exists. Safe against concurrent committers (a lost put-if-absent race re-reads the log and re-checks), but
/// meant to be driven by one owner per table (the table's commit grain) so that races are rare.
/// <para>
/// Every <see cref="CheckpointInterval"/> entries the committer also writes a checkpoint (the folded state, its
/// files in immutable parts shared between checkpoints: <see cref="CheckpointParts"/>), so a fresh committer or
/// reader loads the latest checkpoint and only the entries after it. Entries are never
/// deleted here: readers and audit use them, and they stay the truth when a checkpoint is damaged. A future
/// vacuum may delete entries below the latest verified checkpoint.
/// </para>
/// </summary>
public sealed class TableCommitter(ITableStore store, TimeProvider timeProvider)
{
    private const int MaxAppendAttempts = 64;

    // The entry that logged each committed file, so that a commit retried after its append is recognised.
    private readonly Dictionary<string, (long Sequence, LoggedFile File)> _loggedFiles = new(StringComparer.Ordinal);

    // Checkpoint parts known to be stored with the bytes this log gives (loaded or written by this committer).
    private readonly Dictionary<(long First, long Last), CheckpointPartRef> _storedParts = [];
    private bool _loaded;

    /// <summary>The table state folded from the log as far as this committer has read it.</summary>
    public CommitLogState State { get; private set; } = new();

    /// <summary>
    /// Entries between checkpoints (default 1000): after appending entry N with N + 1 a multiple of it, the
    /// committer writes checkpoint N.
    /// </summary>
    public int CheckpointInterval
    {
        get;
        init
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            field = value;
        }
    } = 1000;

    /// <summary>
    /// The last problem with a checkpoint (a damaged one skipped while loading, or one that could not be
    /// written), or null. Checkpoints are a cache, so such problems cost speed, never correctness.
    /// </summary>
    public string? CheckpointWarning { get; private set; }

    /// <summary>Sequence of the checkpoint the state was loaded from, or null when it was replayed from entry 0.</summary>
    public long? LoadedCheckpoint { get; private set; }

    /// <summary>The table's storage.</summary>
    public ITableStore Store => store;

    /// <summary>Reads log entries written since the last refresh (by anyone).</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (State.NextSequence == 0)
        {
            await LoadLatestCheckpointAsync(cancellationToken);
        }

        await foreach (var (sequence, content) in store.ReadLogAsync(State.NextSequence, cancellationToken))
        {
            Apply(CommitLogEntry.Parse(sequence, content));
        }

        _loaded = true;
    }

    /// <summary>
    /// Loads the log and rolls forward what a crash may have left half done: files that are committed but
    /// still staged are published. Returns how many files it published.
    /// </summary>
    public async Task<int> RecoverAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        var published = 0;
        foreach (var file in State.Files)
        {
            if (!await store.IsPublishedAsync(file.Path, cancellationToken))
            {
                await store.PublishAsync(file.Path, cancellationToken);
                published++;
            }
        }

        // An erasure that crashed after its entry still leaves the replaced files readable: finish deleting them.
        await CollectRemovedFilesAsync(cancellationToken);
        return published;
    }

    /// <summary>
    /// Deletes the published copies of files that replace entries took out of the table. Idempotent, so safe to
    /// repeat after a crash; returns how many it found and deleted.
    /// </summary>
    public async Task<int> CollectRemovedFilesAsync(CancellationToken cancellationToken = default)
    {
        var deleted = 0;
        foreach (var path in State.RemovedFiles.ToList())
        {
            if (await store.IsPublishedAsync(path, cancellationToken))
            {
                await store.DeletePublishedFileAsync(path, cancellationToken);
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>
    /// Appends one replace entry: <see cref="ReplaceRequest.Removed"/> leave the table and
    /// <see cref="ReplaceRequest.Added"/> (staged) join it atomically, then the added files are published and the
    /// removed ones deleted. Returns the entry's sequence, or -1 when the log moved on since the caller planned
    /// (another entry was appended, or a removed file is no longer live): the caller re-plans from
    /// <see cref="State"/>, which is then current.
    /// </summary>
    public async Task<long> ReplaceFilesAsync(ReplaceRequest request, long plannedAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await EnsureLoadedAsync(cancellationToken);
        var live = State.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        if (State.NextSequence != plannedAt || request.Removed.Any(p => !live.Contains(p)))
        {
            return -1;
        }

        var entry = new CommitLogEntry
        {
            Sequence = State.NextSequence,
            CommittedAt = timeProvider.GetUtcNow(),
            Writer = request.Writer,
            Kind = CommitLogEntry.ReplaceKind,
            Files = request.Added,
            Removed = request.Removed,
            Tombstones = request.Tombstones.Count == 0 ? null : request.Tombstones,
            Lifted = request.Lifted.Count == 0 ? null : request.Lifted,
            Retried = request.ReleasedQuarantine,
            Erasure = request.Erasure,
        };
        if (!await store.TryCreateLogEntryAsync(entry.Sequence, entry.ToUtf8Json(), cancellationToken))
        {
            await RefreshAsync(cancellationToken);
            return -1;
        }

        Apply(entry);
        foreach (var file in request.Added)
        {
            await store.PublishAsync(file.Path, cancellationToken);
        }

        await CollectRemovedFilesAsync(cancellationToken);
        await CheckpointIfDueAsync(cancellationToken);
        return entry.Sequence;
    }

    /// <summary>
    /// Deletes staged files that no log entry names and that are older than <paramref name="gracePeriod"/>
    /// (a writer may still be about to commit a younger one). Returns how many it deleted.
    /// </summary>
    public async Task<int> CollectOrphansAsync(TimeSpan gracePeriod, CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        var named = State.Files.Select(f => f.Path).ToHashSet(StringComparer.Ordinal);
        var cutoff = timeProvider.GetUtcNow() - gracePeriod;
        var deleted = 0;
        var orphans = new List<string>();
        await foreach (var (fileName, lastModified) in store.ListStagedFilesAsync(cancellationToken))
        {
            if (!named.Contains(fileName) && lastModified < cutoff)
            {
                orphans.Add(fileName);
            }
        }

        foreach (var orphan in orphans)
        {
            await store.DeleteStagedFileAsync(orphan, cancellationToken);
            deleted++;
        }

        return deleted;
    }

    /// <summary>
    /// Commits a staged file, or rejects it whole when any of its units is already committed. Idempotent: a commit
    /// retried after an earlier try reached the log (but failed before its caller heard) reports that entry and
    /// finishes publishing the file.
    /// </summary>
    public Task<FileCommitOutcome> CommitFileAsync(FileCommitRequest request, CancellationToken cancellationToken = default) =>
        CommitFileAsync(request, fence: null, cancellationToken);

    /// <summary>
    /// Commits a staged file as <see cref="CommitFileAsync(FileCommitRequest, CancellationToken)"/> does, and also
    /// rejects it whole (deleting the staged file) when <paramref name="fence"/> reports that its writer lost the
    /// lease of any unit: a worker whose lease was taken over cannot commit. The fence runs after the log checks
    /// and again whenever the hold it granted ran out before the entry was written.
    /// </summary>
    public async Task<FileCommitOutcome> CommitFileAsync(FileCommitRequest request, CommitFence? fence, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Units.Select(u => u.UnitId).Distinct(StringComparer.Ordinal).Count() != request.Units.Count)
        {
            throw new ArgumentException($"'{request.FileName}' lists a unit twice; its rows would be committed twice.", nameof(request));
        }

        await EnsureLoadedAsync(cancellationToken);
        DateTimeOffset? heldUntil = null;
        for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
        {
            if (_loggedFiles.TryGetValue(request.FileName, out var logged))
            {
                return await FinishLoggedCommitAsync(request, logged.Sequence, logged.File, cancellationToken);
            }

            // An erased unit counts as committed: its rows must not come back (unless its tombstone is lifted).
            var conflicts = request.Units.Where(u => State.IsCommitted(u.UnitId) || State.IsErased(u.UnitId)).Select(u => u.UnitId).ToList();
            if (conflicts.Count > 0)
            {
                await store.DeleteStagedFileAsync(request.FileName, cancellationToken);
                return new FileCommitOutcome(false, -1, conflicts);
            }

            if (fence is not null && (heldUntil is null || timeProvider.GetUtcNow() >= heldUntil))
            {
                var checkedLeases = await fence(cancellationToken);
                if (checkedLeases.LostUnits.Count > 0)
                {
                    // Whoever holds those leases now writes their rows; this file would duplicate them.
                    await store.DeleteStagedFileAsync(request.FileName, cancellationToken);
                    return new FileCommitOutcome(false, -1, []) { LostLeases = checkedLeases.LostUnits };
                }

                heldUntil = checkedLeases.HeldUntil;
            }

            var entry = new CommitLogEntry
            {
                Sequence = State.NextSequence,
                CommittedAt = timeProvider.GetUtcNow(),
                Writer = request.Writer,
                PipelineVersion = request.PipelineVersion,
                Files = [new LoggedFile(request.FileName, request.Rows, request.Bytes, request.Units, request.KeyId)],
            };
            if (await store.TryCreateLogEntryAsync(entry.Sequence, entry.ToUtf8Json(), cancellationToken))
            {
                Apply(entry);
                await store.PublishAsync(request.FileName, cancellationToken);
                await CheckpointIfDueAsync(cancellationToken);
                return new FileCommitOutcome(true, entry.Sequence, []);
            }

            // Someone else appended first: learn what they committed, then re-check our units.
            await RefreshAsync(cancellationToken);
        }

        throw new IOException($"Could not append to the commit log of {store.TableUri} after {MaxAppendAttempts} attempts.");
    }

    /// <summary>Records units as quarantined with their reasons (units already committed are left alone).</summary>
    public async Task<long> QuarantineAsync(IReadOnlyList<QuarantinedUnit> units, string writer, string pipelineVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(units);
        await EnsureLoadedAsync(cancellationToken);
        for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
        {
            var pending = units.Where(u => !State.IsSettled(u.UnitId)).ToList();
            if (pending.Count == 0)
            {
                return -1;
            }

            var entry = new CommitLogEntry
            {
                Sequence = State.NextSequence,
                CommittedAt = timeProvider.GetUtcNow(),
                Writer = writer,
                PipelineVersion = pipelineVersion,
                Quarantined = pending,
            };
            if (await store.TryCreateLogEntryAsync(entry.Sequence, entry.ToUtf8Json(), cancellationToken))
            {
                Apply(entry);
                await CheckpointIfDueAsync(cancellationToken);
                return entry.Sequence;
            }

            await RefreshAsync(cancellationToken);
        }

        throw new IOException($"Could not append to the commit log of {store.TableUri} after {MaxAppendAttempts} attempts.");
    }

    /// <summary>
    /// Releases quarantined units that match <paramref name="select"/> so the next run processes them again (an
    /// operator fixed the file, or a fault was misclassified). Returns the released units.
    /// </summary>
    public async Task<IReadOnlyList<QuarantinedUnit>> RetryQuarantinedAsync(Func<QuarantinedUnit, bool> select, string writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(select);
        await EnsureLoadedAsync(cancellationToken);
        for (var attempt = 0; attempt < MaxAppendAttempts; attempt++)
        {
            var released = State.Quarantined.Where(select).OrderBy(q => q.SourceUri, StringComparer.Ordinal).ToList();
            if (released.Count == 0)
            {
                return [];
            }

            var entry = new CommitLogEntry
            {
                Sequence = State.NextSequence,
                CommittedAt = timeProvider.GetUtcNow(),
                Writer = writer,
                Retried = [.. released.Select(q => q.UnitId)],
            };
            if (await store.TryCreateLogEntryAsync(entry.Sequence, entry.ToUtf8Json(), cancellationToken))
            {
                Apply(entry);
                await CheckpointIfDueAsync(cancellationToken);
                return released;
            }

            await RefreshAsync(cancellationToken);
        }

        throw new IOException($"Could not append to the commit log of {store.TableUri} after {MaxAppendAttempts} attempts.");
    }

    /// <summary>
    /// Writes the checkpoint of the state read so far (entry <c>State.NextSequence - 1</c>), put-if-absent.
    /// Returns false when the log is empty or a checkpoint with other bytes already holds that sequence.
    /// </summary>
    public async Task<bool> WriteCheckpointAsync(CancellationToken cancellationToken = default)
    {
        if (State.NextSequence == 0)
        {
            return false;
        }

        var full = State.ToCheckpoint();
        var references = new List<CheckpointPartRef>();
        foreach (var (first, last) in CheckpointParts.Ranges(full.Sequence, CheckpointInterval))
        {
            // Parts before the newest are usually those of the previous checkpoint: already stored, not rebuilt.
            if (_storedParts.TryGetValue((first, last), out var stored))
            {
                references.Add(stored);
                continue;
            }

            var (_, content, reference) = CheckpointParts.BuildPart(full, first, last);
            if (!await store.TryCreateCheckpointPartAsync(first, last, content, cancellationToken))
            {
                CheckpointWarning = $"Checkpoint part {first}-{last} of {store.TableUri} holds other bytes than the log gives; checkpoint {full.Sequence} was not written.";
                return false;
            }

            _storedParts[(first, last)] = reference;
            references.Add(reference);
        }

        var manifest = CheckpointParts.Manifest(full, references);
        // The manifest goes last, so a checkpoint is never visible before all of its parts are.
        return await store.TryCreateCheckpointAsync(manifest.Sequence, manifest.ToUtf8Json(), cancellationToken);
    }

    private async Task CheckpointIfDueAsync(CancellationToken cancellationToken)
    {
        if (State.NextSequence % CheckpointInterval != 0)
        {
            return;
        }

        try
        {
            await WriteCheckpointAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The entry is appended and the file published: the commit stands. A missing checkpoint only means the
            // next load replays more entries, so failing the caller (who would retry a finished commit) helps nobody.
            CheckpointWarning = $"Checkpoint {State.NextSequence - 1} of {store.TableUri} was not written: {ex.Message}";
        }
    }

    // Loads the newest usable checkpoint into an empty state. A damaged one is reported and skipped for the one
    // before it; with none usable the state stays empty and the entries are replayed from 0.
    private async Task LoadLatestCheckpointAsync(CancellationToken cancellationToken)
    {
        var before = long.MaxValue;
        while (await store.ReadLatestCheckpointAsync(before, cancellationToken) is { } found)
        {
            before = found.Sequence;
            CommitLogState state;
            IReadOnlyList<CheckpointPartRef> parts;
            try
            {
                var checkpoint = CommitLogCheckpoint.Parse(found.Sequence, found.Content);
                parts = checkpoint.Parts;
                if (checkpoint.Format == CommitLogCheckpoint.PartsFormat)
                {
                    var contents = await Task.WhenAll(parts.Select(p => store.ReadCheckpointPartAsync(p.First, p.Last, cancellationToken)));
                    checkpoint = CheckpointParts.Assemble(checkpoint, contents);
                }

                state = CommitLogState.FromCheckpoint(checkpoint);
            }
            catch (InvalidDataException ex)
            {
                CheckpointWarning = $"Checkpoint {found.Sequence} of {store.TableUri} is damaged and was skipped (the log entries are replayed instead): {ex.Message}";
                continue;
            }

            // The checkpoint's own last entry must exist and agree with it: a checkpoint ahead of the log would
            // make the next append leave a gap that every reader stops at.
            CommitLogEntry? last = null;
            await foreach (var (sequence, content) in store.ReadLogAsync(found.Sequence, cancellationToken))
            {
                last = CommitLogEntry.Parse(sequence, content);
                break;
            }

            if (last is null || last.CommittedAt != state.LastCommitAt)
            {
                CheckpointWarning = $"Checkpoint {found.Sequence} of {store.TableUri} does not match log entry {found.Sequence} and was skipped.";
                continue;
            }

            State = state;
            LoadedCheckpoint = found.Sequence;
            foreach (var part in parts)
            {
                _storedParts[(part.First, part.Last)] = part;
            }

            foreach (var (sequence, file) in state.History)
            {
                _loggedFiles.TryAdd(file.Path, (sequence, file));
            }

            return;
        }
    }

    // An earlier try of this very commit reached the log but its caller never heard (every answer to the append
    // was lost, or publishing failed after it). The file is committed: finish publishing it. Rejecting it as a
    // conflict with its own units would delete a file that the log names.
    private async Task<FileCommitOutcome> FinishLoggedCommitAsync(FileCommitRequest request, long sequence, LoggedFile logged, CancellationToken cancellationToken)
    {
        var loggedUnits = logged.Units.Select(u => u.UnitId).ToHashSet(StringComparer.Ordinal);
        if (!loggedUnits.SetEquals(request.Units.Select(u => u.UnitId)))
        {
            throw new InvalidOperationException(
                $"'{request.FileName}' is already committed to {store.TableUri} by log entry {sequence} with other units; a data file name must not be reused.");
        }

        await store.PublishAsync(request.FileName, cancellationToken);
        return new FileCommitOutcome(true, sequence, []);
    }

    private void Apply(CommitLogEntry entry)
    {
        State.Apply(entry);
        foreach (var file in entry.Files)
        {
            _loggedFiles.TryAdd(file.Path, (entry.Sequence, file));
        }
    }

    private async Task EnsureLoadedAsync(CancellationToken cancellationToken)
    {
        if (!_loaded)
        {
            await RecoverAsync(cancellationToken);
        }
    }
}
