using System.Collections.Concurrent;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Silo.Worker;

/// <summary>
/// This silo's work as its dashboard row shows it: units it holds leases on, and cumulative units, bytes and audio it
/// settled since it started. Updated by the job coordinators, read by <see cref="SiloReporter"/>. Thread-safe.
/// </summary>
public sealed class WorkerActivity(TimeProvider timeProvider)
{
    private readonly ConcurrentDictionary<string, long> _held = new(StringComparer.Ordinal);
    private long _unitsSettled;
    private long _bytesSettled;
    private long _audioMilliseconds;

    /// <summary>When counting began.</summary>
    public DateTimeOffset StartedAt { get; } = timeProvider.GetUtcNow();

    /// <summary>Units leased and not yet reported.</summary>
    public int UnitsInFlight => _held.Count;

    /// <summary>Units committed or quarantined.</summary>
    public long UnitsSettled => Interlocked.Read(ref _unitsSettled);

    /// <summary>Source bytes of the settled units.</summary>
    public long BytesSettled => Interlocked.Read(ref _bytesSettled);

    /// <summary>Audio committed, in seconds.</summary>
    public double AudioSecondsSettled => Interlocked.Read(ref _audioMilliseconds) / 1000.0;

    /// <summary>Records units leased to this silo.</summary>
    public void Leased(IEnumerable<LeasedUnit> units)
    {
        ArgumentNullException.ThrowIfNull(units);
        foreach (var unit in units)
        {
            _held[unit.UnitId] = unit.Size;
        }
    }

    /// <summary>Records reported outcomes; a unit counts as settled once however often it is reported.</summary>
    public void Reported(IEnumerable<UnitResult> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        foreach (var result in results)
        {
            if (!_held.TryRemove(result.UnitId, out var size))
            {
                continue;
            }

            if (result.Kind is UnitResultKind.Committed or UnitResultKind.Quarantined)
            {
                Interlocked.Increment(ref _unitsSettled);
                Interlocked.Add(ref _bytesSettled, size);
                Interlocked.Add(ref _audioMilliseconds, (long)Math.Round(result.MediaSeconds * 1000));
            }
        }
    }
}
