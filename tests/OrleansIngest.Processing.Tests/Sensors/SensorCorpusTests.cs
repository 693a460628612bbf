using System.Text.RegularExpressions;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;
using static OrleansIngest.Processing.Tests.Sensors.SensorCsvTestSupport;

namespace OrleansIngest.Processing.Tests.Sensors;

/// <summary>
/// The regression corpus (<c>Sensors/Corpus</c>, also the fuzzer's seeds): every valid file reads, every invalid
/// one is rejected with the exact reason listed in <c>invalid/expected-reasons.tsv</c>.
/// </summary>
[Trait("Category", "Unit")]
public sealed class SensorCorpusTests
{
    private static readonly string CorpusDirectory = Path.Combine(AppContext.BaseDirectory, "Sensors", "Corpus");

    public static TheoryData<string> ValidFiles() =>
        [.. Directory.GetFiles(Path.Combine(CorpusDirectory, "valid")).Select(path => Path.GetFileName(path)).Order(StringComparer.Ordinal)];

    public static TheoryData<string, string> InvalidFiles()
    {
        var data = new TheoryData<string, string>();
        foreach (var line in File.ReadLines(Path.Combine(CorpusDirectory, "invalid", "expected-reasons.tsv")))
        {
            if (line.StartsWith('#') || line.Length == 0)
            {
                continue;
            }

            var parts = line.Split('\t');
            data.Add(parts[0], parts[1]);
        }

        return data;
    }

    [Fact]
    public void InvalidCorpus_ListsEveryFileExactlyOnce()
    {
        var listed = InvalidFiles().Select(row => (string)row[0]).Order(StringComparer.Ordinal);
        var present = Directory.GetFiles(Path.Combine(CorpusDirectory, "invalid"))
            .Select(Path.GetFileName)
            .Where(name => name != "expected-reasons.tsv")
            .Order(StringComparer.Ordinal);

        Assert.Equal(present, listed);
    }

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public async Task ValidCorpusFile_ReadsToFiniteWindows(string name)
    {
        var windows = await ReadFileAsync(await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "valid", name)));

        Assert.NotEmpty(windows);
        Assert.All(windows, w =>
        {
            Assert.All(w.Mean, m => Assert.False(double.IsInfinity(m)));
            Assert.All(w.Std, s => Assert.False(double.IsInfinity(s)));
            Assert.All(w.Slope, s => Assert.False(double.IsInfinity(s)));
            for (var c = 0; c < w.ChannelNames.Length; c++)
            {
                // A channel has statistics exactly when some of its values in the window were present.
                Assert.InRange(w.NullCounts[c], 0, w.SampleCount);
                Assert.Equal(w.NullCounts[c] == w.SampleCount, double.IsNaN(w.Mean[c]));
            }
        });
    }

    [Theory]
    [MemberData(nameof(InvalidFiles))]
    public async Task InvalidCorpusFile_IsRejectedWithItsReason(string name, string reason)
    {
        var bytes = await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "invalid", name));

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(bytes));

        var pattern = "^" + string.Join(".*", reason.Split('*').Select(Regex.Escape)) + "$";
        Assert.Matches(pattern, ex.Reason);
        Assert.InRange(ex.Offset, 0, long.MaxValue);
    }

    [Fact]
    public async Task GzipCorpusFiles_ReadLikeTheirPlainText()
    {
        foreach (var plain in new[] { "basic.csv", "basic.jsonl" })
        {
            var expected = await ReadFileAsync(await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "valid", plain)));
            var actual = await ReadFileAsync(await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "valid", plain + ".gz")));

            AssertSameWindows(expected, actual);
        }
    }

    [Fact]
    public async Task JsonLinesNamedCsv_IsReadAsJsonLines()
    {
        var w = Assert.Single(await ReadFileAsync(await File.ReadAllBytesAsync(Path.Combine(CorpusDirectory, "valid", "jsonl-named.csv"))));

        Assert.Equal(["x"], w.ChannelNames);
        Assert.Equal(2.0, w.Mean[0]);
    }
}
