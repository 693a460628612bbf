using System.IO.Compression;
using BenchmarkDotNet.Attributes;
using global::Parquet;
using global::Parquet.Serialization;
using global::Parquet.Serialization.Attributes;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Benchmarks.Parquet;

/// <summary>
/// Why <see cref="TableFileWriter{TRow}"/> uses Parquet.Net's low-level column API: the same 100 log-mel rows
/// through <see cref="ParquetSerializer"/> (which stripes every list element through compiled expressions).
/// Both write zstd level 1 with PLAIN floats and exact log-mel (23 mantissa bits), one file of 64-row groups.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ParquetThroughputConfig))]
public class ParquetWriterApiBenchmarks
{
    private AudioSegmentRow[] _rows = [];
    private SerializedAudioRow[] _serializerRows = [];
    private MemoryStream _output = new();

    [GlobalSetup]
    public void Setup()
    {
        _rows = LogMelRows.Create();
        _serializerRows = [.. _rows.Select(SerializedAudioRow.From)];
        _output = new MemoryStream(capacity: (int)(LogMelRows.InputFloatBytes + (16 << 20)));
    }

    [Benchmark(Baseline = true)]
    public async Task<long> LowLevelColumns()
    {
        _output.SetLength(0);
        return await ParquetWriterBenchmarks.WriteAsync(_rows, _output, ParquetWriterBenchmarks.Settings("zstd-fastest", byteStreamSplit: false, logMelMantissaBits: MantissaRounding.FullMantissaBits));
    }

    [Benchmark]
    public async Task<long> Serializer()
    {
        _output.SetLength(0);
        return await SerializeAsync(_serializerRows, _output);
    }

    internal static async Task<long> SerializeAsync(SerializedAudioRow[] rows, MemoryStream output)
    {
        var options = new ParquetOptions
        {
            CompressionMethod = CompressionMethod.Zstd,
            CompressionLevel = CompressionLevel.Fastest,
            RowGroupSize = 64,
        };
        await ParquetSerializer.SerializeAsync(rows, output, options);
        return output.Length;
    }

    /// <summary>The audio row as the serializer wants it: a mutable class, DateTime for the timestamp.</summary>
    internal sealed class SerializedAudioRow
    {
        [ParquetRequired]
        public string SegmentId { get; set; } = "";

        [ParquetRequired]
        public string SourceUri { get; set; } = "";

        [ParquetRequired]
        public string SourceEtag { get; set; } = "";

        public long SourceBytes { get; set; }

        public int SegmentIndex { get; set; }

        public double StartS { get; set; }

        public double EndS { get; set; }

        public int SampleRate { get; set; }

        public int ChannelsIn { get; set; }

        [ParquetRequired]
        public string CodecIn { get; set; } = "";

        [ParquetListElementRequired]
        public float[] LogMel { get; set; } = [];

        public int LogMelFrames { get; set; }

        public float SpeechProbMean { get; set; }

        public float SpeechRatio { get; set; }

        [ParquetRequired]
        public string PipelineVersion { get; set; } = "";

        [ParquetRequired]
        public string ModelVersions { get; set; } = "";

        [ParquetTimestamp(ParquetTimestampResolution.Microseconds, true, true)]
        public DateTime IngestedAt { get; set; }

        public static SerializedAudioRow From(AudioSegmentRow row) => new()
        {
            SegmentId = row.SegmentId,
            SourceUri = row.SourceUri,
            SourceEtag = row.SourceEtag,
            SourceBytes = row.SourceBytes,
            SegmentIndex = row.SegmentIndex,
            StartS = row.StartS,
            EndS = row.EndS,
            SampleRate = row.SampleRate,
            ChannelsIn = row.ChannelsIn,
            CodecIn = row.CodecIn,
            LogMel = row.LogMel,
            LogMelFrames = row.LogMelFrames,
            SpeechProbMean = row.SpeechProbMean,
            SpeechRatio = row.SpeechRatio,
            PipelineVersion = row.PipelineVersion,
            ModelVersions = row.ModelVersions,
            IngestedAt = row.IngestedAt.UtcDateTime,
        };
    }
}
