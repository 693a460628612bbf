using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Benchmarks.Parquet;

/// <summary>
/// <see cref="TableFileWriter{TRow}"/> writing 100 audio rows of 30 s log-mel (96 MB of floats) to memory, per
/// codec and float encoding. The extra columns give MB/s of Parquet output and of input floats.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ParquetThroughputConfig))]
public class ParquetWriterBenchmarks
{
    private AudioSegmentRow[] _rows = [];
    private MemoryStream _output = new();

    /// <summary><c>zstd-fastest</c> (zstd 1), <c>zstd-optimal</c> (zstd 3) or <c>snappy</c>.</summary>
    [Params("zstd-fastest", "zstd-optimal", "snappy")]
    public string Codec { get; set; } = "zstd-fastest";

    [Params(true, false)]
    public bool ByteStreamSplit { get; set; }

    /// <summary>Mantissa bits log-mel is stored with: 15 (the default) or 23 (exact).</summary>
    [Params(15, 23)]
    public int LogMelMantissaBits { get; set; } = 15;

    [GlobalSetup]
    public void Setup()
    {
        _rows = LogMelRows.Create();
        _output = new MemoryStream(capacity: (int)(LogMelRows.InputFloatBytes + (16 << 20)));
    }

    [Benchmark]
    public async Task<long> WriteAudioRows()
    {
        _output.SetLength(0);
        return await WriteAsync(_rows, _output, Settings(Codec, ByteStreamSplit, LogMelMantissaBits));
    }

    /// <summary>Writes the rows the way the benchmark does; returns the file size.</summary>
    internal static async Task<long> WriteAsync(AudioSegmentRow[] rows, Stream output, ParquetOutputSettings settings)
    {
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, settings);

        // Workers append a unit's segments at a time.
        for (var start = 0; start < rows.Length; start += 4)
        {
            await writer.AppendAsync(new ArraySegment<AudioSegmentRow>(rows, start, Math.Min(4, rows.Length - start)));
        }

        await writer.CompleteAsync();
        return writer.ApproximateBytes;
    }

    internal static ParquetOutputSettings Settings(string codec, bool byteStreamSplit, int logMelMantissaBits = MantissaRounding.DefaultLogMelMantissaBits) => codec switch
    {
        "zstd-fastest" => new(Compression: "zstd", CompressionLevel: CompressionLevel.Fastest, ByteStreamSplitFloats: byteStreamSplit, LogMelMantissaBits: logMelMantissaBits),
        "zstd-optimal" => new(Compression: "zstd", CompressionLevel: CompressionLevel.Optimal, ByteStreamSplitFloats: byteStreamSplit, LogMelMantissaBits: logMelMantissaBits),
        "snappy" => new(Compression: "snappy", ByteStreamSplitFloats: byteStreamSplit, LogMelMantissaBits: logMelMantissaBits),
        _ => throw new ArgumentException($"Unknown codec '{codec}'.", nameof(codec)),
    };
}
