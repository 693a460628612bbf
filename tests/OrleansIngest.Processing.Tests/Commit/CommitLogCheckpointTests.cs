using System.Text;
using OrleansIngest.Processing.Commit;

using static OrleansIngest.Processing.Tests.Commit.LogEntries;

namespace OrleansIngest.Processing.Tests.Commit;

[Trait("Category", "Unit")]
public sealed class CommitLogCheckpointTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void RoundTrip_StateFromCheckpointThenTailEqualsFullFold(int seed)
    {
        // Property: cut a random log at every point; checkpoint the prefix (through JSON), apply the tail, and the
        // result equals folding every entry.
        var entries = RandomEntries(new Random(seed), 60);
        var full = Fold(entries);
        for (var cut = 1; cut < entries.Count; cut += 7)
        {
            var prefix = Fold(entries.Take(cut));
            var json = prefix.ToCheckpoint().ToUtf8Json();
            var restored = CommitLogState.FromCheckpoint(CommitLogCheckpoint.Parse(cut - 1, json));
            foreach (var entry in entries.Skip(cut))
            {
                restored.Apply(entry);
            }

            Assert.Equal(Text(full), Text(restored));
            Assert.Equal(full.NextSequence, restored.NextSequence);
            Assert.All(AllUnitIds(entries), id => Assert.Equal((full.IsCommitted(id), full.IsQuarantined(id)), (restored.IsCommitted(id), restored.IsQuarantined(id))));
        }
    }

    [Fact]
    public void ToCheckpoint_IsTheSameBytesWhateverOrderUnitsWereQuarantinedIn()
    {
        var a = new CommitLogState();
        a.Apply(Quarantined(0, "x", "y"));
        var b = new CommitLogState();
        b.Apply(Quarantined(0, "y", "x"));

        Assert.Equal(a.ToCheckpoint().ToUtf8Json(), b.ToCheckpoint().ToUtf8Json());
    }

    [Fact]
    public void ToCheckpoint_RecordsTheLastEntryAndTotals()
    {
        var state = new CommitLogState();
        state.Apply(Committed(0, "f0", "a", "b"));
        state.Apply(Quarantined(1, "c"));

        var checkpoint = state.ToCheckpoint();

        Assert.Equal(1, checkpoint.Sequence);
        Assert.Equal(CommitLogCheckpoint.InlineFormat, checkpoint.Format);
        Assert.Equal(2, checkpoint.CommittedUnitCount);
        Assert.Equal(4, checkpoint.RowCount);
        Assert.Equal(0, Assert.Single(checkpoint.Files).Sequence);
        Assert.Equal("c", Assert.Single(checkpoint.Quarantined).UnitId);
        Assert.Equal(Start.AddSeconds(1), checkpoint.LastCommitAt);
    }

    [Fact]
    public void ToCheckpoint_RefusesAnEmptyLog() =>
        Assert.Throws<InvalidOperationException>(() => new CommitLogState().ToCheckpoint());

    [Fact]
    public void FromCheckpoint_RejectsTotalsThatDoNotAddUp()
    {
        var state = new CommitLogState();
        state.Apply(Committed(0, "f0", "a"));
        var checkpoint = state.ToCheckpoint();

        Assert.Throws<InvalidDataException>(() => CommitLogState.FromCheckpoint(checkpoint with { ByteCount = 1 }));
        Assert.Throws<InvalidDataException>(() => CommitLogState.FromCheckpoint(checkpoint with { CommittedUnitCount = 5 }));
    }

    [Fact]
    public void FromCheckpoint_RejectsAUnitBothCommittedAndQuarantined()
    {
        var state = new CommitLogState();
        state.Apply(Committed(0, "f0", "a"));
        var checkpoint = state.ToCheckpoint() with { Quarantined = [new QuarantinedUnit("a", "file:///a", "e", "bad")] };

        Assert.Throws<InvalidDataException>(() => CommitLogState.FromCheckpoint(checkpoint));
    }

    [Fact]
    public void FromCheckpoint_RejectsAFileLoggedAfterTheCheckpoint()
    {
        var state = new CommitLogState();
        state.Apply(Committed(0, "f0", "a"));
        var checkpoint = state.ToCheckpoint();

        Assert.Throws<InvalidDataException>(() => CommitLogState.FromCheckpoint(checkpoint with { Files = [checkpoint.Files[0] with { Sequence = 3 }] }));
    }

    [Fact]
    public void Parse_RejectsAnotherSequenceAnUnknownFormatAndMissingLists()
    {
        var state = new CommitLogState();
        state.Apply(Committed(0, "f0", "a"));
        var json = state.ToCheckpoint().ToUtf8Json();

        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(1, json));
        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(0, (state.ToCheckpoint() with { Format = 2 }).ToUtf8Json()));
        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(0, "{\"format\":1,\"sequence\":0,\"files\":null}"u8));
        Assert.Throws<InvalidDataException>(() => CommitLogCheckpoint.Parse(0, json.AsSpan(0, json.Length - 3)));
    }

    private static List<CommitLogEntry> RandomEntries(Random random, int count)
    {
        var entries = new List<CommitLogEntry>();
        for (var sequence = 0; sequence < count; sequence++)
        {
            var units = Enumerable.Range(0, random.Next(1, 4)).Select(_ => $"u{random.Next(0, 25)}").Distinct().ToArray();
            entries.Add(random.Next(0, 4) switch
            {
                // Commits may repeat a unit: a reader keeps the first file, as the log's readers must.
                0 or 1 => Committed(sequence, $"f{sequence}", units),
                2 => Quarantined(sequence, units),
                _ => new CommitLogEntry { Sequence = sequence, CommittedAt = Start.AddSeconds(sequence), Retried = units },
            });
        }

        return entries;
    }

    // The canonical form of a state: its checkpoint, which covers files, quarantine, totals and last time.
    private static string Text(CommitLogState state) => Encoding.UTF8.GetString(state.ToCheckpoint().ToUtf8Json());

    private static IEnumerable<string> AllUnitIds(IEnumerable<CommitLogEntry> entries) =>
        entries.SelectMany(e => e.Files.SelectMany(f => f.Units.Select(u => u.UnitId)).Concat(e.Quarantined.Select(q => q.UnitId)).Concat(e.Retried)).Distinct();
}
