using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>
/// The bookkeeping of a job's units: pending queue, leases with expiry, attempts, terminal states.
/// Plain logic with an injected clock so it is tested without a cluster; the job grain owns one.
/// </summary>
public sealed class UnitLedger(TimeProvider timeProvider, TimeSpan leaseDuration, int maxAttempts)
{
    private sealed class Entry(WorkUnit unit)
    {
        public WorkUnit Unit { get; } = unit;
        public UnitState State { get; set; } = UnitState.Pending;
        public long LeaseToken { get; set; }
        public DateTimeOffset LeaseExpiresAt { get; set; }
        public int Attempts { get; set; }
        public string? LastError { get; set; }
    }

    private enum UnitState
    {
        Pending,
        Leased,
        Committed,
        Quarantined,
    }

    private readonly Dictionary<string, Entry> _units = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _pending = new();
    private readonly List<QuarantineRecord> _quarantined = [];
    private long _nextLeaseToken = 1;

    public int Count => _units.Count;
    public int PendingCount { get; private set; }
    public int LeasedCount { get; private set; }
    public int CommittedCount { get; private set; }
    public int QuarantinedCount => _quarantined.Count;
    public long AudioSegments { get; private set; }
    public double AudioSeconds { get; private set; }
    public long SensorWindows { get; private set; }
    public long BytesTotal { get; private set; }
    public long BytesDone { get; private set; }
    public IReadOnlyList<QuarantineRecord> Quarantined => _quarantined;

    /// <summary>Whether every known unit is committed or quarantined.</summary>
    public bool AllSettled => PendingCount == 0 && LeasedCount == 0;

    /// <summary>Adds a unit; a duplicate id (re-listing, repeated event) collapses onto the existing one.</summary>
    public bool Add(WorkUnit unit)
    {
        ArgumentNullException.ThrowIfNull(unit);
        if (_units.ContainsKey(unit.UnitId))
        {
            return false;
        }

        var entry = new Entry(unit);
        _units.Add(unit.UnitId, entry);
        _pending.Enqueue(entry);
        PendingCount++;
        BytesTotal += unit.Size;
        return true;
    }

    /// <summary>Leases up to <paramref name="maxUnits"/> units, first returning expired leases to the queue.</summary>
    public IReadOnlyList<WorkLease> Lease(int maxUnits)
    {
        ReclaimExpired();
        var now = timeProvider.GetUtcNow();
        var leases = new List<WorkLease>();
        while (leases.Count < maxUnits && _pending.TryDequeue(out var entry))
        {
            if (entry.State != UnitState.Pending)
            {
                continue;
            }

            entry.State = UnitState.Leased;
            entry.LeaseToken = _nextLeaseToken++;
            entry.LeaseExpiresAt = now + leaseDuration;
            PendingCount--;
            LeasedCount++;
            leases.Add(new WorkLease(entry.Unit, entry.LeaseToken, entry.LeaseExpiresAt));
        }

        return leases;
    }

    /// <summary>
    /// Applies a worker's outcome. Returns a quarantine the caller must record in the table log when a unit
    /// exhausted its attempts; null otherwise. Outcomes for a lease that was since handed to someone else are
    /// ignored, except commits (the log already holds them, so they are facts).
    /// </summary>
    public QuarantineRecord? Apply(UnitOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (!_units.TryGetValue(outcome.UnitId, out var entry) || entry.State is UnitState.Committed or UnitState.Quarantined)
        {
            return null;
        }

        var current = entry.State == UnitState.Leased && entry.LeaseToken == outcome.LeaseToken;
        switch (outcome.Kind)
        {
            case UnitOutcomeKind.Committed:
                Settle(entry, UnitState.Committed);
                CommittedCount++;
                if (entry.Unit.Kind == "audio")
                {
                    AudioSegments += outcome.Rows;
                    AudioSeconds += outcome.MediaSeconds;
                }
                else
                {
                    SensorWindows += outcome.Rows;
                }

                return null;
            case UnitOutcomeKind.Quarantined:
                Settle(entry, UnitState.Quarantined);
                var record = new QuarantineRecord(entry.Unit.UnitId, entry.Unit.SourceUri, entry.Unit.Table, outcome.Reason ?? "unknown");
                _quarantined.Add(record);
                return null;
            case UnitOutcomeKind.Released when current:
                Requeue(entry);
                return null;
            case UnitOutcomeKind.Failed when current:
                entry.Attempts++;
                entry.LastError = outcome.Reason;
                if (entry.Attempts < maxAttempts)
                {
                    Requeue(entry);
                    return null;
                }

                var reason = $"failed {entry.Attempts} times; last error: {outcome.Reason}";
                Settle(entry, UnitState.Quarantined);
                var exhausted = new QuarantineRecord(entry.Unit.UnitId, entry.Unit.SourceUri, entry.Unit.Table, reason);
                _quarantined.Add(exhausted);
                return exhausted;
            default:
                return null;
        }
    }

    /// <summary>The unit with this id, if known.</summary>
    public WorkUnit? Find(string unitId) => _units.TryGetValue(unitId, out var entry) ? entry.Unit : null;

    private void ReclaimExpired()
    {
        if (LeasedCount == 0)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        foreach (var entry in _units.Values)
        {
            if (entry.State == UnitState.Leased && entry.LeaseExpiresAt <= now)
            {
                Requeue(entry);
            }
        }
    }

    private void Requeue(Entry entry)
    {
        if (entry.State == UnitState.Leased)
        {
            LeasedCount--;
        }

        entry.State = UnitState.Pending;
        entry.LeaseToken = 0;
        PendingCount++;
        _pending.Enqueue(entry);
    }

    private void Settle(Entry entry, UnitState state)
    {
        if (entry.State == UnitState.Leased)
        {
            LeasedCount--;
        }
        else if (entry.State == UnitState.Pending)
        {
            PendingCount--;
        }

        entry.State = state;
        BytesDone += entry.Unit.Size;
    }
}
