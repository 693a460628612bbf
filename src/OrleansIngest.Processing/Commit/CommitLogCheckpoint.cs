using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Commit;

/// <summary>A committed file in a checkpoint, with the log entry that committed it.</summary>
public sealed record CheckpointFile(
    [property: JsonPropertyName("sequence")] long Sequence,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("units")] IReadOnlyList<LoggedUnit> Units,
    [property: JsonPropertyName("kek_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeyId = null);

/// <summary>
/// The folded state of a table's commit log as of entry <see cref="Sequence"/> inclusive
/// (<c>_ingest/log/NNNNNNNNNNNNNNNNNNNN.checkpoint.json</c>). It is a cache of the entries, which stay the
/// truth: a checkpoint that does not parse or does not add up is never used. As stored (format 2) the files are
/// in <see cref="Parts"/> (see <see cref="CheckpointParts"/>); in memory, and in format 1, they are inline.
/// </summary>
/// <remarks>
/// Committed units map to the file that first named them, so the map is rebuilt from <see cref="Files"/> in
/// order rather than stored twice; the totals are stored anyway so that a damaged checkpoint is detected.
/// </remarks>
public sealed record CommitLogCheckpoint
{
    /// <summary>Format with the files inline: the in-memory form, and what earlier builds stored.</summary>
    public const int InlineFormat = 1;

    /// <summary>Format with the files in parts: what this build stores. It reads both.</summary>
    public const int PartsFormat = 2;

    /// <summary>Format version of the checkpoint.</summary>
    [JsonPropertyName("format")] public int Format { get; init; } = InlineFormat;

    /// <summary>Last log entry folded into the checkpoint.</summary>
    [JsonPropertyName("sequence")] public long Sequence { get; init; }

    /// <summary>Time of entry <see cref="Sequence"/>.</summary>
    [JsonPropertyName("last_commit_at")] public DateTimeOffset? LastCommitAt { get; init; }

    /// <summary>Total committed rows.</summary>
    [JsonPropertyName("rows")] public long RowCount { get; init; }

    /// <summary>Total committed bytes of data files.</summary>
    [JsonPropertyName("bytes")] public long ByteCount { get; init; }

    /// <summary>Number of distinct committed units.</summary>
    [JsonPropertyName("committed_units")] public int CommittedUnitCount { get; init; }

    /// <summary>Committed data files in commit order (inline: in memory, or a format 1 checkpoint).</summary>
    [JsonPropertyName("files")] public IReadOnlyList<CheckpointFile> Files { get; init; } = [];

    /// <summary>The parts holding the files, in entry order (a stored format 2 checkpoint).</summary>
    [JsonPropertyName("parts")] public IReadOnlyList<CheckpointPartRef> Parts { get; init; } = [];

    /// <summary>Units quarantined and neither committed nor released later, ordered by id.</summary>
    [JsonPropertyName("quarantined")] public IReadOnlyList<QuarantinedUnit> Quarantined { get; init; } = [];

    /// <summary>Paths of <see cref="Files"/> taken out by replace entries (erasure), ordered; null when none.</summary>
    [JsonPropertyName("removed"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Removed { get; init; }

    /// <summary>Erased blob versions, ordered by unit id; null when none.</summary>
    [JsonPropertyName("tombstones"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<Tombstone>? Tombstones { get; init; }

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Serialises the checkpoint as UTF-8 JSON (deterministic for a given state).</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>
    /// Parses checkpoint <paramref name="sequence"/>. Anything unreadable (bad JSON, unknown format, a sequence
    /// other than its name's) is an <see cref="InvalidDataException"/>; the totals are checked by
    /// <see cref="CommitLogState.FromCheckpoint"/>.
    /// </summary>
    public static CommitLogCheckpoint Parse(long sequence, ReadOnlySpan<byte> utf8Json)
    {
        CommitLogCheckpoint? checkpoint;
        try
        {
            checkpoint = JsonSerializer.Deserialize<CommitLogCheckpoint>(utf8Json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Commit log checkpoint {sequence} is not valid JSON: {ex.Message}", ex);
        }

        if (checkpoint is null || checkpoint.Sequence != sequence)
        {
            throw new InvalidDataException($"Commit log checkpoint {sequence} records sequence {checkpoint?.Sequence}.");
        }

        if (checkpoint.Format is not (InlineFormat or PartsFormat))
        {
            throw new InvalidDataException($"Commit log checkpoint {sequence} has format {checkpoint.Format}; this build reads formats {InlineFormat} and {PartsFormat}.");
        }

        // System.Text.Json leaves a list null when the document says null; treat that as damage, not as empty.
        if (checkpoint.Parts is null || checkpoint.Parts.Any(p => p is null || p.Sha256 is null)
            || (checkpoint.Format == InlineFormat && checkpoint.Parts.Count > 0)
            || (checkpoint.Format == PartsFormat && (checkpoint.Parts.Count == 0 || checkpoint.Files is not { Count: 0 })))
        {
            throw new InvalidDataException($"Commit log checkpoint {sequence} has damaged part references (format {checkpoint.Format}).");
        }

        if (checkpoint.Files is null || checkpoint.Quarantined is null || checkpoint.Files.Any(f => f is null || f.Path is null || f.Units is null || f.Units.Any(u => u is null || u.UnitId is null))
            || checkpoint.Quarantined.Any(q => q is null || q.UnitId is null)
            || (checkpoint.Removed?.Any(r => r is null) ?? false) || (checkpoint.Tombstones?.Any(t => t is null || t.UnitId is null) ?? false))
        {
            throw new InvalidDataException($"Commit log checkpoint {sequence} has missing fields.");
        }

        return checkpoint;
    }
}
