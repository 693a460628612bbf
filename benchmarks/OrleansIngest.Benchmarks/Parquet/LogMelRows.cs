using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Benchmarks.Parquet;

/// <summary>Audio rows shaped like real ones: 30 s of Whisper log-mel (80 × 3000 floats) each.</summary>
internal static class LogMelRows
{
    public const int RowCount = 100;
    public const int Frames = 3000;

    public static long InputFloatBytes => (long)RowCount * AudioSegmentRow.MelBands * Frames * sizeof(float);

    /// <summary>
    /// Values like a normalised log-mel: a smooth spectral envelope per band plus noise, in about [-1.5, 1.5],
    /// with full float32 mantissas (which is what makes log-mel hard to compress).
    /// </summary>
    public static AudioSegmentRow[] Create()
    {
        var random = new Random(20240501);
        var rows = new AudioSegmentRow[RowCount];
        var ingestedAt = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        for (var r = 0; r < rows.Length; r++)
        {
            var logMel = new float[AudioSegmentRow.MelBands * Frames];
            for (var band = 0; band < AudioSegmentRow.MelBands; band++)
            {
                var envelope = 0.6 - (band / 80.0);
                for (var frame = 0; frame < Frames; frame++)
                {
                    var speech = Math.Sin((frame * 0.013) + r) * 0.4;
                    logMel[(band * Frames) + frame] = (float)(envelope + speech + ((random.NextDouble() - 0.5) * 0.3));
                }
            }

            rows[r] = new AudioSegmentRow
            {
                SegmentId = $"unit-{r / 4:D6}-{r % 4:D4}",
                SourceUri = $"https://account.blob.core.windows.net/raw/calls/{r / 4:D6}.flac",
                SourceEtag = $"\"0x8DC{r / 4:X8}\"",
                SourceBytes = 40_000_000 + (r / 4),
                SegmentIndex = r % 4,
                StartS = (r % 4) * 30.0,
                EndS = ((r % 4) * 30.0) + 30.0,
                SampleRate = 16000,
                ChannelsIn = 2,
                CodecIn = "flac",
                LogMel = logMel,
                LogMelFrames = Frames,
                SpeechProbMean = (float)random.NextDouble(),
                SpeechRatio = (float)random.NextDouble(),
                PipelineVersion = "speech-v1",
                ModelVersions = "silero_vad@1a153a22",
                IngestedAt = ingestedAt.AddMilliseconds(r),
            };
        }

        return rows;
    }
}
