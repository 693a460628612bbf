using System.Globalization;
using System.Numerics;
using System.Text.Json;
using CsCheck;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Processing.Tests.Events;

/// <summary>
/// Event Grid's delivery, simulated: every version of every blob is sent 1–3 times, each copy is lost with 5%
/// probability, blobs are overwritten up to 4 times, deletions are mixed in, everything is shuffled and cut into
/// batches. Whatever the order, the deduplicator must produce exactly the versions the policy asks for.
/// </summary>
[Trait("Category", "Unit")]
public sealed class BlobEventDeduplicatorPropertyTests
{
    private const long Iterations = 400;

    private static readonly Gen<Scenario> Scenarios = Gen.Select(Gen.Int, Gen.Int[1, 20], Gen.Int[1, 4], Gen.Int[1, 6], Scenario.Build);

    [Fact]
    public void All_ProducesEveryDeliveredVersionExactlyOnce()
    {
        Scenarios.Sample(
            scenario =>
            {
                var deduplicator = new BlobEventDeduplicator(VersionPolicy.All);
                var produced = scenario.Batches.SelectMany(batch => deduplicator.ObserveBatch(batch).NewVersions).Select(Key).ToList();

                Assert.Equal(produced.Count, produced.Distinct().Count());
                Assert.Equal(scenario.DeliveredVersions.OrderBy(k => k), produced.Order());
            },
            iter: Iterations,
            print: scenario => scenario.ToString());
    }

    [Fact]
    public void Latest_ProducesTheLastDeliveredVersionPerUrlAndNeverGoesBack()
    {
        Scenarios.Sample(
            scenario =>
            {
                var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
                var current = new Dictionary<string, BlobEvent>(StringComparer.Ordinal);
                foreach (var batch in scenario.Batches)
                {
                    var result = deduplicator.ObserveBatch(batch);
                    foreach (var old in result.Superseded)
                    {
                        Assert.Equal(old.ETag, current[old.Url].ETag);
                        current.Remove(old.Url);
                    }

                    foreach (var produced in result.NewVersions)
                    {
                        Assert.False(current.ContainsKey(produced.Url), $"{produced.Url} produced twice without superseding");
                        current[produced.Url] = produced;
                    }

                    Assert.Equal(result.NewVersions.Count, result.NewVersions.Select(e => e.Url).Distinct().Count());
                }

                Assert.Equal(scenario.LatestDelivered.OrderBy(k => k), current.Values.Select(Key).Order());
            },
            iter: Iterations,
            print: scenario => scenario.ToString());
    }

    [Fact]
    public void Latest_NeverProducesAVersionOlderThanOneAlreadyProduced()
    {
        Scenarios.Sample(
            scenario =>
            {
                var deduplicator = new BlobEventDeduplicator(VersionPolicy.Latest);
                var newest = new Dictionary<string, BigInteger>(StringComparer.Ordinal);
                foreach (var produced in scenario.Batches.SelectMany(batch => deduplicator.ObserveBatch(batch).NewVersions))
                {
                    // An independent oracle: the sequencer's numeric value, not the comparer under test.
                    var value = BigInteger.Parse("0" + produced.Sequencer, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                    if (newest.TryGetValue(produced.Url, out var before))
                    {
                        Assert.True(value > before, $"{produced.Url}: {value} after {before}");
                    }

                    newest[produced.Url] = value;
                }
            },
            iter: Iterations,
            print: scenario => scenario.ToString());
    }

    [Fact]
    public void SnapshotAndRestoreBetweenBatches_ChangesNoDecision()
    {
        Scenarios.Sample(
            scenario =>
            {
                foreach (var policy in new[] { VersionPolicy.All, VersionPolicy.Latest })
                {
                    var uninterrupted = new BlobEventDeduplicator(policy);
                    var restarted = new BlobEventDeduplicator(policy);
                    foreach (var batch in scenario.Batches)
                    {
                        var expected = uninterrupted.ObserveBatch(batch);
                        var json = JsonSerializer.Serialize(restarted.CreateSnapshot());
                        restarted = BlobEventDeduplicator.Restore(JsonSerializer.Deserialize<BlobEventDeduplicatorSnapshot>(json)!);
                        var actual = restarted.ObserveBatch(batch);

                        Assert.Equal(expected.Decisions.Select(d => d.Outcome), actual.Decisions.Select(d => d.Outcome));
                        Assert.Equal(expected.NewVersions, actual.NewVersions);
                        Assert.Equal(expected.Superseded, actual.Superseded);
                    }
                }
            },
            iter: Iterations / 4,
            print: scenario => scenario.ToString());
    }

    [Fact]
    public void Eviction_NeverLosesADeliveredVersion()
    {
        Gen.Select(Scenarios, Gen.Int[1, 5]).Sample(
            (scenario, capacity) =>
            {
                var all = new BlobEventDeduplicator(VersionPolicy.All, capacity);
                var latest = new BlobEventDeduplicator(VersionPolicy.Latest, capacity);
                var producedAll = new HashSet<string>(StringComparer.Ordinal);
                var producedLatest = new HashSet<string>(StringComparer.Ordinal);
                foreach (var batch in scenario.Batches)
                {
                    producedAll.UnionWith(all.ObserveBatch(batch).NewVersions.Select(Key));
                    producedLatest.UnionWith(latest.ObserveBatch(batch).NewVersions.Select(Key));
                    Assert.True(all.Count <= capacity && latest.Count <= capacity);
                }

                // Forgetting may produce a version again (the unit id collapses it downstream), never lose one.
                Assert.Subset(producedAll, scenario.DeliveredVersions.ToHashSet(StringComparer.Ordinal));
                Assert.Subset(producedLatest, scenario.LatestDelivered.ToHashSet(StringComparer.Ordinal));
            },
            iter: Iterations,
            print: t => $"{t.Item1} capacity={t.Item2}");
    }

    private static string Key(BlobEvent blobEvent) => $"{blobEvent.Url} {blobEvent.ETag}";

    /// <summary>One simulated delivery history and what it should produce.</summary>
    private sealed record Scenario(
        int Seed, int Urls, IReadOnlyList<IReadOnlyList<BlobEvent>> Batches, IReadOnlyList<string> DeliveredVersions, IReadOnlyList<string> LatestDelivered)
    {
        private const double LossRate = 0.05;

        public static Scenario Build(int seed, int urls, int maxVersions, int batchCount)
        {
            var random = new Random(seed);
            var deliveries = new List<BlobEvent>();
            var delivered = new List<string>();
            var latest = new List<string>();
            for (var u = 0; u < urls; u++)
            {
                var url = $"https://acct.blob.core.windows.net/c/blob-{u}.wav";
                var sequencer = random.NextInt64(1, 1L << 40);
                string? newest = null;
                var versions = random.Next(1, maxVersions + 1);
                for (var v = 0; v < versions; v++)
                {
                    sequencer += random.Next(1, 1_000);
                    var eTag = string.Create(CultureInfo.InvariantCulture, $"0x8DC{u:X4}{v:X4}");
                    var copies = random.Next(1, 4);
                    var arrived = false;
                    for (var c = 0; c < copies; c++)
                    {
                        if (random.NextDouble() < LossRate)
                        {
                            continue;
                        }

                        arrived = true;
                        // Azure's examples carry 32- and 48-digit sequencers: mix widths so that padding matters.
                        deliveries.Add(new BlobEvent($"{u}-{v}-{c}", BlobEventKind.Created, url, eTag, 1_000 + v, Hex(sequencer, random), DateTimeOffset.UnixEpoch));
                    }

                    if (arrived)
                    {
                        delivered.Add($"{url} {eTag}");
                        newest = $"{url} {eTag}";
                    }
                }

                if (newest is not null)
                {
                    latest.Add(newest);
                }

                if (random.NextDouble() < 0.2)
                {
                    deliveries.Add(new BlobEvent($"{u}-deleted", BlobEventKind.Deleted, url, null, null, Hex(sequencer + 1, random), DateTimeOffset.UnixEpoch));
                }
            }

            random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(deliveries));
            return new Scenario(seed, urls, Cut(deliveries, batchCount, random), delivered, latest);
        }

        public override string ToString() => $"seed={Seed} urls={Urls} events={Batches.Sum(b => b.Count)} batches={Batches.Count}";

        private static string Hex(long value, Random random) =>
            value.ToString(random.Next(2) == 0 ? "x32" : "x48", CultureInfo.InvariantCulture);

        private static List<IReadOnlyList<BlobEvent>> Cut(List<BlobEvent> deliveries, int batchCount, Random random)
        {
            var cuts = Enumerable.Range(0, batchCount - 1).Select(_ => random.Next(deliveries.Count + 1)).Append(0).Append(deliveries.Count).Distinct().Order().ToList();
            return [.. cuts.Zip(cuts.Skip(1), (from, to) => (IReadOnlyList<BlobEvent>)deliveries[from..to])];
        }
    }
}
