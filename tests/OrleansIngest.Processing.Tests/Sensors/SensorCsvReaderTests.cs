using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;
using static OrleansIngest.Processing.Tests.Sensors.SensorCsvTestSupport;

namespace OrleansIngest.Processing.Tests.Sensors;

[Trait("Category", "Unit")]
public sealed class SensorCsvReaderTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public async Task Statistics_MatchHandComputedValues()
    {
        // a: 1,2,4,5 at t=0,2,4,6 -> mean 3, squared deviations 4+1+1+4 = 10 -> var 2.5;
        //    slope = sum(dt*dx)/sum(dt^2) = (6+1+1+6)/(9+1+1+9) = 0.7.
        // b: 10,_,30,20 at t=0,4,6 -> mean 20, squared deviations 100+100+0 -> var 200/3;
        //    mean t = 10/3, sum(dt*dx) = 100/3 + 20/3 = 40, sum(dt^2) = (100+4+64)/9 -> slope 360/168.
        const string Csv = "timestamp,a,b\n0,1,10\n2,2,\n4,4,30\n6,5,20\n";

        var windows = await ReadAsync(Csv);

        var w = Assert.Single(windows);
        Assert.Null(w.SensorId);
        Assert.Equal(0, w.WindowIndex);
        Assert.Equal(DateTimeOffset.UnixEpoch, w.Start);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(10), w.End);
        Assert.Equal(4, w.SampleCount);
        Assert.Equal(["a", "b"], w.ChannelNames);
        Assert.Equal([0, 1], w.NullCounts);
        Assert.Equal(3.0, w.Mean[0], Tolerance);
        Assert.Equal(Math.Sqrt(2.5), w.Std[0], Tolerance);
        Assert.Equal(1.0, w.Min[0]);
        Assert.Equal(5.0, w.Max[0]);
        Assert.Equal(0.7, w.Slope[0], Tolerance);
        Assert.Equal(20.0, w.Mean[1], Tolerance);
        Assert.Equal(Math.Sqrt(200.0 / 3.0), w.Std[1], Tolerance);
        Assert.Equal(10.0, w.Min[1]);
        Assert.Equal(30.0, w.Max[1]);
        Assert.Equal(360.0 / 168.0, w.Slope[1], Tolerance);
        Assert.Equal(TimeSpan.Zero, w.Start.Offset);
    }

    [Fact]
    public async Task Statistics_StayAccurateForLargeOffsets()
    {
        // Naive sum-of-squares would cancel catastrophically here; Welford keeps the exact variance 2/3.
        const string Csv = "timestamp,x\n0,1000000000.0\n1,1000000001.0\n2,1000000002.0\n";

        var w = Assert.Single(await ReadAsync(Csv));

        Assert.Equal(1000000001.0, w.Mean[0], 1e-6);
        Assert.Equal(Math.Sqrt(2.0 / 3.0), w.Std[0], 1e-9);
        Assert.Equal(1.0, w.Slope[0], 1e-9);
    }

    [Fact]
    public async Task Windows_SampleExactlyAtWindowEndGoesToNextWindow()
    {
        const string Csv = "timestamp,x\n100,1\n105,2\n110,3\n119.9999999,4\n120,5\n";

        var windows = await ReadAsync(Csv);

        Assert.Equal([0, 1, 2], windows.Select(w => w.WindowIndex));
        Assert.Equal([2, 2, 1], windows.Select(w => w.SampleCount));
        Assert.Equal([1.5, 3.5, 5.0], windows.Select(w => w.Mean[0]));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(110), windows[1].Start);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(120), windows[1].End);
    }

    [Fact]
    public async Task Windows_AlignToTheFirstTimestampNotToTheClock()
    {
        const string Csv = "timestamp,x\n3.5,1\n13.4,2\n13.5,3\n";

        var windows = await ReadAsync(Csv);

        Assert.Equal(2, windows.Count);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(3.5), windows[0].Start);
        Assert.Equal(2, windows[0].SampleCount);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(13.5), windows[1].Start);
    }

    [Fact]
    public async Task Windows_UseTheConfiguredLength()
    {
        var settings = SensorWindowSettings.Default with { WindowLength = TimeSpan.FromSeconds(2) };

        var windows = await ReadAsync("timestamp,x\n0,1\n1,2\n2,3\n5,4\n", settings);

        Assert.Equal([0, 1, 2], windows.Select(w => w.WindowIndex));
        Assert.Equal(windows[2].Start.AddSeconds(2), windows[2].End);
    }

    [Fact]
    public async Task Windows_WithoutRowsAreNotEmittedButIndicesShowTheGap()
    {
        var windows = await ReadAsync("timestamp,x\n0,1\n35,2\n");

        Assert.Equal([0, 3], windows.Select(w => w.WindowIndex));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(30), windows[1].Start);
    }

    [Theory]
    [InlineData("2024-03-01T12:00:00", "2024-03-01T12:00:00+00:00")]
    [InlineData("2024-03-01T12:00:00Z", "2024-03-01T12:00:00+00:00")]
    [InlineData("2024-03-01T12:00:00+02:00", "2024-03-01T10:00:00+00:00")]
    [InlineData("2024-03-01T12:00:00-05:30", "2024-03-01T17:30:00+00:00")]
    [InlineData("2024-03-01T12:00:00+0200", "2024-03-01T10:00:00+00:00")]
    [InlineData("2024-03-01 12:00:00.25", "2024-03-01T12:00:00.25+00:00")]
    [InlineData("2024-03-01T12:00:00.123456789Z", "2024-03-01T12:00:00.1234567+00:00")]
    [InlineData("2024-03-01T12:00", "2024-03-01T12:00:00+00:00")]
    [InlineData("1709294400", "2024-03-01T12:00:00+00:00")]
    [InlineData("1709294400.5", "2024-03-01T12:00:00.5+00:00")]
    [InlineData("1709294400.0000001", "2024-03-01T12:00:00.0000001+00:00")]
    [InlineData("-1.5", "1969-12-31T23:59:58.5+00:00")]
    public async Task Timestamps_ParseIsoAndEpochSecondsToUtc(string cell, string expectedUtc)
    {
        var expected = DateTimeOffset.Parse(expectedUtc, CultureInfo.InvariantCulture);

        var w = Assert.Single(await ReadAsync($"timestamp,x\n{cell},1\n"));

        Assert.Equal(expected.UtcTicks, w.Start.UtcTicks);
        Assert.Equal(TimeSpan.Zero, w.Start.Offset);
    }

    [Fact]
    public async Task Timestamps_IsoWithOffsetsAndEpochGiveTheSameWindows()
    {
        const string Iso = "timestamp,x\n2024-03-01T14:00:00+02:00,1\n2024-03-01T12:00:09Z,2\n2024-03-01T07:00:10-05:00,3\n";
        const string Epoch = "timestamp,x\n1709294400,1\n1709294409,2\n1709294410,3\n";

        var iso = await ReadAsync(Iso);
        var epoch = await ReadAsync(Epoch);

        Assert.Equal(2, iso.Count);
        Assert.Equal(epoch.Select(w => (w.Start, w.SampleCount, w.Mean[0])), iso.Select(w => (w.Start, w.SampleCount, w.Mean[0])));
    }

    [Theory]
    [InlineData(";")]
    [InlineData("\t")]
    [InlineData(",")]
    public async Task Delimiters_AreDetectedFromTheHeader(string delimiter)
    {
        var csv = "timestamp,co2,voc\n0,400,1.5\n1,410,2.5\n".Replace(",", delimiter, StringComparison.Ordinal);

        var w = Assert.Single(await ReadAsync(csv));

        Assert.Equal(["co2", "voc"], w.ChannelNames);
        Assert.Equal([405.0, 2.0], w.Mean);
    }

    [Fact]
    public async Task Delimiters_SemicolonFilesMayUseADecimalComma()
    {
        var w = Assert.Single(await ReadAsync("timestamp;temp\n0;21,5\n1;22,5\n"));

        Assert.Equal(22.0, w.Mean[0]);
    }

    [Theory]
    [InlineData("timestamp")]
    [InlineData("TimeStamp")]
    [InlineData("ts")]
    public async Task Header_NamesTheTimestampColumnTimestampOrTs(string name)
    {
        var w = Assert.Single(await ReadAsync($"x,{name}\n1,0\n3,1\n"));

        Assert.Equal(["x"], w.ChannelNames);
        Assert.Equal(2.0, w.Mean[0]);
    }

    [Fact]
    public async Task Cells_MayBeQuotedAndPadded()
    {
        var w = Assert.Single(await ReadAsync("\"timestamp\", \"co;2\"\n\"0\", \"1\"\n 1 ,3 \n"));

        Assert.Equal(["co;2"], w.ChannelNames);
        Assert.Equal(2.0, w.Mean[0]);
    }

    [Fact]
    public async Task MissingValues_AreCountedPerChannelAndExcluded()
    {
        const string Csv = "timestamp,a,b,c\n0,1,,\n1,NaN,2,\n2,3,NA,null\n3,,4,\n";

        var w = Assert.Single(await ReadAsync(Csv));

        Assert.Equal(4, w.SampleCount);
        Assert.Equal([2, 2, 4], w.NullCounts);
        Assert.Equal(2.0, w.Mean[0]);
        Assert.Equal(1.0, w.Std[0]);
        Assert.Equal(3.0, w.Mean[1]);
        Assert.Equal(2.0, w.Min[1]);
        Assert.Equal(4.0, w.Max[1]);
        Assert.True(double.IsNaN(w.Mean[2]));
        Assert.True(double.IsNaN(w.Std[2]));
        Assert.True(double.IsNaN(w.Min[2]));
        Assert.True(double.IsNaN(w.Max[2]));
        Assert.True(double.IsNaN(w.Slope[2]));
    }

    [Fact]
    public async Task SensorIdColumn_SplitsTheSeriesWithOwnAlignment()
    {
        const string Csv = "sensor_id,timestamp,co2\nA,0,1\nB,5,10\nA,9,3\nB,14,30\nA,10,5\nB,15,50\n";

        var windows = await ReadAsync(Csv);

        var a = windows.Where(w => w.SensorId == "A").ToList();
        var b = windows.Where(w => w.SensorId == "B").ToList();
        Assert.Equal(4, windows.Count);
        Assert.Equal([0, 1], a.Select(w => w.WindowIndex));
        Assert.Equal([2.0, 5.0], a.Select(w => w.Mean[0]));
        Assert.Equal([0, 1], b.Select(w => w.WindowIndex));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(5), b[0].Start);
        Assert.Equal([20.0, 50.0], b.Select(w => w.Mean[0]));
        Assert.All(windows, w => Assert.Equal(["co2"], w.ChannelNames));
    }

    [Fact]
    public async Task UnsortedInput_GivesTheSameWindowsAsSorted()
    {
        var random = new Random(1234);
        var rows = new List<string>();
        foreach (var sensor in new[] { "s1", "s2", "s3" })
        {
            var t = random.NextDouble() * 10;
            for (var i = 0; i < 400; i++)
            {
                t += random.NextDouble() * 0.7;
                var missing = random.Next(10) == 0 ? string.Empty : (random.NextDouble() * 100).ToString("R", CultureInfo.InvariantCulture);
                rows.Add(FormattableString.Invariant($"{sensor},{1700000000 + t:F3},{random.NextDouble():R},{missing}"));
            }
        }

        const string Header = "sensor_id,timestamp,x,y\n";
        var sorted = await ReadAsync(Header + string.Join('\n', rows));
        var shuffled = rows.ToArray();
        random.Shuffle(shuffled);
        var unsorted = await ReadAsync(Header + string.Join('\n', shuffled));

        static IEnumerable<SensorWindow> Ordered(List<SensorWindow> ws) => ws.OrderBy(w => w.SensorId, StringComparer.Ordinal).ThenBy(w => w.WindowIndex);
        var expected = Ordered(sorted).ToList();
        var actual = Ordered(unsorted).ToList();
        Assert.True(expected.Count > 30);
        Assert.Equal(expected.Count, actual.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((expected[i].SensorId, expected[i].WindowIndex, expected[i].Start, expected[i].SampleCount), (actual[i].SensorId, actual[i].WindowIndex, actual[i].Start, actual[i].SampleCount));
            Assert.Equal(expected[i].NullCounts, actual[i].NullCounts);
            for (var c = 0; c < 2; c++)
            {
                Assert.Equal(expected[i].Mean[c], actual[i].Mean[c], 1e-9);
                Assert.Equal(expected[i].Std[c], actual[i].Std[c], 1e-9);
                Assert.Equal(expected[i].Min[c], actual[i].Min[c]);
                Assert.Equal(expected[i].Max[c], actual[i].Max[c]);
                Assert.Equal(expected[i].Slope[c], actual[i].Slope[c], 1e-6);
            }
        }
    }

    [Fact]
    public async Task UnsortedInput_AlignsWindowsToTheMinimumTimestampEvenWhenItComesLast()
    {
        var windows = await ReadAsync("timestamp,x\n20,3\n12,2\n5,1\n");

        Assert.Equal([0, 1], windows.Select(w => w.WindowIndex));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(5), windows[0].Start);
        Assert.Equal([1.5, 3.0], windows.Select(w => w.Mean[0]));
    }

    [Fact]
    public async Task SortedInput_StreamsWindowsBeforeTheFileIsRead()
    {
        var csv = new StringBuilder("timestamp,x\n");
        for (var t = 0; t < 50_000; t++)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{t},{t % 7}\n");
        }

        var bytes = Encoding.UTF8.GetBytes(csv.ToString());
        var opened = new List<TrickleStream>();
        ValueTask<Stream> Open(CancellationToken _)
        {
            var stream = new TrickleStream(bytes, 4096);
            opened.Add(stream);
            return ValueTask.FromResult<Stream>(stream);
        }

        var count = 0;
        await foreach (var window in SensorCsvReader.ReadWindowsAsync(Open, SourceUri, SensorWindowSettings.Default))
        {
            if (count++ == 0)
            {
                Assert.Equal(2, opened.Count);
                Assert.Equal(bytes.Length, opened[0].BytesRead);
                Assert.True(opened[1].BytesRead < bytes.Length / 10, $"read {opened[1].BytesRead} of {bytes.Length} bytes before the first window");
            }
        }

        Assert.Equal(5000, count);
    }

    [Fact]
    public async Task AssumeSorted_ReadsANonSeekableStreamOnce()
    {
        var bytes = Encoding.UTF8.GetBytes("timestamp,x\n0,1\n3,2\n1,5\n12,3\n");
        var stream = new TrickleStream(bytes, 3, canSeek: false);
        var windows = new List<SensorWindow>();

        await foreach (var w in SensorCsvReader.ReadWindowsAsync(stream, SourceUri, SensorWindowSettings.Default with { AssumeSorted = true }))
        {
            windows.Add(w);
        }

        Assert.Equal(bytes.Length, stream.BytesRead);
        Assert.Equal([3, 1], windows.Select(w => w.SampleCount));
        Assert.Equal(8.0 / 3.0, windows[0].Mean[0], Tolerance);
    }

    [Fact]
    public async Task AssumeSorted_RejectsARowBeforeAnEmittedWindowNamingTheLine()
    {
        var settings = SensorWindowSettings.Default with { AssumeSorted = true };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,x\n10,1\n25,2\n12,3\n", settings));

        Assert.StartsWith("line 4: ", ex.Reason, StringComparison.Ordinal);
        Assert.Contains("out of time order", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void NonSeekableStream_WithoutAssumeSortedIsRejectedUpFront()
    {
        var stream = new TrickleStream([], 1, canSeek: false);

        Assert.Throws<ArgumentException>(() => SensorCsvReader.ReadWindowsAsync(stream, SourceUri, SensorWindowSettings.Default));
    }

    [Fact]
    public async Task SeekableStream_IsReadFromItsStartingPosition()
    {
        var prefix = Encoding.UTF8.GetBytes("garbage that is not part of the CSV\n");
        var body = Encoding.UTF8.GetBytes("timestamp,x\n0,1\n20,2\n5,4\n");
        using var stream = new MemoryStream([.. prefix, .. body]);
        stream.Position = prefix.Length;
        var windows = new List<SensorWindow>();

        await foreach (var w in SensorCsvReader.ReadWindowsAsync(stream, SourceUri, SensorWindowSettings.Default))
        {
            windows.Add(w);
        }

        Assert.Equal([2, 1], windows.Select(w => w.SampleCount));
    }

    [Fact]
    public async Task Reader_HandlesOneByteReadsCrLfBomAndBlankLines()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes("timestamp,x\r\n\r\n0,1\r\n1,3\r\n\r\n")).ToArray();
        using var stream = new TrickleStream(bytes, 1);
        var windows = new List<SensorWindow>();

        await foreach (var w in SensorCsvReader.ReadWindowsAsync(stream, SourceUri, SensorWindowSettings.Default))
        {
            windows.Add(w);
        }

        var window = Assert.Single(windows);
        Assert.Equal(["x"], window.ChannelNames);
        Assert.Equal(2.0, window.Mean[0]);
    }

    [Fact]
    public async Task SourceThatChangesBetweenPasses_IsAnIoErrorNotBadMedia()
    {
        var versions = new Queue<string>(["timestamp,x\n0,1\n1,2\n", "timestamp,x\n0,1\n1,2\n2,3\n"]);
        ValueTask<Stream> Open(CancellationToken _) => ValueTask.FromResult<Stream>(new MemoryStream(Encoding.UTF8.GetBytes(versions.Dequeue())));

        await Assert.ThrowsAsync<IOException>(async () =>
        {
            await foreach (var unused in SensorCsvReader.ReadWindowsAsync(Open, SourceUri, SensorWindowSettings.Default))
            {
            }
        });
    }

    [Fact]
    public async Task Cancellation_StopsTheReadAtTheNextBlock()
    {
        using var cts = new CancellationTokenSource();
        var bytes = Encoding.UTF8.GetBytes("timestamp,x\n" + string.Concat(Enumerable.Range(0, 10_000).Select(t => $"{t},1\n")));
        using var stream = new TrickleStream(bytes, 512);
        var seen = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var unused in SensorCsvReader.ReadWindowsAsync(stream, SourceUri, SensorWindowSettings.Default with { AssumeSorted = true }, cts.Token))
            {
                if (++seen == 3)
                {
                    // Checked once per block read, so the windows already parsed from this block still arrive.
                    await cts.CancelAsync();
                }
            }
        });

        Assert.InRange(seen, 3, 20);
        Assert.True(stream.BytesRead < 2048, $"read {stream.BytesRead} bytes after cancellation");
    }
}
