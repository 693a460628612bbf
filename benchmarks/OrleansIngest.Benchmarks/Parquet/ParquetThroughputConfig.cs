using System.Collections.Concurrent;
using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Benchmarks.Parquet;

/// <summary>
/// Adds output size and MB/s (10^6 bytes per second) of Parquet output and of input floats to the Parquet
/// benchmarks. One operation writes ~96 MB, so a few iterations are enough for a stable mean.
/// </summary>
public sealed class ParquetThroughputConfig : ManualConfig
{
    public ParquetThroughputConfig()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(2).WithIterationCount(6));
        AddColumn(
            new ParquetThroughputColumn(ParquetThroughputColumn.Kind.OutputMegabytes),
            new ParquetThroughputColumn(ParquetThroughputColumn.Kind.OutputMegabytesPerSecond),
            new ParquetThroughputColumn(ParquetThroughputColumn.Kind.InputMegabytesPerSecond));
    }
}

/// <summary>
/// A throughput column. The benchmark processes cannot hand their file sizes back, so the host writes each case
/// once more to learn its (deterministic) output size.
/// </summary>
public sealed class ParquetThroughputColumn(ParquetThroughputColumn.Kind kind) : IColumn
{
    private static readonly ConcurrentDictionary<string, Lazy<long>> OutputBytes = new();
    private static readonly Lazy<LogMelRowsCache> Rows = new(() => new LogMelRowsCache());

    public enum Kind
    {
        OutputMegabytes,
        OutputMegabytesPerSecond,
        InputMegabytesPerSecond,
    }

    public string Id => $"{nameof(ParquetThroughputColumn)}.{kind}";

    public string ColumnName => kind switch
    {
        Kind.OutputMegabytes => "Out MB",
        Kind.OutputMegabytesPerSecond => "Out MB/s",
        _ => "In MB/s",
    };

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => (int)kind;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => kind switch
    {
        Kind.OutputMegabytes => "Size of the Parquet file written (10^6 bytes)",
        Kind.OutputMegabytesPerSecond => "Parquet bytes written per second (10^6 B/s)",
        _ => "Input float bytes (100 × 80 × 3000 × 4) written per second (10^6 B/s)",
    };

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var meanNanoseconds = report?.ResultStatistics?.Mean;
        if (meanNanoseconds is null or <= 0)
        {
            return "NA";
        }

        var seconds = meanNanoseconds.Value / 1e9;
        var value = kind switch
        {
            Kind.OutputMegabytes => OutputBytesOf(benchmarkCase) / 1e6,
            Kind.OutputMegabytesPerSecond => OutputBytesOf(benchmarkCase) / 1e6 / seconds,
            _ => LogMelRows.InputFloatBytes / 1e6 / seconds,
        };
        return value.ToString("N1", CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static long OutputBytesOf(BenchmarkCase benchmarkCase)
    {
        var method = benchmarkCase.Descriptor.WorkloadMethod.Name;
        var codec = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(ParquetWriterBenchmarks.Codec))?.Value as string;
        var split = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(ParquetWriterBenchmarks.ByteStreamSplit))?.Value as bool?;
        var bits = benchmarkCase.Parameters.Items.FirstOrDefault(p => p.Name == nameof(ParquetWriterBenchmarks.LogMelMantissaBits))?.Value as int?;
        var key = $"{method}|{codec}|{split}|{bits}";
        return OutputBytes.GetOrAdd(key, _ => new Lazy<long>(() => Measure(method, codec, split, bits))).Value;
    }

    private static long Measure(string method, string? codec, bool? byteStreamSplit, int? logMelMantissaBits)
    {
        using var output = new MemoryStream();
        return method switch
        {
            nameof(ParquetWriterApiBenchmarks.Serializer) =>
                ParquetWriterApiBenchmarks.SerializeAsync(Rows.Value.SerializerRows, output).GetAwaiter().GetResult(),
            _ => ParquetWriterBenchmarks.WriteAsync(
                Rows.Value.Rows,
                output,
                ParquetWriterBenchmarks.Settings(codec ?? "zstd-fastest", byteStreamSplit ?? false, logMelMantissaBits ?? MantissaRounding.DefaultLogMelMantissaBits)).GetAwaiter().GetResult(),
        };
    }

    private sealed class LogMelRowsCache
    {
        public LogMelRowsCache()
        {
            Rows = LogMelRows.Create();
            SerializerRows = [.. Rows.Select(ParquetWriterApiBenchmarks.SerializedAudioRow.From)];
        }

        public Processing.Parquet.AudioSegmentRow[] Rows { get; }

        public ParquetWriterApiBenchmarks.SerializedAudioRow[] SerializerRows { get; }
    }
}
