using OrleansIngest.Processing.Features;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.EndToEnd;

/// <summary>
/// Parquet writing of real log-mel rows (30 s segments of the benchmark speech) with the pipeline's settings
/// (zstd, byte-stream-split floats, 8 rows per group). The same rows go uncompressed to
/// <c>logmel_rows.parquet</c>, which the DuckDB peer loads into memory and writes with its own zstd, so both
/// sides are timed on writing alone. Rate = float payload (80 × frames × 4 bytes per row) per second.
/// </summary>
internal static class ParquetStage
{
    private const int MinRows = 100;
    private const int SegmentSamples = 30 * WhisperLogMel.SampleRate;

    /// <summary>The pipeline's settings against DuckDB, then the other codecs for the record.</summary>
    public static async IAsyncEnumerable<StageResult> RunAllAsync(string work, float[] speech, double minSeconds)
    {
        yield return await RunAsync(work, speech, minSeconds);
        var rows = Rows(speech);
        foreach (var (codec, split) in new[] { ("zstd", false), ("lz4", true), ("snappy", true), ("none", false) })
        {
            yield return await MeasureAsync($"parquet.{codec}{(split ? "+bss" : "")}", $"write log-mel rows, {codec}{(split ? ", byte-stream-split" : "")}", rows, new ParquetOutputSettings(RowGroupRows: 8, Compression: codec, ByteStreamSplitFloats: split), minSeconds);
        }
    }

    public static async Task<StageResult> RunAsync(string work, float[] speech, double minSeconds)
    {
        var rows = Rows(speech);
        var payload = rows.Sum(r => (long)r.LogMel.Length * sizeof(float));
        await using (var file = File.Create(Path.Combine(work, "logmel_rows.parquet")))
        {
            await WriteAsync(file, rows, new ParquetOutputSettings(RowGroupRows: 8, Compression: "none", ByteStreamSplitFloats: false));
        }

        return await MeasureAsync("parquet", "write log-mel rows to Parquet (zstd, byte-stream-split floats), float payload MB/s", rows, new ParquetOutputSettings(RowGroupRows: 8), minSeconds);
    }

    private static async Task<StageResult> MeasureAsync(string stage, string description, List<AudioSegmentRow> rows, ParquetOutputSettings settings, double minSeconds)
    {
        var payload = rows.Sum(r => (long)r.LogMel.Length * sizeof(float));
        var sink = new MemoryStream(capacity: (int)Math.Min(int.MaxValue, payload));
        long written = 0;
        var best = await StageTimer.BestSecondsAsync(
            async () =>
            {
                sink.SetLength(0);
                await WriteAsync(sink, rows, settings);
                written = sink.Length;
            },
            minSeconds);
        return new StageResult(stage, StageResult.Ours, description, payload / 1e6 / best, "mb_per_s",
            new Dictionary<string, double> { ["rows"] = rows.Count, ["payload_mb"] = payload / 1e6, ["file_mb"] = written / 1e6, ["best_s"] = best });
    }

    private static async Task WriteAsync(Stream output, IReadOnlyList<AudioSegmentRow> rows, ParquetOutputSettings settings)
    {
        await using var writer = await TableFileWriter<AudioSegmentRow>.CreateAsync(output, settings);
        await writer.AppendAsync(rows);
        await writer.CompleteAsync();
    }

    private static List<AudioSegmentRow> Rows(float[] speech)
    {
        // Distinct audio for every row: repeated rows in one row group would let zstd find the repeats and
        // flatter every codec (real segments never repeat).
        if (speech.Length < MinRows * SegmentSamples)
        {
            speech = Stages.Speech(MinRows * 30.0);
        }

        var logMel = new WhisperLogMel();
        var segments = Math.Max(1, speech.Length / SegmentSamples);
        var features = new List<float[]>();
        for (var s = 0; s < segments; s++)
        {
            var length = Math.Min(SegmentSamples, speech.Length - (s * SegmentSamples));
            var destination = new float[WhisperLogMel.MelBands * WhisperLogMel.FrameCount(length)];
            logMel.Compute(speech.AsSpan(s * SegmentSamples, length), destination);
            features.Add(destination);
        }

        var ingestedAt = new DateTimeOffset(2026, 11, 29, 0, 0, 0, TimeSpan.Zero);
        var rows = new List<AudioSegmentRow>();
        for (var r = 0; r < Math.Max(MinRows, segments); r++)
        {
            var mel = features[r % segments];
            rows.Add(new AudioSegmentRow
            {
                SegmentId = $"unit-{r / 20:D6}-{r % 20:D6}",
                SourceUri = $"https://account.blob.core.windows.net/raw/calls/{r / 20:D6}.wav",
                SourceEtag = $"\"0x8DC{r / 20:X8}\"",
                SourceBytes = 19_200_044,
                SegmentIndex = r % 20,
                StartS = (r % 20) * 30.0,
                EndS = ((r % 20) * 30.0) + (mel.Length / WhisperLogMel.MelBands / 100.0),
                SampleRate = WhisperLogMel.SampleRate,
                ChannelsIn = 1,
                CodecIn = "pcm_s16le",
                LogMel = mel,
                LogMelFrames = mel.Length / WhisperLogMel.MelBands,
                SpeechProbMean = 0.5f,
                SpeechRatio = 0.5f,
                PipelineVersion = "default@1+benchmark",
                ModelVersions = "silero_vad@sha256:1a153a22f450",
                IngestedAt = ingestedAt,
            });
        }

        return rows;
    }
}
