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

    /// <summary>Sequence number the next entry must take.</summary>
    public long NextSequence { get; private set; }

    /// <summary>Committed data files in commit order.</summary>
    public IReadOnlyList<LoggedFile> Files => _files;

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

    /// <summary>Whether the unit reached a terminal state in this table.</summary>
    public bool IsSettled(string unitId) => IsCommitted(unitId) || IsQuarantined(unitId);

    /// <summary>Applies the next entry. Entries must be applied in sequence order.</summary>
    public void Apply(CommitLogEntry entry)
    {
        if (entry.Sequence != NextSequence)
        {
            throw new InvalidOperationException($"Expected log entry {NextSequence}, got {entry.Sequence}.");
        }

        foreach (var file in entry.Files)
        {
            _files.Add(file);
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

        foreach (var unit in entry.Quarantined)
        {
            if (!_committedUnitFiles.ContainsKey(unit.UnitId))
            {
                _quarantined[unit.UnitId] = unit;
            }
        }

        foreach (var unitId in entry.Retried)
        {
            _quarantined.Remove(unitId);
        }

        NextSequence = entry.Sequence + 1;
        LastCommitAt = entry.CommittedAt;
    }
}
