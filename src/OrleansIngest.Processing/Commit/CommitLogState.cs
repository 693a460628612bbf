namespace OrleansIngest.Processing.Commit;

/// <summary>
/// The state of a table, folded from its commit log: which units are committed (and in which file),
/// which are quarantined and why, and the published files. The log is the truth; this is a cache of it.
/// </summary>
public sealed class CommitLogState
{
    private readonly Dictionary<string, string> _committedUnitFiles = new(StringComparer.Ordinal);
    private readonly Dictionary<string, QuarantinedUnit> _quarantined = new(StringComparer.Ordinal);
    private readonly List<LoggedFile> _files = [];
    private readonly List<long> _fileSequences = [];

    // Every file ever committed, removed ones included, so checkpoint parts (immutable, shared between checkpoints)
    // stay the same bytes after an erasure; the removed paths are listed beside them.
    private readonly List<(long Sequence, LoggedFile File)> _history = [];
    private readonly HashSet<string> _removed = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tombstone> _tombstones = new(StringComparer.Ordinal);

    /// <summary>Sequence number the next entry must take.</summary>
    public long NextSequence { get; private set; }

    /// <summary>Committed data files in commit order.</summary>
    public IReadOnlyList<LoggedFile> Files => _files;

    /// <summary>Files taken out of the table by replace entries (erasure); their published copies are garbage.</summary>
    public IReadOnlyCollection<string> RemovedFiles => _removed;

    /// <summary>Erased blob versions whose tombstone was not lifted.</summary>
    public IReadOnlyCollection<Tombstone> Tombstones => _tombstones.Values;

    /// <summary>Quarantined units that were not later committed.</summary>
    public IReadOnlyCollection<QuarantinedUnit> Quarantined => _quarantined.Values;

    /// <summary>Number of committed units.</summary>
    public int CommittedUnitCount => _committedUnitFiles.Count;

    /// <summary>Total committed rows.</summary>
    public long RowCount { get; private set; }

    /// <summary>Total committed bytes of data files.</summary>
    public long ByteCount { get; private set; }

    /// <summary>Time of the last entry, if any.</summary>
    public DateTimeOffset? LastCommitAt { get; private set; }

    /// <summary>Whether the unit's rows are in a committed file.</summary>
    public bool IsCommitted(string unitId) => _committedUnitFiles.ContainsKey(unitId);

    /// <summary>Whether the unit is quarantined (and not committed).</summary>
    public bool IsQuarantined(string unitId) => _quarantined.ContainsKey(unitId);

    /// <summary>Whether the unit was erased and may not be ingested again (a tombstone).</summary>
    public bool IsErased(string unitId) => _tombstones.ContainsKey(unitId);

    /// <summary>Whether the unit reached a terminal state in this table (committed, quarantined or erased).</summary>
    public bool IsSettled(string unitId) => IsCommitted(unitId) || IsQuarantined(unitId) || IsErased(unitId);

    /// <summary>Applies the next entry. Entries must be applied in sequence order.</summary>
    public void Apply(CommitLogEntry entry)
    {
        if (entry.Sequence != NextSequence)
        {
            throw new InvalidOperationException($"Expected log entry {NextSequence}, got {entry.Sequence}.");
        }

        // Removals first: a replacement file re-commits the units of the file it replaces.
        foreach (var path in entry.Removed ?? [])
        {
            RemoveFile(path);
        }

        foreach (var file in entry.Files)
        {
            AddFile(entry.Sequence, file, live: true);
        }

        foreach (var unit in entry.Quarantined)
        {
            if (!_committedUnitFiles.ContainsKey(unit.UnitId) && !_tombstones.ContainsKey(unit.UnitId))
            {
                _quarantined[unit.UnitId] = unit;
            }
        }

        foreach (var unitId in entry.Retried)
        {
            _quarantined.Remove(unitId);
        }

        foreach (var tombstone in entry.Tombstones ?? [])
        {
            _tombstones[tombstone.UnitId] = tombstone;
            _quarantined.Remove(tombstone.UnitId);
        }

        foreach (var unitId in entry.Lifted ?? [])
        {
            _tombstones.Remove(unitId);
        }

        NextSequence = entry.Sequence + 1;
        LastCommitAt = entry.CommittedAt;
    }

    /// <summary>Exports the state as of entry <c>NextSequence - 1</c>; there is nothing to export before entry 0.</summary>
    public CommitLogCheckpoint ToCheckpoint()
    {
        if (NextSequence == 0)
        {
            throw new InvalidOperationException("An empty log has no checkpoint.");
        }

        return new CommitLogCheckpoint
        {
            Sequence = NextSequence - 1,
            LastCommitAt = LastCommitAt,
            RowCount = RowCount,
            ByteCount = ByteCount,
            CommittedUnitCount = CommittedUnitCount,
            Files = [.. _history.Select(h => new CheckpointFile(h.Sequence, h.File.Path, h.File.Rows, h.File.Bytes, h.File.Units, h.File.KeyId))],
            // Ordered so that the same state always writes the same bytes (racing writers put equal checkpoints).
            Quarantined = [.. _quarantined.Values.OrderBy(q => q.UnitId, StringComparer.Ordinal)],
            // Null when empty, so a table never erased writes the same checkpoint bytes as earlier builds.
            Removed = _removed.Count == 0 ? null : [.. _removed.Order(StringComparer.Ordinal)],
            Tombstones = _tombstones.Count == 0 ? null : [.. _tombstones.Values.OrderBy(t => t.UnitId, StringComparer.Ordinal)],
        };
    }

    /// <summary>
    /// Rebuilds the state a replay of entries 0..<see cref="CommitLogCheckpoint.Sequence"/> gives. Throws
    /// <see cref="InvalidDataException"/> when the checkpoint does not add up (totals, order, a unit both
    /// committed and quarantined), so a damaged checkpoint is never used.
    /// </summary>
    public static CommitLogState FromCheckpoint(CommitLogCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var state = new CommitLogState();
        var removed = (checkpoint.Removed ?? []).ToHashSet(StringComparer.Ordinal);
        var previous = -1L;
        foreach (var file in checkpoint.Files)
        {
            if (file.Sequence < previous || file.Sequence > checkpoint.Sequence)
            {
                throw new InvalidDataException($"Commit log checkpoint {checkpoint.Sequence} lists file '{file.Path}' at entry {file.Sequence}, out of order.");
            }

            previous = file.Sequence;
            state.AddFile(file.Sequence, new LoggedFile(file.Path, file.Rows, file.Bytes, file.Units, file.KeyId), live: !removed.Contains(file.Path));
        }

        state._removed.UnionWith(removed);
        foreach (var tombstone in checkpoint.Tombstones ?? [])
        {
            if (state._committedUnitFiles.ContainsKey(tombstone.UnitId) || !state._tombstones.TryAdd(tombstone.UnitId, tombstone))
            {
                throw new InvalidDataException($"Commit log checkpoint {checkpoint.Sequence} erases unit {tombstone.UnitId} twice or while it is committed.");
            }
        }

        foreach (var unit in checkpoint.Quarantined)
        {
            if (state._committedUnitFiles.ContainsKey(unit.UnitId) || state._tombstones.ContainsKey(unit.UnitId) || !state._quarantined.TryAdd(unit.UnitId, unit))
            {
                throw new InvalidDataException($"Commit log checkpoint {checkpoint.Sequence} quarantines unit {unit.UnitId} twice or after committing it.");
            }
        }

        if (state.RowCount != checkpoint.RowCount || state.ByteCount != checkpoint.ByteCount || state.CommittedUnitCount != checkpoint.CommittedUnitCount)
        {
            throw new InvalidDataException(
                $"Commit log checkpoint {checkpoint.Sequence} does not add up: {state.RowCount} rows, {state.ByteCount} bytes, {state.CommittedUnitCount} units " +
                $"in its files against {checkpoint.RowCount}, {checkpoint.ByteCount}, {checkpoint.CommittedUnitCount} recorded.");
        }

        state.NextSequence = checkpoint.Sequence + 1;
        state.LastCommitAt = checkpoint.LastCommitAt;
        return state;
    }

    /// <summary>The log entry that committed file <paramref name="index"/> of <see cref="Files"/>.</summary>
    internal long FileSequence(int index) => _fileSequences[index];

    /// <summary>Every file ever committed with its entry, removed ones included.</summary>
    internal IReadOnlyList<(long Sequence, LoggedFile File)> History => _history;

    private void RemoveFile(string path)
    {
        _removed.Add(path);
        var index = _files.FindIndex(f => string.Equals(f.Path, path, StringComparison.Ordinal));
        if (index < 0)
        {
            return;
        }

        var file = _files[index];
        _files.RemoveAt(index);
        _fileSequences.RemoveAt(index);
        RowCount -= file.Rows;
        ByteCount -= file.Bytes;
        foreach (var unit in file.Units)
        {
            if (_committedUnitFiles.TryGetValue(unit.UnitId, out var holder) && string.Equals(holder, path, StringComparison.Ordinal))
            {
                _committedUnitFiles.Remove(unit.UnitId);
            }
        }
    }

    private void AddFile(long sequence, LoggedFile file, bool live)
    {
        _history.Add((sequence, file));
        if (!live)
        {
            return;
        }

        _files.Add(file);
        _fileSequences.Add(sequence);
        RowCount += file.Rows;
        ByteCount += file.Bytes;
        foreach (var unit in file.Units)
        {
            // First commit wins; the committer never writes a second one, but a reader must not double count.
            if (_committedUnitFiles.TryAdd(unit.UnitId, file.Path))
            {
                _quarantined.Remove(unit.UnitId);
            }
        }
    }
}
