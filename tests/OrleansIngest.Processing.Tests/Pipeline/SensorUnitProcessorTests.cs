using System.Text;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Tests.Pipeline;

[Trait("Category", "Unit")]
public sealed class SensorUnitProcessorTests
{
    private static readonly PipelineContext Context = new(PipelineDefinition.Default, "default@1+test", "writer");

    [Theory]
    [InlineData("gas/run1.csv", "sensor_id,timestamp,temp,hum\na,0,20,\na,1,22,41\nb,0,,50\n")]
    [InlineData("gas/run1.jsonl", "{\"sensor_id\":\"a\",\"ts\":0,\"values\":{\"temp\":20,\"hum\":null}}\n{\"sensor_id\":\"a\",\"ts\":1,\"values\":{\"temp\":22,\"hum\":41}}\n{\"sensor_id\":\"b\",\"ts\":0,\"values\":{\"hum\":50}}\n")]
    [InlineData("gas/run1.csv", "{\"sensor_id\":\"a\",\"ts\":0,\"values\":{\"temp\":20,\"hum\":null}}\n{\"sensor_id\":\"a\",\"ts\":1,\"values\":{\"temp\":22,\"hum\":41}}\n{\"sensor_id\":\"b\",\"ts\":0,\"values\":{\"temp\":null,\"hum\":50}}\n")]
    public async Task SensorUnit_GivesTheSameRowsWithNullCountsForCsvAndJsonLines(string path, string content)
    {
        var rows = await ProcessAsync(path, Encoding.UTF8.GetBytes(content));

        Assert.Equal(["a", "b"], rows.Select(r => r.SensorId));
        Assert.All(rows, r => Assert.Equal(["temp", "hum"], r.ChannelNames));
        Assert.Equal([0, 1], rows[0].NullCounts);
        Assert.Equal([1, 0], rows[1].NullCounts);
        Assert.Equal([21.0, 41.0], rows[0].Mean);
        Assert.Equal(2, rows[0].SampleCount);
    }

    [Fact]
    public async Task SensorUnit_PassesInvalidMediaOnForQuarantine()
    {
        var ex = await Assert.ThrowsAsync<InvalidMediaException>(() => ProcessAsync("gas/run1.csv", "timestamp,x\n0,1\n1,\u00002\n"u8.ToArray()));

        Assert.Equal("line 3 contains a NUL byte: the file is binary data, not text", ex.Reason);
    }

    private static async Task<List<SensorWindowRow>> ProcessAsync(string path, byte[] content)
    {
        var unit = new LeasedUnit("unit1", 1, $"file:///{path}", path, "\"etag\"", content.Length, "sensor_windows", RouteKind.Sensor);
        var processor = new SensorUnitProcessor(TimeProvider.System);
        var rows = new List<SensorWindowRow>();
        await processor.ProcessAsync(
            unit,
            _ => ValueTask.FromResult<Stream>(new MemoryStream(content, writable: false)),
            Context,
            row =>
            {
                rows.Add(row);
                return ValueTask.CompletedTask;
            });
        return rows;
    }
}
