using System.Text;
using OrleansIngest.Processing.Commit;

using static OrleansIngest.Processing.Tests.Commit.LogEntries;

namespace OrleansIngest.Processing.Tests.Commit;

[Trait("Category", "Unit")]
public sealed class CheckpointPartsTests
{
    [Fact]
    public void Ranges_SplitWholeIntervalsByTheirBinaryDigitsAndKeepTheRemainder()
    {
        Assert.Equal([(0L, 3_999L), (4_000L, 5_999L)], CheckpointParts.Ranges(5_999, 1_000));
        Assert.Equal([(0L, 3_999L), (4_000L, 5_999L), (6_000L, 6_999L)], CheckpointParts.Ranges(6_999, 1_000));
        Assert.Equal([(0L, 7_999L)], CheckpointParts.Ranges(7_999, 1_000));
        Assert.Equal([(0L, 3_999L), (4_000L, 5_999L), (6_000L, 6_999L), (7_000L, 7_049L)], CheckpointParts.Ranges(7_049, 1_000));
        Assert.Equal([(0L, 41L)], CheckpointParts.Ranges(41, 1_000));
    }

    [Fact]
    public void Ranges_OfSuccessiveCheckpointsRewriteEachEntryAboutLog2TimesNotOncePerCheckpoint()
    {
        const int Interval = 10;
        const int Checkpoints = 1_024;
        var stored = new HashSet<(long, long)>();
        long written = 0, fullRewrite = 0;
        var mostParts = 0;
        for (var k = 1; k <= Checkpoints; k++)
        {
            var ranges = CheckpointParts.Ranges((k * Interval) - 1, Interval);
            mostParts = Math.Max(mostParts, ranges.Count);
            written += ranges.Where(stored.Add).Sum(r => r.Last - r.First + 1);
            fullRewrite += k * Interval;
        }

        // log₂(1024) = 10: every entry is written at most 11 times, against 1024 - k times by full checkpoints.
        Assert.True(written <= (long)Checkpoints * Interval * 11, $"{written} entries written");
        Assert.True(written * 40 < fullRewrite, $"{written} against {fullRewrite}");
        Assert.True(mostParts <= 11, $"{mostParts} parts");
    }

    [Fact]
    public void SplitThenAssemble_GivesBackTheFullCheckpoint()
    {
        var state = Fold(Enumerable.Range(0, 37).Select(i => i % 5 == 4 ? Quarantined(i, $"q{i}") : Committed(i, $"f{i}", $"u{i}", $"v{i}")));
        var full = state.ToCheckpoint();

        var (manifest, parts) = CheckpointParts.Split(full, interval: 4);
        var assembled = CheckpointParts.Assemble(CommitLogCheckpoint.Parse(manifest.Sequence, manifest.ToUtf8Json()), [.. parts.Select(p => p.Content)]);

        Assert.Equal(CommitLogCheckpoint.PartsFormat, manifest.Format);
        Assert.Empty(manifest.Files);
        Assert.Equal([(0L, 31L), (32L, 35L), (36L, 36L)], manifest.Parts.Select(p => (p.First, p.Last)));
        Assert.Equal(Encoding.UTF8.GetString(full.ToUtf8Json()), Encoding.UTF8.GetString(assembled.ToUtf8Json()));
    }

    [Fact]
    public void Assemble_RefusesAMissingPartADamagedPartAndAGap()
    {
        var state = Fold(Enumerable.Range(0, 10).Select(i => Committed(i, $"f{i}", $"u{i}")));
        var (manifest, parts) = CheckpointParts.Split(state.ToCheckpoint(), interval: 4);
        var contents = parts.Select(p => p.Content).ToArray();
        var damaged = (byte[])contents[1].Clone();
        damaged[^3] ^= 1;

        var missing = Assert.Throws<InvalidDataException>(() => CheckpointParts.Assemble(manifest, [contents[0], null]));
        var hash = Assert.Throws<InvalidDataException>(() => CheckpointParts.Assemble(manifest, [contents[0], damaged]));
        var gap = Assert.Throws<InvalidDataException>(() => CheckpointParts.Assemble(
            manifest with { Parts = [manifest.Parts[0], manifest.Parts[1] with { First = 9 }] }, contents));

        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
        Assert.Contains("hash", hash.Message, StringComparison.Ordinal);
        Assert.Contains("where entries from 8 belong", gap.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_RefusesAPartsManifestWithoutPartsOrWithInlineFiles()
    {
        var state = Fold([Committed(0, "f0", "a")]);
        var full = state.ToCheckpoint();
        var (manifest, _) = CheckpointParts.Split(full, interval: 4);

        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(0, (manifest with { Parts = [] }).ToUtf8Json()));
        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(0, (manifest with { Files = full.Files }).ToUtf8Json()));
        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(0, (full with { Parts = manifest.Parts }).ToUtf8Json()));
    }

    [Fact]
    public void PartParse_RefusesAFileOutsideItsRange()
    {
        var part = new CheckpointPart(4, 7, [new CheckpointFile(9, "f9", 2, 10, [new LoggedUnit("u", "file:///u", "\"e\"", 10, 2, 0.5)])]);

        var ex = Assert.Throws<InvalidDataException>(() => CheckpointPart.Parse(4, 7, part.ToUtf8Json()));

        Assert.Contains("outside its range", ex.Message, StringComparison.Ordinal);
    }
}
