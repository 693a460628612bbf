using System.Globalization;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Benchmarks.Governance;

/// <summary>
/// Erasing one source from a sensor table of 100,000 or 1,000,000 rows (files of 5,000 rows, 5 sources each): the
/// eraser reads the log, rewrites the one file holding the source and appends one replace entry, so the time should
/// not grow with the table. Each iteration erases from a fresh copy of the table (the copy is not measured).
/// </summary>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 1)]
public class TableEraserBenchmarks
{
    private const int RowsPerFile = 5_000;
    private const int SourcesPerFile = 5;
    private string _root = "";
    private string _work = "";
    private int _iteration;

    /// <summary>Rows in the table.</summary>
    [Params(100_000, 1_000_000)]
    public int Rows { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _root = Path.Combine(Path.GetTempPath(), $"oi-bench-erase-{Guid.NewGuid():N}");
        BuildAsync(Path.Combine(_root, "template")).GetAwaiter().GetResult();
    }

    [GlobalCleanup]
    public void Cleanup() => Directory.Delete(_root, recursive: true);

    [IterationSetup]
    public void CopyTable()
    {
        _work = Path.Combine(_root, $"work-{_iteration++}");
        var template = Path.Combine(_root, "template");
        foreach (var directory in Directory.EnumerateDirectories(template, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(template, _work, StringComparison.Ordinal));
        }

        foreach (var file in Directory.EnumerateFiles(template, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(template, _work, StringComparison.Ordinal));
        }
    }

    [Benchmark]
    public async Task<long> EraseOneSource()
    {
        var result = await new TableEraser(new LocalTableStore(_work), TimeProvider.System)
            .EraseAsync(new ErasureRequest { SourceUri = SourceUri(Rows / RowsPerFile / 2 * SourcesPerFile), Actor = "bench" });
        return result.RowsRemoved;
    }

    private static string SourceUri(int source) => "file:///data/plant/sensor-" + source.ToString("D6", CultureInfo.InvariantCulture) + ".csv";

    private async Task BuildAsync(string root)
    {
        var store = new LocalTableStore(root);
        var committer = new TableCommitter(store, TimeProvider.System);
        var rowsPerSource = RowsPerFile / SourcesPerFile;
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var file = 0; file < Rows / RowsPerFile; file++)
        {
            var name = string.Create(CultureInfo.InvariantCulture, $"part-{file:D6}.parquet");
            var units = new List<LoggedUnit>();
            long bytes;
            await using (var stream = await store.CreateStagedFileAsync(name))
            {
                await using var writer = await TableFileWriter<SensorWindowRow>.CreateAsync(stream, new ParquetOutputSettings(RowGroupRows: 1000));
                for (var s = 0; s < SourcesPerFile; s++)
                {
                    var source = (file * SourcesPerFile) + s;
                    var unitId = UnitIdentity.Compute(SourceUri(source), "\"e\"", source);
                    units.Add(new LoggedUnit(unitId, SourceUri(source), "\"e\"", source, rowsPerSource, rowsPerSource * 10));
                    for (var w = 0; w < rowsPerSource; w++)
                    {
                        var at = start.AddSeconds(w * 10);
                        await writer.AppendAsync([new SensorWindowRow
                        {
                            WindowId = string.Create(CultureInfo.InvariantCulture, $"{unitId}-{w:D6}"),
                            SourceUri = SourceUri(source),
                            SourceEtag = "\"e\"",
                            SensorId = null,
                            WindowIndex = w,
                            StartTs = at,
                            EndTs = at.AddSeconds(10),
                            SampleCount = 10,
                            ChannelNames = ["co", "no2", "o3"],
                            Mean = [w, s, 1],
                            Std = [1, 1, 1],
                            Min = [0, 0, 0],
                            Max = [w, s, 2],
                            Slope = [0.1, 0.2, 0.3],
                            NullCounts = [0, 0, 0],
                            PipelineVersion = "bench@1",
                            IngestedAt = at,
                        }]);
                    }
                }

                await writer.CompleteAsync();
                await stream.FlushAsync();
                bytes = stream.Length;
            }

            await store.SealStagedFileAsync(name);
            await committer.CommitFileAsync(new FileCommitRequest(name, RowsPerFile, bytes, units, "bench", "bench@1"));
        }
    }
}
