using System.IO.Compression;
using System.Text;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;
using static OrleansIngest.Processing.Tests.Sensors.SensorCsvTestSupport;

namespace OrleansIngest.Processing.Tests.Sensors;

/// <summary>Hostile and degenerate input: each fails with its own reason, in bounded time and memory.</summary>
[Trait("Category", "Unit")]
public sealed class SensorHardeningTests
{
    private const long Gigabyte = 1L << 30;

    [Theory]
    [InlineData("timestamp,x\n0,", "line 2 is longer than 1048576 bytes", 12)]
    [InlineData("{\"ts\":0,\"values\":{\"x\":", "line 1 is longer than 1048576 bytes", 0)]
    [InlineData("", "line 1 is longer than 1048576 bytes", 0)]
    public async Task GigabyteLine_FailsAtTheLineBoundAfterReadingLittleMoreThanIt(string head, string reason, long offset)
    {
        var streams = new List<GeneratedStream>();
        ValueTask<Stream> Open(CancellationToken _)
        {
            var stream = new GeneratedStream(Encoding.UTF8.GetBytes(head), Gigabyte, (byte)'1');
            streams.Add(stream);
            return ValueTask.FromResult<Stream>(stream);
        }

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(async () =>
        {
            await foreach (var unused in SensorFileReader.ReadWindowsAsync(Open, SourceUri, SensorWindowSettings.Default))
            {
            }
        });

        Assert.Equal(reason, ex.Reason);
        Assert.Equal(offset, ex.Offset);

        // The line buffer stops at the bound: the reader never holds, or reads, the rest of the gigabyte.
        var read = Assert.Single(streams).BytesRead;
        Assert.InRange(read, 1 << 20, 3 << 20);
    }

    [Fact]
    public async Task GzipBomb_FailsOnTheExpansionRatioLongBeforeItsFullSize()
    {
        // 256 MiB of one repeated row compresses about 1000:1.
        var bomb = Gzip(new GeneratedStream("timestamp,x\n"u8.ToArray(), 256L << 20, (byte)'\n'));

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(bomb));

        Assert.StartsWith("gzip: ", ex.Reason, StringComparison.Ordinal);
        Assert.EndsWith("more than 250 times (a decompression bomb)", ex.Reason, StringComparison.Ordinal);
        Assert.InRange(ex.Offset, 1, bomb.Length);
    }

    [Fact]
    public async Task Gzip_DecompressedSizeIsCapped()
    {
        var csv = "timestamp,x\n" + string.Concat(Enumerable.Range(0, 2000).Select(t => $"{t},{t % 17}\n"));
        var settings = SensorWindowSettings.Default with { MaxDecompressedBytes = 4096 };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(Gzip(csv), settings));

        Assert.Equal("gzip: the data decompresses to more than 4096 bytes", ex.Reason);
    }

    [Fact]
    public async Task Gzip_ReadsLikeThePlainTextWithTheSameErrorOffsets()
    {
        var csv = "timestamp,x\n" + string.Concat(Enumerable.Range(0, 500).Select(t => $"{t},{t % 17}\n"));
        var broken = csv + "500,abc\n";

        AssertSameWindows(await ReadFileAsync(csv), await ReadFileAsync(Gzip(csv)));
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(Gzip(broken)));
        Assert.Equal("line 502, column 'x': 'abc' is not a number", ex.Reason);
        Assert.Equal(OffsetOfLine(broken, 502), ex.Offset);
    }

    [Fact]
    public async Task GzipWithCorruptDeflateData_IsRejected()
    {
        var bytes = Gzip("timestamp,x\n" + string.Concat(Enumerable.Range(0, 500).Select(t => $"{t},{t * 7 % 13}\n")));
        for (var i = 20; i < 40; i++)
        {
            bytes[i] ^= 0x5A;
        }

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(bytes));

        Assert.StartsWith("gzip: the compressed data is corrupt", ex.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("NA")]
    [InlineData("null")]
    [InlineData("NaN")]
    [InlineData("nan")]
    [InlineData("-NaN")]
    public async Task MissingAndNaNValues_AreCountedAndLeftOutOfTheStatistics(string missing)
    {
        var w = Assert.Single(await ReadAsync($"timestamp,x,y\n0,1,5\n1,{missing},6\n2,3,7\n"));

        Assert.Equal([1, 0], w.NullCounts);
        Assert.Equal(2.0, w.Mean[0]);
        Assert.Equal(1.0, w.Std[0]);
        Assert.Equal(3, w.SampleCount);
    }

    [Theory]
    [InlineData("Infinity", "'Infinity' is not a finite number")]
    [InlineData("-infinity", "'-infinity' is not a finite number")]
    [InlineData("∞", "'∞' is not a number")]
    [InlineData("1e309", "'1e309' is not a finite number")]
    [InlineData("inf", "'inf' is not a number")]
    public async Task InfiniteValues_AreRejectedAsAFaultOfTheProducer(string cell, string what)
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync($"timestamp,x\n0,1\n1,{cell}\n"));

        Assert.Equal($"line 3, column 'x': {what}", ex.Reason);
    }

    [Fact]
    public async Task ValuesNearTheDoubleMaximum_GiveFiniteExactStatistics()
    {
        const string Csv = "timestamp,x,y\n0,1e308,1e300\n1,-1e308,1.000000001e300\n2,1.7976931348623157e308,1.000000002e300\n3,-1.7976931348623157e308,1.000000003e300\n";

        var w = Assert.Single(await ReadAsync(Csv));

        // x: mean 0, population variance (2·1e308² + 2·max²) / 4, computed in scaled form.
        var scale = Math.ScaleB(1.0, -600);
        var expectedStd = Math.Sqrt(((1e308 * scale * (1e308 * scale)) + (double.MaxValue * scale * (double.MaxValue * scale))) / 2) / scale;
        Assert.Equal(0.0, w.Mean[0]);
        Assert.Equal(expectedStd, w.Std[0], expectedStd * 1e-15);
        Assert.Equal(-double.MaxValue, w.Min[0]);
        Assert.Equal(double.MaxValue, w.Max[0]);
        Assert.False(double.IsInfinity(w.Slope[0]));

        // y: huge values with a small spread keep the precision that spread allows: their relative spread is 3e-9,
        // so a one-pass result can be expected within about eps / 3e-9 ≈ 1e-7 of a two-pass reference.
        double[] y = [1e300, 1.000000001e300, 1.000000002e300, 1.000000003e300];
        var scaled = y.Select(v => v * scale).ToArray();
        var mean = scaled.Average();
        var referenceStd = Math.Sqrt(scaled.Sum(v => (v - mean) * (v - mean)) / y.Length) / scale;
        var referenceSlope = scaled.Select((v, t) => (t - 1.5) * (v - mean)).Sum() / 5.0 / scale;
        Assert.Equal(mean / scale, w.Mean[1], 1e300 * 1e-15);
        Assert.Equal(referenceStd, w.Std[1], referenceStd * 1e-6);
        Assert.Equal(referenceSlope, w.Slope[1], referenceSlope * 1e-6);
    }

    [Fact]
    public async Task SlopeBeyondTheDoubleRange_IsNaNNotInfinity()
    {
        // From -max to +max within 0.1 µs: about 3.6e315 per second.
        const string Csv = "timestamp,x\n2024-03-01T00:00:00.0000000Z,-1.7976931348623157e308\n2024-03-01T00:00:00.0000001Z,1.7976931348623157e308\n";

        var w = Assert.Single(await ReadAsync(Csv));

        Assert.True(double.IsNaN(w.Slope[0]));
        Assert.Equal(0.0, w.Mean[0]);
        Assert.Equal(double.MaxValue, w.Std[0]);
    }

    [Theory]
    [InlineData("1709294400", SensorEpochUnit.Auto)]
    [InlineData("1709294400000", SensorEpochUnit.Auto)]
    [InlineData("1709294400000000", SensorEpochUnit.Auto)]
    [InlineData("1709294400000000000", SensorEpochUnit.Auto)]
    [InlineData("1709294400", SensorEpochUnit.Seconds)]
    [InlineData("1709294400000", SensorEpochUnit.Milliseconds)]
    [InlineData("1709294400000000", SensorEpochUnit.Microseconds)]
    [InlineData("1709294400000000000", SensorEpochUnit.Nanoseconds)]
    public async Task EpochTimestamps_ReadInEveryUnit(string cell, SensorEpochUnit unit)
    {
        var w = Assert.Single(await ReadAsync($"timestamp,x\n{cell},1\n", SensorWindowSettings.Default with { EpochUnit = unit }));

        Assert.Equal(new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero), w.Start);
    }

    [Fact]
    public async Task EpochUnit_OverridesTheMagnitudeRule()
    {
        // An uptime in milliseconds is small enough to look like seconds.
        var w = Assert.Single(await ReadAsync("timestamp,x\n1500,1\n", SensorWindowSettings.Default with { EpochUnit = SensorEpochUnit.Milliseconds }));
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() =>
            ReadAsync("timestamp,x\n1709294400000,1\n", SensorWindowSettings.Default with { EpochUnit = SensorEpochUnit.Seconds }));

        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(1.5), w.Start);
        Assert.Equal("line 2, column 'timestamp': '1709294400000' is out of range for an epoch timestamp", ex.Reason);
    }

    [Fact]
    public async Task NulByteFarIntoTheFile_IsRejectedWithItsLineAndOffset()
    {
        var text = "timestamp,x\n" + string.Concat(Enumerable.Range(0, 20_000).Select(t => $"{t},1\n"));
        var bytes = Encoding.UTF8.GetBytes(text + "20000,1\u00002\n");

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(bytes));

        Assert.Equal("line 20002 contains a NUL byte: the file is binary data, not text", ex.Reason);
        Assert.Equal(Encoding.UTF8.GetByteCount(text) + 7, ex.Offset);
    }

    [Fact]
    public async Task InvalidUtf8_IsRejectedAtTheBadByte()
    {
        var bytes = "timestamp,x\n0,1\n1,2 "u8.ToArray().Concat(new byte[] { 0xE2, 0x28, 0xA1 }).Concat("\n"u8.ToArray()).ToArray();

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(bytes));

        Assert.Equal("line 3 is not valid UTF-8 text", ex.Reason);
        Assert.Equal(20, ex.Offset);
    }

    [Fact]
    public async Task TooManyCsvChannels_AreRejectedAtTheHeader()
    {
        var settings = SensorWindowSettings.Default with { MaxChannels = 3 };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,a,b,c,d\n0,1,2,3,4\n", settings));

        Assert.Equal("line 1 (header): 4 channel columns, more than the 3 allowed", ex.Reason);
    }

    [Fact]
    public async Task ChannelStatisticsHeldAtOnce_AreBounded()
    {
        // Unsorted, so every touched window stays open: 3 windows × 4 channels exceed 10.
        var settings = SensorWindowSettings.Default with { MaxOpenChannelWindows = 10 };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() =>
            ReadAsync("timestamp,a,b,c,d\n30,1,1,1,1\n0,1,1,1,1\n10,1,1,1,1\n", settings));

        Assert.Equal("line 4: 3 open windows of 4 channels exceed the bound of 10 channel statistics held at once", ex.Reason);
    }

    [Theory]
    [InlineData(new byte[] { 0x50, 0x4B, 0x03, 0x04, 0x14, 0x00 }, "the file is a ZIP archive, not sensor text")]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x04, 0x58 }, "the file is zstd-compressed, not sensor text")]
    [InlineData(new byte[] { 0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00 }, "the file is xz-compressed, not sensor text")]
    [InlineData(new byte[] { 0x52, 0x49, 0x46, 0x46, 0x24, 0x00, 0x00, 0x00, 0x57, 0x41, 0x56, 0x45 }, "line 1 contains a NUL byte: the file is binary data, not text")]
    public async Task BinaryContent_IsNamedInTheReason(byte[] bytes, string reason)
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(bytes));

        Assert.Equal(reason, ex.Reason);
    }

    [Fact]
    public async Task LongSensorIdsAndValueNames_AreRejectedBecauseTheyAreKeptForTheWholeFile()
    {
        var id = new string('a', 257);

        var csv = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync($"sensor_id,timestamp,x\n{id},0,1\n"));
        var jsonId = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync($"{{\"ts\":0,\"sensor_id\":\"{id}\",\"values\":{{\"x\":1}}}}\n"));
        var jsonName = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync($"{{\"ts\":0,\"values\":{{\"{id}\":1}}}}\n"));
        var longest = await ReadFileAsync($"sensor_id,timestamp,x\n{id[1..]},0,1\n");

        Assert.Equal("line 2, column 'sensor_id': the sensor id is longer than 256 characters", csv.Reason);
        Assert.Equal("line 1, 'sensor_id': the sensor id is longer than 256 characters", jsonId.Reason);
        Assert.StartsWith("line 1, 'values': the name 'aaaa", jsonName.Reason, StringComparison.Ordinal);
        Assert.EndsWith("' is longer than 256 characters", jsonName.Reason, StringComparison.Ordinal);
        Assert.Equal(id[1..], Assert.Single(longest).SensorId);
    }

    [Fact]
    public async Task ManyRowsInOneWindow_AreCountedWithoutLoss()
    {
        // 200 000 rows in one 10 s window, streamed: the counts are exact and nothing is held per row.
        var text = "timestamp,x\n" + string.Concat(Enumerable.Range(0, 200_000).Select(i => $"{i / 40_000}.{i % 40_000:D5},{(i % 3 == 0 ? "" : "2")}\n"));

        var w = Assert.Single(await ReadFileAsync(text));

        Assert.Equal(200_000, w.SampleCount);
        Assert.Equal([66_667], w.NullCounts);
        Assert.Equal(2.0, w.Mean[0]);
    }

    private static byte[] Gzip(string text)
    {
        using var plain = new MemoryStream(Encoding.UTF8.GetBytes(text));
        return Gzip(plain);
    }

    private static byte[] Gzip(Stream plain)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            plain.CopyTo(gzip);
        }

        return compressed.ToArray();
    }
}
