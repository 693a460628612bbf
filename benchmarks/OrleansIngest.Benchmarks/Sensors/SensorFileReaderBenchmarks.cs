using System.Globalization;
using System.IO.Compression;
using System.Text;
using BenchmarkDotNet.Attributes;
using OrleansIngest.Processing.Sensors;

namespace OrleansIngest.Benchmarks.Sensors;

/// <summary>
/// Read 100 000 rows (4 sensors × 8 channels, some missing, sorted) into 10 s windows from memory: CSV, the same
/// data as JSON Lines, and the CSV gzip-compressed. Both passes of the default read are included.
/// </summary>
[MemoryDiagnoser]
public class SensorFileReaderBenchmarks
{
    private const int Rows = 100_000;
    private const int Channels = 8;
    private byte[] _csv = [];
    private byte[] _jsonLines = [];
    private byte[] _csvGzip = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var csv = new StringBuilder("sensor_id,timestamp," + string.Join(',', Enumerable.Range(0, Channels).Select(c => $"c{c}")) + "\n");
        var jsonl = new StringBuilder();
        for (var i = 0; i < Rows; i++)
        {
            var sensor = $"s{i % 4}";
            var ms = 1709294400_000L + (i * 25L);
            var values = Enumerable.Range(0, Channels)
                .Select(_ => random.Next(20) == 0 ? null : (double?)Math.Round(random.NextDouble() * 100, 3))
                .ToArray();
            csv.Append(CultureInfo.InvariantCulture, $"{sensor},{ms},{string.Join(',', values.Select(v => v?.ToString(CultureInfo.InvariantCulture) ?? string.Empty))}\n");
            jsonl.Append(CultureInfo.InvariantCulture, $"{{\"ts\":{ms},\"sensor_id\":\"{sensor}\",\"values\":{{{string.Join(',', values.Select((v, c) => $"\"c{c}\":{v?.ToString(CultureInfo.InvariantCulture) ?? "null"}"))}}}}}\n");
        }

        _csv = Encoding.UTF8.GetBytes(csv.ToString());
        _jsonLines = Encoding.UTF8.GetBytes(jsonl.ToString());
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(_csv);
        }

        _csvGzip = compressed.ToArray();
    }

    [Benchmark(Baseline = true, Description = "CSV, 100k rows × 8 channels")]
    public Task<int> Csv() => ReadAsync(_csv);

    [Benchmark(Description = "JSON Lines, same data")]
    public Task<int> JsonLines() => ReadAsync(_jsonLines);

    [Benchmark(Description = "CSV gzip, same data")]
    public Task<int> CsvGzip() => ReadAsync(_csvGzip);

    private static async Task<int> ReadAsync(byte[] file)
    {
        using var stream = new MemoryStream(file, writable: false);
        var windows = 0;
        await foreach (var unused in SensorFileReader.ReadWindowsAsync(stream, "bench://sensors", SensorWindowSettings.Default))
        {
            windows++;
        }

        return windows;
    }
}
