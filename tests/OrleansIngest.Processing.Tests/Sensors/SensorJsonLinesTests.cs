using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;
using static OrleansIngest.Processing.Tests.Sensors.SensorCsvTestSupport;

namespace OrleansIngest.Processing.Tests.Sensors;

[Trait("Category", "Unit")]
public sealed class SensorJsonLinesTests
{
    private const double Tolerance = 1e-12;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task JsonLines_GiveTheSameWindowsAsTheSameDataInCsv(bool sorted)
    {
        var random = new Random(7);
        var rows = new List<(string Sensor, long Ms, double?[] Values)>();
        for (var i = 0; i < 600; i++)
        {
            var values = new double?[3];
            for (var c = 0; c < values.Length; c++)
            {
                values[c] = random.Next(8) == 0 ? null : Math.Round((random.NextDouble() * 2000) - 1000, random.Next(1, 9));
            }

            rows.Add(($"s{random.Next(4)}", 1709294400_000L + random.Next(120_000), values));
        }

        if (sorted)
        {
            rows.Sort((a, b) => a.Ms.CompareTo(b.Ms));
        }

        var csv = new StringBuilder("sensor_id,timestamp,temp,hum,co2\n");
        var jsonl = new StringBuilder();
        foreach (var (sensor, ms, values) in rows)
        {
            var iso = DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
            csv.Append(CultureInfo.InvariantCulture, $"{sensor},{iso},{string.Join(',', values.Select(Text))}\n");

            // Epoch milliseconds in JSON, ISO in CSV: the same instants either way.
            jsonl.Append(CultureInfo.InvariantCulture, $"{{\"sensor_id\":\"{sensor}\",\"ts\":{ms},\"values\":{{\"temp\":{Json(values[0])},\"hum\":{Json(values[1])},\"co2\":{Json(values[2])}}}}}\n");
        }

        var settings = SensorWindowSettings.Default with { AssumeSorted = sorted };
        var fromCsv = await ReadFileAsync(csv.ToString(), settings);
        var fromJsonLines = await ReadFileAsync(jsonl.ToString(), settings);

        Assert.True(fromCsv.Count > 20, $"only {fromCsv.Count} windows");
        AssertSameWindows(fromCsv, fromJsonLines);

        static string Text(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty;
        static string Json(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "null";
    }

    [Fact]
    public async Task MultiSensorFile_IsSplitBySensorIdWithOwnAlignment()
    {
        const string Jsonl =
            "{\"ts\":3,\"sensor_id\":\"a\",\"values\":{\"x\":1}}\n" +
            "{\"ts\":100,\"sensor_id\":\"b\",\"values\":{\"x\":10}}\n" +
            "{\"ts\":12,\"sensor_id\":\"a\",\"values\":{\"x\":3}}\n" +
            "{\"ts\":14,\"sensor_id\":\"a\",\"values\":{\"x\":5}}\n";

        var windows = await ReadFileAsync(Jsonl);

        Assert.Equal([("a", 0), ("a", 1), ("b", 0)], windows.Select(w => (w.SensorId, w.WindowIndex)));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(3), windows[0].Start);
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(100), windows[2].Start);
        Assert.Equal([2.0, 5.0, 10.0], windows.Select(w => w.Mean[0]));
    }

    [Fact]
    public async Task UnsortedRecords_AlignWindowsToTheEarliestTimestamp()
    {
        const string Jsonl =
            "{\"ts\":\"1970-01-01T00:00:25Z\",\"values\":{\"x\":4}}\n" +
            "{\"ts\":\"1970-01-01T00:00:17Z\",\"values\":{\"x\":2}}\n" +
            "{\"ts\":\"1970-01-01T00:00:05Z\",\"values\":{\"x\":1}}\n" +
            "{\"ts\":\"1970-01-01T00:00:14Z\",\"values\":{\"x\":3}}\n";

        var windows = await ReadFileAsync(Jsonl);

        Assert.Equal([0, 1, 2], windows.Select(w => w.WindowIndex));
        Assert.Equal(DateTimeOffset.UnixEpoch.AddSeconds(5), windows[0].Start);
        Assert.Equal([2, 1, 1], windows.Select(w => w.SampleCount));
        Assert.Equal([2.0, 2.0, 4.0], windows.Select(w => w.Mean[0]));
    }

    [Theory]
    [InlineData("1709294400")]
    [InlineData("1709294400.0")]
    [InlineData("1709294400000")]
    [InlineData("\"1709294400\"")]
    [InlineData("\"2024-03-01T12:00:00Z\"")]
    [InlineData("\"2024-03-01T14:00:00+02:00\"")]
    [InlineData("\"2024-03-01 12:00:00\"")]
    public async Task Timestamps_AreIsoStringsOrEpochNumbers(string ts)
    {
        var w = Assert.Single(await ReadFileAsync($"{{\"ts\":{ts},\"values\":{{\"x\":1}}}}\n"));

        Assert.Equal(new DateTimeOffset(2024, 3, 1, 12, 0, 0, TimeSpan.Zero), w.Start);
    }

    [Fact]
    public async Task UnknownMembers_AreIgnoredWhateverTheirShape()
    {
        const string Jsonl =
            "{\"device\":{\"fw\":[1,2,{\"deep\":[[]]}],\"ok\":true},\"ts\":0,\"values\":{\"x\":1},\"note\":null}\n" +
            "{\"ts\":1,\"values\":{\"x\":3},\"tags\":[\"a\",\"b\"]}\n";

        var w = Assert.Single(await ReadFileAsync(Jsonl));

        Assert.Equal(["x"], w.ChannelNames);
        Assert.Equal(2.0, w.Mean[0]);
    }

    [Fact]
    public async Task NullAndAbsentValues_AreCountedAsMissing()
    {
        const string Jsonl =
            "{\"ts\":0,\"values\":{\"temp\":20,\"hum\":null}}\n" +
            "{\"ts\":1,\"values\":{\"temp\":null,\"hum\":40}}\n" +
            "{\"ts\":2,\"values\":{\"hum\":44}}\n" +
            "{\"ts\":3,\"values\":{}}\n";

        var w = Assert.Single(await ReadFileAsync(Jsonl));

        Assert.Equal(["temp", "hum"], w.ChannelNames);
        Assert.Equal(4, w.SampleCount);
        Assert.Equal([3, 2], w.NullCounts);
        Assert.Equal(20.0, w.Mean[0]);
        Assert.Equal(42.0, w.Mean[1]);
    }

    [Fact]
    public async Task Channels_AreTheValueNamesOfTheWholeFileInOrderOfFirstAppearance()
    {
        const string Jsonl =
            "{\"ts\":0,\"sensor_id\":\"a\",\"values\":{\"temp\":1}}\n" +
            "{\"ts\":0,\"sensor_id\":\"b\",\"values\":{\"co2\":400,\"temp\":2}}\n" +
            "{\"ts\":1,\"sensor_id\":\"a\",\"values\":{\"hum\":50}}\n";

        var windows = await ReadFileAsync(Jsonl);

        Assert.All(windows, w => Assert.Equal(["temp", "co2", "hum"], w.ChannelNames));
        Assert.Equal([1, 2, 1], windows.Single(w => w.SensorId == "a").NullCounts);
        Assert.Equal([0, 0, 1], windows.Single(w => w.SensorId == "b").NullCounts);
    }

    [Fact]
    public async Task SinglePass_TakesTheChannelsOfTheFirstRecordAndRejectsANewOne()
    {
        const string Jsonl = "{\"ts\":0,\"values\":{\"temp\":1}}\n{\"ts\":1,\"values\":{\"hum\":50}}\n";
        var settings = SensorWindowSettings.Default with { AssumeSorted = true };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(Jsonl, settings));

        Assert.Equal("line 2, 'values': 'hum' is not a value of the first record; records with different values need the two-pass read (AssumeSorted is set)", ex.Reason);
        Assert.Equal(OffsetOfLine(Jsonl, 2), ex.Offset);
    }

    [Fact]
    public async Task SensorIdsAndValueNames_AreUnescapedAndMayBeNumbers()
    {
        const string Jsonl =
            "{\"ts\":0,\"sensor_id\":\"caf\\u00e9 \\\"1\\\"\",\"values\":{\"t\\u00e9mp\":1}}\n" +
            "{\"ts\":0,\"sensor_id\":42,\"values\":{\"t\\u00e9mp\":2}}\n";

        var windows = await ReadFileAsync(Jsonl);

        Assert.Equal(["café \"1\"", "42"], windows.Select(w => w.SensorId));
        Assert.All(windows, w => Assert.Equal(["tëmp".Replace('ë', 'é')], w.ChannelNames));
    }

    [Fact]
    public async Task Records_AreReadFromOneByteReadsWithCrLfBomAndBlankLines()
    {
        var bytes = Encoding.UTF8.GetPreamble()
            .Concat(Encoding.UTF8.GetBytes("\r\n{\"ts\":0,\"values\":{\"x\":1}}\r\n\r\n{\"ts\":1,\"values\":{\"x\":3}}\r\n"))
            .ToArray();
        ValueTask<Stream> Open(CancellationToken _) => ValueTask.FromResult<Stream>(new TrickleStream(bytes, 1));
        var windows = new List<SensorWindow>();

        await foreach (var w in SensorFileReader.ReadWindowsAsync(Open, SourceUri, SensorWindowSettings.Default))
        {
            windows.Add(w);
        }

        Assert.Equal(2.0, Assert.Single(windows).Mean[0], Tolerance);
    }

    [Theory]
    [InlineData("{\"ts\":0,\"values\":{\"x\":1}}\n{\"ts\":\"yesterday\",\"values\":{\"x\":1}}\n", 2, "line 2, 'ts': 'yesterday' is neither ISO-8601 nor an epoch timestamp")]
    [InlineData("{\"ts\":1.7e9,\"values\":{\"x\":1}}\n", 1, "line 1, 'ts': '1.7e9' is neither ISO-8601 nor an epoch timestamp")]
    [InlineData("{\"ts\":null,\"values\":{\"x\":1}}\n", 1, "line 1, 'ts': null, not a string or a number")]
    [InlineData("{\"ts\":0,\"ts\":1,\"values\":{\"x\":1}}\n", 1, "line 1 has the timestamp ('ts') twice")]
    [InlineData("{\"ts\":0,\"timestamp\":1,\"values\":{\"x\":1}}\n", 1, "line 1 has the timestamp ('ts') twice")]
    [InlineData("{\"ts\":0}\n", 1, "line 1 has no 'values' object")]
    [InlineData("{\"ts\":0,\"values\":[1,2]}\n", 1, "line 1, 'values': an array, not an object")]
    [InlineData("{\"ts\":0,\"values\":{\"x\":{\"v\":1}}}\n", 1, "line 1, value 'x': an object, not a number or null")]
    [InlineData("{\"ts\":0,\"values\":{\"x\":true}}\n", 1, "line 1, value 'x': a boolean, not a number or null")]
    [InlineData("{\"ts\":0,\"values\":{\"\":1}}\n", 1, "line 1, 'values': a value has an empty name")]
    [InlineData("{\"ts\":0,\"sensor_id\":\"\",\"values\":{\"x\":1}}\n", 1, "line 1, 'sensor_id': the sensor id is empty")]
    [InlineData("{\"ts\":0,\"sensor_id\":[1],\"values\":{\"x\":1}}\n", 1, "line 1, 'sensor_id': an array, not a string or a number")]
    [InlineData("{\"ts\":0,\"sensor_id\":\"a\",\"sensor_id\":\"b\",\"values\":{\"x\":1}}\n", 1, "line 1 has 'sensor_id' twice")]
    [InlineData("{\"ts\":0,\"values\":{\"x\":-Infinity}}\n", 1, "line 1: '-Infinity' at column 23 is not JSON (write null for a missing value)")]
    [InlineData("{\"ts\":0,\"values\":{\"x\":1}} // note\n", 1, "line 1: invalid JSON at column 27: '/' is invalid after a single JSON value. Expected end of data.")]
    public async Task MalformedRecord_IsRejectedNamingTheLine(string jsonl, int line, string reason)
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(jsonl));

        Assert.Equal(reason, ex.Reason);
        Assert.Equal(OffsetOfLine(jsonl, line), ex.Offset);
    }

    [Fact]
    public async Task TooManyValueNames_AreRejectedNamingTheLine()
    {
        var settings = SensorWindowSettings.Default with { MaxChannels = 2 };
        const string Jsonl = "{\"ts\":0,\"values\":{\"a\":1,\"b\":1}}\n{\"ts\":1,\"values\":{\"c\":1}}\n";

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(Jsonl, settings));

        Assert.Equal("line 2, 'values': more than 2 distinct value names in the file", ex.Reason);
    }

    [Fact]
    public async Task JsonFormat_RejectsCsvContent()
    {
        var settings = SensorWindowSettings.Default with { Format = SensorFileFormat.JsonLines };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync("timestamp,x\n0,1\n", settings));

        Assert.Equal("the file starts with 't', not '{': it is not JSON Lines", ex.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" \r\n\n")]
    public async Task JsonFormat_ReportsABlankFileAsWithoutRecords(string text)
    {
        var settings = SensorWindowSettings.Default with { Format = SensorFileFormat.JsonLines };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(text, settings));

        Assert.Equal("the file is empty (no JSON records)", ex.Reason);
    }

    [Fact]
    public async Task CsvFormat_RejectsJsonLinesContentThatAutoReadsAsJsonLines()
    {
        const string Jsonl = "\n  {\"ts\":0,\"values\":{\"x\":1}}\n";

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(Jsonl));
        var auto = Assert.Single(await ReadFileAsync(Jsonl));

        Assert.Equal("the file starts with '{': it is JSON Lines, not CSV", ex.Reason);
        Assert.Equal(3, ex.Offset);
        Assert.Equal(["x"], auto.ChannelNames);
    }

    [Theory]
    [InlineData("{\"ts\"", "line 1: invalid JSON at column 6: ")]
    [InlineData("{}", "line 1 has no 'ts' member")]
    [InlineData(" \n{", "line 2: invalid JSON at column 2: ")]
    public async Task TinyFiles_AreDetectedAsJsonLinesByTheirFirstCharacter(string text, string reasonStart)
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(text));

        Assert.StartsWith(reasonStart, ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongRecord_FailsAtTheLineBound()
    {
        var settings = SensorWindowSettings.Default with { MaxLineBytes = 64 };
        var jsonl = "{\"ts\":0,\"values\":{\"x\":1}}\n{\"ts\":1,\"values\":{\"x\":" + new string('1', 100) + "}}\n";

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadFileAsync(jsonl, settings));

        Assert.Equal("line 2 is longer than 64 bytes", ex.Reason);
        Assert.Equal(OffsetOfLine(jsonl, 2), ex.Offset);
    }
}
