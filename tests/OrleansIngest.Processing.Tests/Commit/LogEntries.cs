using OrleansIngest.Processing.Commit;

namespace OrleansIngest.Processing.Tests.Commit;

/// <summary>Small commit-log entries for state and checkpoint tests: one second apart from <see cref="Start"/>.</summary>
internal static class LogEntries
{
    public static readonly DateTimeOffset Start = new(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Entry <paramref name="sequence"/> committing <paramref name="file"/> with <paramref name="units"/> (2 rows each).</summary>
    public static CommitLogEntry Committed(long sequence, string file, params string[] units) => new()
    {
        Sequence = sequence,
        CommittedAt = Start.AddSeconds(sequence),
        Files = [new LoggedFile(file, units.Length * 2, units.Length * 10, [.. units.Select(u => new LoggedUnit(u, $"file:///{u}", "\"e\"", 10, 2, 0.5))])],
    };

    /// <summary>Entry <paramref name="sequence"/> quarantining <paramref name="units"/>.</summary>
    public static CommitLogEntry Quarantined(long sequence, params string[] units) => new()
    {
        Sequence = sequence,
        CommittedAt = Start.AddSeconds(sequence),
        Quarantined = [.. units.Select(u => new QuarantinedUnit(u, $"file:///{u}", "\"e\"", $"reason {sequence}"))],
    };

    /// <summary>The state the entries fold to, applied in order.</summary>
    public static CommitLogState Fold(IEnumerable<CommitLogEntry> entries)
    {
        var state = new CommitLogState();
        foreach (var entry in entries)
        {
            state.Apply(entry);
        }

        return state;
    }
}
