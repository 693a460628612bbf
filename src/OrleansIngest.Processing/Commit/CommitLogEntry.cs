using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Commit;

/// <summary>A unit (one blob version) as recorded in the commit log.</summary>
public sealed record LoggedUnit(
    [property: JsonPropertyName("unit_id")] string UnitId,
    [property: JsonPropertyName("source_uri")] string SourceUri,
    [property: JsonPropertyName("source_etag")] string SourceETag,
    [property: JsonPropertyName("source_bytes")] long SourceBytes,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("media_seconds")] double MediaSeconds);

/// <summary>
/// A data file committed by one log entry, with the units whose rows it holds and, for an encrypted file, the id of
/// the key-encryption key that wrapped its data key (omitted for plain files, so their entries are unchanged).
/// </summary>
public sealed record LoggedFile(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("units")] IReadOnlyList<LoggedUnit> Units,
    [property: JsonPropertyName("kek_id"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? KeyId = null);

/// <summary>A unit quarantined with the reason it could not be ingested.</summary>
public sealed record QuarantinedUnit(
    [property: JsonPropertyName("unit_id")] string UnitId,
    [property: JsonPropertyName("source_uri")] string SourceUri,
    [property: JsonPropertyName("source_etag")] string SourceETag,
    [property: JsonPropertyName("reason")] string Reason);

/// <summary>
/// An erased blob version: its rows were removed, and a later ingest of the same version commits nothing for it
/// until the tombstone is lifted (<c>erase --allow-reingest</c>).
/// </summary>
public sealed record Tombstone(
    [property: JsonPropertyName("unit_id")] string UnitId,
    [property: JsonPropertyName("source_uri")] string SourceUri,
    [property: JsonPropertyName("source_etag")] string SourceETag);

/// <summary>What an erasure asked for: one source URI or a prefix, and who asked.</summary>
public sealed record ErasureSelector(
    [property: JsonPropertyName("source_uri"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SourceUri,
    [property: JsonPropertyName("source_prefix"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SourcePrefix,
    [property: JsonPropertyName("actor")] string Actor)
{
    /// <summary>Whether <paramref name="sourceUri"/> is selected (exact URI, or below the prefix).</summary>
    public bool Matches(string sourceUri)
    {
        ArgumentNullException.ThrowIfNull(sourceUri);
        return (SourceUri is not null && string.Equals(sourceUri, SourceUri, StringComparison.Ordinal))
            || (SourcePrefix is not null && sourceUri.StartsWith(SourcePrefix, StringComparison.Ordinal));
    }
}

/// <summary>
/// One entry of a table's commit log (<c>_ingest/log/NNNNNNNNNNNNNNNNNNNN.json</c>). Entries are created with
/// put-if-absent semantics, so the log is a totally ordered, append-only record of what the table holds.
/// </summary>
public sealed record CommitLogEntry
{
    /// <summary>Format version of the entry.</summary>
    [JsonPropertyName("format")] public int Format { get; init; } = 1;

    /// <summary>Position of the entry in the log, starting at 0.</summary>
    [JsonPropertyName("sequence")] public long Sequence { get; init; }

    /// <summary>When the entry was written (UTC).</summary>
    [JsonPropertyName("committed_at")] public DateTimeOffset CommittedAt { get; init; }

    /// <summary>Who wrote it (silo and worker lane), for audit.</summary>
    [JsonPropertyName("writer")] public string Writer { get; init; } = "";

    /// <summary>Pipeline version that produced the files.</summary>
    [JsonPropertyName("pipeline_version")] public string PipelineVersion { get; init; } = "";

    /// <summary>Files added to the table.</summary>
    [JsonPropertyName("files")] public IReadOnlyList<LoggedFile> Files { get; init; } = [];

    /// <summary>Units quarantined by this entry.</summary>
    [JsonPropertyName("quarantined")] public IReadOnlyList<QuarantinedUnit> Quarantined { get; init; } = [];

    /// <summary>Quarantined units an operator released for another attempt (ids); the next run processes them.</summary>
    [JsonPropertyName("retried")] public IReadOnlyList<string> Retried { get; init; } = [];

    /// <summary>
    /// <see cref="ReplaceKind"/> for an entry that swaps files (erasure); null for the original kinds (commit,
    /// quarantine, retry), whose entries therefore keep the exact bytes earlier builds wrote.
    /// </summary>
    [JsonPropertyName("kind"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Kind { get; init; }

    /// <summary>Published files this entry takes out of the table (their rows are gone; the files are deleted after it).</summary>
    [JsonPropertyName("removed"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Removed { get; init; }

    /// <summary>Blob versions erased by this entry.</summary>
    [JsonPropertyName("tombstones"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<Tombstone>? Tombstones { get; init; }

    /// <summary>Unit ids whose tombstones this entry lifts, so that they may be ingested again.</summary>
    [JsonPropertyName("lifted"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public IReadOnlyList<string>? Lifted { get; init; }

    /// <summary>The erasure request this entry carries out, for audit.</summary>
    [JsonPropertyName("erasure"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public ErasureSelector? Erasure { get; init; }

    /// <summary>The <see cref="Kind"/> of an entry that replaces files.</summary>
    public const string ReplaceKind = "replace";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Serialises the entry as UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Parses an entry; a corrupt entry is an error, never silently skipped.</summary>
    public static CommitLogEntry Parse(long sequence, ReadOnlySpan<byte> utf8Json)
    {
        CommitLogEntry? entry;
        try
        {
            entry = JsonSerializer.Deserialize<CommitLogEntry>(utf8Json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Commit log entry {sequence} is not valid JSON: {ex.Message}", ex);
        }

        if (entry is null || entry.Sequence != sequence)
        {
            throw new InvalidDataException($"Commit log entry {sequence} records sequence {entry?.Sequence}.");
        }

        return entry;
    }
}
