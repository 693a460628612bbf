using System.Text;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;
using static OrleansIngest.Processing.Tests.Sensors.SensorCsvTestSupport;

namespace OrleansIngest.Processing.Tests.Sensors;

[Trait("Category", "Unit")]
public sealed class SensorCsvMalformedTests
{
    [Fact]
    public async Task NonNumericCell_IsReportedWithLineColumnAndValue()
    {
        var csv = new StringBuilder("timestamp,co2,voc\n");
        for (var t = 0; t < 15; t++)
        {
            csv.Append(t).Append(",400,1\n");
        }

        csv.Append("15,abc,1\n16,400,1\n");
        var text = csv.ToString();

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(text));

        Assert.Equal("line 17, column 'co2': 'abc' is not a number", ex.Reason);
        Assert.Equal(SourceUri, ex.SourceUri);
        Assert.Equal(OffsetOfLine(text, 17), ex.Offset);
    }

    [Theory]
    [InlineData("timestamp,co2\n0,1\nyesterday,2\n", 3, "line 3, column 'timestamp': 'yesterday' is neither ISO-8601 nor an epoch timestamp")]
    [InlineData("timestamp,co2\n0,1\n2024-02-30T00:00:00Z,2\n", 3, "line 3, column 'timestamp': '2024-02-30T00:00:00Z' is neither ISO-8601 nor an epoch timestamp")]
    [InlineData("timestamp,co2\n,1\n", 2, "line 2, column 'timestamp': '' is empty")]
    [InlineData("timestamp,co2\n999999999999999999999,1\n", 2, "line 2, column 'timestamp': '999999999999999999999' is out of range for an epoch timestamp")]
    [InlineData("timestamp,co2,voc\n0,1,2\n1,2\n", 3, "line 3 has 2 cells, but the header has 3 columns")]
    [InlineData("timestamp,co2,voc\n0,1,2\n1,2,3,4\n", 3, "line 3 has 4 cells, but the header has 3 columns")]
    [InlineData("timestamp,co2\n0,Infinity\n", 2, "line 2, column 'co2': 'Infinity' is not a finite number")]
    [InlineData("timestamp,co2\n0,1e999\n", 2, "line 2, column 'co2': '1e999' is not a finite number")]
    [InlineData("timestamp,co2\n0,\"1\n", 2, "line 2: column 2 has an unterminated quote")]
    [InlineData("timestamp,co2\n0,\"1\"x\n", 2, "line 2: column 2 has text after its closing quote")]
    [InlineData("sensor_id,timestamp,co2\nA,0,1\n,1,2\n", 3, "line 3, column 'sensor_id': the sensor id is empty")]
    [InlineData("co2,voc\n0,1\n", 1, "line 1 (header): no 'timestamp' column among 'co2', 'voc'")]
    [InlineData("timestamp\n0\n", 1, "line 1 (header): no channel columns besides 'timestamp'")]
    [InlineData("timestamp,sensor_id\n0,A\n", 1, "line 1 (header): no channel columns besides 'timestamp', 'sensor_id'")]
    [InlineData("timestamp,co2,,voc\n0,1,2,3\n", 1, "line 1 (header): column 3 has an empty name")]
    [InlineData("timestamp,co2,CO2\n0,1,2\n", 1, "line 1 (header): column 'CO2' appears twice")]
    [InlineData("1709294400,400,1\n1709294401,401,1\n", 1, "line 1 starts with a timestamp, not a header: sensor CSV needs a header line naming a 'timestamp' column")]
    [InlineData("2024-03-01T12:00:00Z;400;\n", 1, "line 1 starts with a timestamp, not a header: sensor CSV needs a header line naming a 'timestamp' column")]
    [InlineData("TS,timestamp,x\n0,0,1\n", 1, "line 1 (header): both 'TS' and 'timestamp' name the timestamp column")]
    public async Task MalformedRow_IsRejectedNamingTheLine(string csv, int line, string reason)
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(csv));

        Assert.Equal(reason, ex.Reason);
        Assert.Equal(OffsetOfLine(csv, line), ex.Offset);
    }

    [Theory]
    [InlineData("")]
    [InlineData("\n\n  \r\n")]
    public async Task EmptyFile_IsRejected(string csv)
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(csv));

        Assert.Equal("the file is empty (no header line)", ex.Reason);
    }

    [Fact]
    public async Task HeaderWithoutRows_IsRejected()
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,co2\n\n"));

        Assert.Equal("the file has a header but no data rows", ex.Reason);
    }

    [Fact]
    public async Task HeaderWithoutRows_IsRejectedInTheSinglePassToo()
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,co2\n", SensorWindowSettings.Default with { AssumeSorted = true }));

        Assert.Equal("the file has a header but no data rows", ex.Reason);
    }

    [Fact]
    public async Task Utf16Text_IsRejected()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("timestamp,co2\n0,1\n")).ToArray();

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(bytes));

        Assert.Contains("UTF-16", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OverlongLine_IsRejectedNamingTheLine()
    {
        var settings = SensorWindowSettings.Default with { MaxLineBytes = 64 };
        var csv = "timestamp,co2\n0,1\n1," + new string('7', 100) + "\n";

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(csv, settings));

        Assert.Equal("line 3 is longer than 64 bytes", ex.Reason);
        Assert.Equal(OffsetOfLine(csv, 3), ex.Offset);
    }

    [Fact]
    public async Task OverlongLineWithoutNewline_IsRejectedAtTheDefaultBound()
    {
        var bytes = Encoding.UTF8.GetBytes("timestamp,co2\n0,").Concat(Enumerable.Repeat((byte)'1', 3 << 20)).ToArray();

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync(bytes));

        Assert.Equal($"line 2 is longer than {1 << 20} bytes", ex.Reason);
        Assert.Equal(14, ex.Offset);
    }

    [Fact]
    public async Task TooManySensors_IsRejectedNamingTheLine()
    {
        var settings = SensorWindowSettings.Default with { MaxSensors = 2 };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("sensor_id,timestamp,x\na,0,1\nb,0,1\nc,0,1\n", settings));

        Assert.Equal("line 4: more than 2 distinct sensor_id values", ex.Reason);
    }

    [Fact]
    public async Task UnsortedSeriesBeyondTheOpenWindowBound_IsRejectedNamingTheLine()
    {
        var settings = SensorWindowSettings.Default with { MaxOpenWindows = 2 };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,x\n30,1\n0,1\n10,1\n20,1\n", settings));

        Assert.StartsWith("line 4: ", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimestampsTooFarApart_AreRejectedInsteadOfOverflowing()
    {
        var settings = SensorWindowSettings.Default with { WindowLength = TimeSpan.FromTicks(1) };

        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,x\n0,1\n1000,1\n", settings));

        Assert.StartsWith("line 3: ", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WindowEndingAfterYear9999_IsRejected()
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ReadAsync("timestamp,x\n9999-12-31T23:59:55Z,1\n"));

        Assert.Equal("line 2: the timestamp's window ends after the year 9999", ex.Reason);
    }

    [Fact]
    public async Task RandomMutationsOfValidCsv_EitherParseOrThrowInvalidMedia()
    {
        var valid = Encoding.UTF8.GetBytes(
            "sensor_id;timestamp;co2;voc;temp\n" +
            string.Concat(Enumerable.Range(0, 40).Select(i =>
                $"s{i % 3};{(i % 2 == 0 ? "2024-03-01T12:00:" + (i % 60).ToString("00", System.Globalization.CultureInfo.InvariantCulture) + "Z" : (1709294400 + i).ToString(System.Globalization.CultureInfo.InvariantCulture))};{400 + i};{(i % 5 == 0 ? string.Empty : "1,5")};\"21.{i}\"\n")));
        byte[] alphabet = "0123456789,;\t\"\n\r .-+eE:TZNa"u8.ToArray();
        var random = new Random(20240301);
        var parsed = 0;
        var rejected = 0;
        for (var iteration = 0; iteration < 1500; iteration++)
        {
            var bytes = new List<byte>(valid);
            var mutations = random.Next(1, 6);
            for (var m = 0; m < mutations && bytes.Count > 0; m++)
            {
                var at = random.Next(bytes.Count);
                switch (random.Next(6))
                {
                    case 0:
                        bytes.RemoveAt(at);
                        break;
                    case 1:
                        bytes.Insert(at, alphabet[random.Next(alphabet.Length)]);
                        break;
                    case 2:
                        bytes[at] = (byte)random.Next(256);
                        break;
                    case 3:
                        bytes.RemoveRange(at, bytes.Count - at);
                        break;
                    case 4:
                        bytes.InsertRange(at, bytes.GetRange(at, Math.Min(30, bytes.Count - at)));
                        break;
                    default:
                        bytes[at] = alphabet[random.Next(alphabet.Length)];
                        break;
                }
            }

            var mutated = bytes.ToArray();
            var settings = SensorWindowSettings.Default with { AssumeSorted = iteration % 4 == 3, MaxLineBytes = 256 };
            try
            {
                var windows = await ReadAsync(mutated, settings);
                var dataLines = Encoding.UTF8.GetString(mutated).Split('\n').Count(l => !string.IsNullOrWhiteSpace(l)) - 1;
                Assert.Equal(dataLines, windows.Sum(w => w.SampleCount));
                Assert.All(windows, w => Assert.All(Enumerable.Range(0, w.ChannelNames.Length), c =>
                    Assert.True(double.IsNaN(w.Mean[c]) || (w.Min[c] <= w.Mean[c] + 1e-9 && w.Mean[c] <= w.Max[c] + 1e-9))));
                parsed++;
            }
            catch (InvalidMediaException ex)
            {
                Assert.False(string.IsNullOrEmpty(ex.Reason));
                Assert.InRange(ex.Offset, 0, mutated.Length);
                rejected++;
            }
        }

        // Both outcomes must actually occur, or the mutations are not exercising the reader.
        Assert.True(parsed > 50, $"only {parsed} mutants parsed");
        Assert.True(rejected > 50, $"only {rejected} mutants were rejected");
    }
}
