using OrleansIngest.Abstractions;

namespace OrleansIngest.Grains;

/// <summary>The persisted part of a <see cref="UnitLedger"/>.</summary>
[GenerateSerializer, Alias("OrleansIngest.LedgerSnapshot")]
public sealed class LedgerSnapshot
{
    [Id(0)] public List<WorkUnit> Unsettled { get; set; } = [];
    [Id(1)] public int Settled { get; set; }
    [Id(2)] public int Committed { get; set; }
    [Id(3)] public long AudioSegments { get; set; }
    [Id(4)] public double AudioSeconds { get; set; }
    [Id(5)] public long SensorWindows { get; set; }
    [Id(6)] public long BytesDone { get; set; }
    [Id(7)] public List<QuarantineRecord> Quarantined { get; set; } = [];

    /// <summary>Commit latency bucket counts (see <see cref="LatencyHistogram"/>); empty in snapshots older than it.</summary>
    [Id(8)] public List<long> LatencyCounts { get; set; } = [];

    [Id(9)] public int Superseded { get; set; }

    /// <summary>Units and rows committed per silo.</summary>
    [Id(10)] public Dictionary<string, SiloUnitCount> SiloShares { get; set; } = new(StringComparer.Ordinal);
}

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
        Superseded,
    }

    private readonly Dictionary<string, Entry> _units = new(StringComparer.Ordinal);
    private readonly Queue<Entry> _pending = new();
    private readonly List<QuarantineRecord> _quarantined = [];
    private readonly long[] _latencyCounts = new long[LatencyHistogram.BucketCount];
    private readonly Dictionary<string, SiloUnitCount> _siloShares = new(StringComparer.Ordinal);
    private long _nextLeaseToken = 1;
    private int _restoredSettled;

    public int Count => _units.Count + _restoredSettled;
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

    /// <summary>Pending units cancelled because a newer version of their blob arrived.</summary>
    public int SupersededCount { get; private set; }

    /// <summary>Time from arrival to commit of the committed units that have an arrival time.</summary>
    public LatencyHistogram CommitLatency => new(_latencyCounts);

    /// <summary>Units and rows committed per silo, by silo name.</summary>
    public IReadOnlyList<SiloUnitCount> SiloShares => [.. _siloShares.Values.OrderBy(s => s.Silo, StringComparer.Ordinal)];

    /// <summary>
    /// Units in <paramref name="state"/> (<c>pending</c>, <c>leased</c>, <c>committed</c>, <c>quarantined</c>,
    /// <c>superseded</c>; null: all) ordered by source URI: the page after <paramref name="skip"/>, and the total. Units
    /// settled before the last restore are not held here any more (the table logs hold them); quarantined ones are
    /// listed from their records.
    /// </summary>
    public UnitListing List(string? state, int skip, int take)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);
        var known = _units.Values
            .Where(e => e.State != UnitState.Quarantined)
            .Select(e => new UnitStatus(e.Unit.UnitId, e.Unit.SourceUri, e.Unit.Table, e.State.ToString().ToLowerInvariant(), e.Attempts, e.LastError));
        var quarantined = _quarantined.Select(q => new UnitStatus(
            q.UnitId, q.SourceUri, q.Table, "quarantined", _units.TryGetValue(q.UnitId, out var e) ? e.Attempts : 0, q.Reason));
        var all = known.Concat(quarantined).Where(u => state is null || string.Equals(u.State, state, StringComparison.OrdinalIgnoreCase)).ToList();
        all.Sort((a, b) => string.CompareOrdinal(a.SourceUri, b.SourceUri) is var c && c != 0 ? c : string.CompareOrdinal(a.UnitId, b.UnitId));
        return new UnitListing([.. all.Skip(skip).Take(take)], all.Count);
    }

    /// <summary>
    /// Starts lease tokens of a new activation: tokens are <c>epoch · 2³²</c> + a counter, so a token handed out
    /// before a restart never equals one handed out after it, and a stale holder cannot pass for the new one.
    /// </summary>
    public void BeginEpoch(long epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        _nextLeaseToken = checked((epoch << 32) + 1);
    }

    /// <summary>
    /// The lease check of a commit. Each claim is held when the unit is leased under that token (its expiry moves
    /// to at least <paramref name="hold"/> from now), or taken back by the claimant when the unit is pending (nobody
    /// else holds it; as after a restart, which drops leases). It is lost when the unit was leased to someone else,
    /// is settled, or is unknown here (settled before a restart). Returns the lost units and how long the held ones
    /// are held.
    /// </summary>
    public LeaseFenceResult Fence(IReadOnlyList<LeaseClaim> claims, TimeSpan hold)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ReclaimExpired();
        var now = timeProvider.GetUtcNow();
        var lost = new List<string>();
        foreach (var claim in claims)
        {
            if (!_units.TryGetValue(claim.UnitId, out var entry))
            {
                lost.Add(claim.UnitId);
                continue;
            }

            switch (entry.State)
            {
                case UnitState.Leased when entry.LeaseToken == claim.LeaseToken:
                    if (entry.LeaseExpiresAt < now + hold)
                    {
                        entry.LeaseExpiresAt = now + hold;
                    }

                    break;
                case UnitState.Pending:
                    entry.State = UnitState.Leased;
                    entry.LeaseToken = claim.LeaseToken;
                    entry.LeaseExpiresAt = now + hold;
                    PendingCount--;
                    LeasedCount++;
                    break;
                default:
                    lost.Add(claim.UnitId);
                    break;
            }
        }

        return new LeaseFenceResult(lost, hold);
    }

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
    public QuarantineRecord? Apply(UnitOutcome outcome, string? worker = null)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (!_units.TryGetValue(outcome.UnitId, out var entry) || entry.State is UnitState.Committed or UnitState.Quarantined)
        {
            return null;
        }

        if (entry.State == UnitState.Superseded)
        {
            // Cancelled while a worker held it from an earlier lease: a commit is a fact of the log, anything else is moot.
            if (outcome.Kind != UnitOutcomeKind.Committed)
            {
                return null;
            }

            SupersededCount--;
            BytesDone -= entry.Unit.Size;
            entry.State = UnitState.Pending;
            PendingCount++;
        }

        var current = entry.State == UnitState.Leased && entry.LeaseToken == outcome.LeaseToken;
        switch (outcome.Kind)
        {
            case UnitOutcomeKind.Committed:
                Settle(entry, UnitState.Committed);
                CommittedCount++;
                if (entry.Unit.ArrivedAt is { } arrivedAt)
                {
                    _latencyCounts[LatencyHistogram.BucketOf(timeProvider.GetUtcNow() - arrivedAt)]++;
                }

                if (worker is not null)
                {
                    var silo = worker.Split('/')[0];
                    var share = _siloShares.GetValueOrDefault(silo) ?? new SiloUnitCount(silo, 0, 0);
                    _siloShares[silo] = share with { Units = share.Units + 1, Rows = share.Rows + outcome.Rows };
                }

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

    /// <summary>
    /// Cancels a pending unit because a newer version of its blob arrived (the <c>latest</c> version policy): it is
    /// settled without being read. A leased unit is left to its worker (its read fails on the changed ETag, or it
    /// committed first and is a fact). Returns whether the unit was cancelled.
    /// </summary>
    public bool Supersede(string unitId)
    {
        if (!_units.TryGetValue(unitId, out var entry) || entry.State != UnitState.Pending)
        {
            return false;
        }

        Settle(entry, UnitState.Superseded);
        SupersededCount++;
        return true;
    }

    /// <summary>
    /// The durable part: unsettled units (leases are dropped: a restored ledger offers them again) and counters.
    /// Settled units are not kept; the table logs hold them.
    /// </summary>
    public LedgerSnapshot Snapshot() => new()
    {
        Unsettled = [.. _units.Values.Where(e => e.State is UnitState.Pending or UnitState.Leased).Select(e => e.Unit)],
        Settled = _restoredSettled + _units.Values.Count(e => e.State is UnitState.Committed or UnitState.Quarantined or UnitState.Superseded),
        Committed = CommittedCount,
        AudioSegments = AudioSegments,
        AudioSeconds = AudioSeconds,
        SensorWindows = SensorWindows,
        BytesDone = BytesDone,
        Quarantined = [.. _quarantined],
        LatencyCounts = [.. _latencyCounts],
        Superseded = SupersededCount,
        SiloShares = new Dictionary<string, SiloUnitCount>(_siloShares, StringComparer.Ordinal),
    };

    /// <summary>Loads a snapshot into an empty ledger.</summary>
    public void Restore(LedgerSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (_units.Count > 0 || _restoredSettled > 0)
        {
            throw new InvalidOperationException("Restore needs an empty ledger.");
        }

        foreach (var unit in snapshot.Unsettled)
        {
            Add(unit);
        }

        _restoredSettled = snapshot.Settled;
        CommittedCount = snapshot.Committed;
        AudioSegments = snapshot.AudioSegments;
        AudioSeconds = snapshot.AudioSeconds;
        SensorWindows = snapshot.SensorWindows;
        BytesDone = snapshot.BytesDone;
        BytesTotal += snapshot.BytesDone;
        _quarantined.AddRange(snapshot.Quarantined);
        SupersededCount = snapshot.Superseded;
        foreach (var (silo, share) in snapshot.SiloShares)
        {
            _siloShares[silo] = share;
        }

        if (snapshot.LatencyCounts.Count == _latencyCounts.Length)
        {
            snapshot.LatencyCounts.CopyTo(_latencyCounts);
        }
    }

    /// <summary>
    /// Takes back a quarantine that could not be recorded in the table log (storage unavailable): the unit is
    /// pending again, keeping its attempts, so its next failure tries to record the quarantine again. Also how an
    /// operator's retry queues a released unit again. Returns whether the unit is pending again.
    /// </summary>
    public bool Reopen(string unitId)
    {
        if (!_units.TryGetValue(unitId, out var entry) || entry.State != UnitState.Quarantined)
        {
            // Quarantined before the last restore: only its record is held. Dropping it (and its count as settled) is
            // all; a listing adds the unit again.
            if (entry is null && _quarantined.RemoveAll(q => q.UnitId == unitId) > 0 && _restoredSettled > 0)
            {
                _restoredSettled--;
            }

            return false;
        }

        _quarantined.RemoveAll(q => q.UnitId == unitId);
        BytesDone -= entry.Unit.Size;
        entry.State = UnitState.Pending;
        PendingCount++;
        _pending.Enqueue(entry);
        return true;
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
