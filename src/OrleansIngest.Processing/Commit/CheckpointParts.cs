using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Commit;

/// <summary>
/// The files committed by log entries <see cref="First"/>..<see cref="Last"/>: one immutable slice of a checkpoint
/// (<c>_ingest/checkpoint-parts/FFFFFFFFFFFFFFFFFFFF-LLLLLLLLLLLLLLLLLLLL.json</c>), shared by every later checkpoint
/// whose layout contains the same range.
/// </summary>
public sealed record CheckpointPart(
    [property: JsonPropertyName("first")] long First,
    [property: JsonPropertyName("last")] long Last,
    [property: JsonPropertyName("files")] IReadOnlyList<CheckpointFile> Files)
{
    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Serialises the part (deterministic for a given log).</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, Options);

    /// <summary>Parses the part named <paramref name="first"/>..<paramref name="last"/>; anything else is an <see cref="InvalidDataException"/>.</summary>
    public static CheckpointPart Parse(long first, long last, ReadOnlySpan<byte> utf8Json)
    {
        CheckpointPart? part;
        try
        {
            part = JsonSerializer.Deserialize<CheckpointPart>(utf8Json, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Checkpoint part {first}-{last} is not valid JSON: {ex.Message}", ex);
        }

        if (part is null || part.First != first || part.Last != last || part.Files is null)
        {
            throw new InvalidDataException($"Checkpoint part {first}-{last} does not describe entries {first}-{last}.");
        }

        if (part.Files.Any(f => f is null || f.Path is null || f.Units is null || f.Sequence < first || f.Sequence > last || f.Units.Any(u => u is null || u.UnitId is null)))
        {
            throw new InvalidDataException($"Checkpoint part {first}-{last} has missing fields or files outside its range.");
        }

        return part;
    }
}

/// <summary>A checkpoint's reference to one of its parts, with the part's SHA-256 so a damaged part is never used.</summary>
public sealed record CheckpointPartRef(
    [property: JsonPropertyName("first")] long First,
    [property: JsonPropertyName("last")] long Last,
    [property: JsonPropertyName("files")] int FileCount,
    [property: JsonPropertyName("sha256")] string Sha256);

/// <summary>
/// How a checkpoint is split into parts. A checkpoint of entries 0..N is the files of
/// <c>k = (N + 1) / interval</c> whole intervals, split by the binary digits of <c>k</c> (largest first), plus the
/// remainder: 6 intervals are parts of 4 and 2, 7 add a part of 1, and 8 merge into one. A checkpoint thus
/// re-uses its predecessor's parts but for the small ones at the end, each entry is rewritten about log₂(k)
/// times in all, and a table of any size has at most log₂(k) + 2 parts, read in parallel. A full checkpoint
/// every interval would rewrite the whole table each time (quadratic in its size).
/// </summary>
public static class CheckpointParts
{
    /// <summary>The ranges of the parts of the checkpoint of entry <paramref name="sequence"/>, in order.</summary>
    public static IReadOnlyList<(long First, long Last)> Ranges(long sequence, int interval)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, 1);
        var count = sequence + 1;
        var blocks = count / interval;
        var ranges = new List<(long First, long Last)>();
        var first = 0L;
        for (var bit = 62; bit >= 0; bit--)
        {
            var size = 1L << bit;
            if ((blocks & size) != 0)
            {
                var entries = checked(size * interval);
                ranges.Add((first, first + entries - 1));
                first += entries;
            }
        }

        if (first < count)
        {
            ranges.Add((first, sequence));
        }

        return ranges;
    }

    /// <summary>
    /// Splits a full checkpoint (files inline) into its manifest (files by reference) and the parts to store.
    /// </summary>
    public static (CommitLogCheckpoint Manifest, IReadOnlyList<(CheckpointPart Part, byte[] Content)> Parts) Split(CommitLogCheckpoint full, int interval)
    {
        ArgumentNullException.ThrowIfNull(full);
        var parts = Ranges(full.Sequence, interval).Select(r => BuildPart(full, r.First, r.Last)).ToList();
        return (Manifest(full, [.. parts.Select(p => p.Reference)]), [.. parts.Select(p => (p.Part, p.Content))]);
    }

    /// <summary>The part of a full checkpoint (files inline) holding the files of entries <paramref name="first"/>..<paramref name="last"/>.</summary>
    public static (CheckpointPart Part, byte[] Content, CheckpointPartRef Reference) BuildPart(CommitLogCheckpoint full, long first, long last)
    {
        ArgumentNullException.ThrowIfNull(full);
        if (full.Format != CommitLogCheckpoint.InlineFormat)
        {
            throw new ArgumentException("Only a checkpoint with its files inline can be split.", nameof(full));
        }

        // Files are in entry order: find the first one at or after `first` by binary search, then take the run.
        var files = full.Files;
        int low = 0, high = files.Count;
        while (low < high)
        {
            var mid = (low + high) >>> 1;
            if (files[mid].Sequence < first)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        var slice = new List<CheckpointFile>();
        for (var i = low; i < files.Count && files[i].Sequence <= last; i++)
        {
            slice.Add(files[i]);
        }

        var part = new CheckpointPart(first, last, slice);
        var content = part.ToUtf8Json();
        return (part, content, new CheckpointPartRef(first, last, slice.Count, Convert.ToHexStringLower(SHA256.HashData(content))));
    }

    /// <summary>The manifest of a full checkpoint whose files are in <paramref name="parts"/>.</summary>
    public static CommitLogCheckpoint Manifest(CommitLogCheckpoint full, IReadOnlyList<CheckpointPartRef> parts)
    {
        ArgumentNullException.ThrowIfNull(full);
        return full with { Format = CommitLogCheckpoint.PartsFormat, Files = [], Parts = parts };
    }

    /// <summary>
    /// Puts a manifest's files back from its parts (given in the manifest's order, as read from the store). Throws
    /// <see cref="InvalidDataException"/> when a part is missing, damaged (hash) or does not fit (ranges, counts).
    /// </summary>
    public static CommitLogCheckpoint Assemble(CommitLogCheckpoint manifest, IReadOnlyList<byte[]?> contents)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(contents);
        if (contents.Count != manifest.Parts.Count)
        {
            throw new ArgumentException("One content per part is needed.", nameof(contents));
        }

        var files = new List<CheckpointFile>();
        var next = 0L;
        for (var i = 0; i < manifest.Parts.Count; i++)
        {
            var reference = manifest.Parts[i];
            var content = contents[i] ?? throw new InvalidDataException($"Checkpoint {manifest.Sequence} needs part {reference.First}-{reference.Last}, which does not exist.");
            if (reference.First != next || reference.Last < reference.First || reference.Last > manifest.Sequence)
            {
                throw new InvalidDataException($"Checkpoint {manifest.Sequence} lists part {reference.First}-{reference.Last} where entries from {next} belong.");
            }

            if (!string.Equals(Convert.ToHexStringLower(SHA256.HashData(content)), reference.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"Checkpoint part {reference.First}-{reference.Last} does not match the hash checkpoint {manifest.Sequence} recorded.");
            }

            var part = CheckpointPart.Parse(reference.First, reference.Last, content);
            if (part.Files.Count != reference.FileCount)
            {
                throw new InvalidDataException($"Checkpoint part {reference.First}-{reference.Last} holds {part.Files.Count} files; checkpoint {manifest.Sequence} recorded {reference.FileCount}.");
            }

            files.AddRange(part.Files);
            next = reference.Last + 1;
        }

        if (next != manifest.Sequence + 1)
        {
            throw new InvalidDataException($"The parts of checkpoint {manifest.Sequence} end at entry {next - 1}.");
        }

        return manifest with { Format = CommitLogCheckpoint.InlineFormat, Files = files, Parts = [] };
    }
}
