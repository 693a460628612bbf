using System.Globalization;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Tests.Parquet;

/// <summary>Deterministic rows for writer tests; every value is a function of the row index.</summary>
internal static class ParquetTestRows
{
    // An offset other than zero proves that the writer stores the instant, not the wall-clock time.
    public static readonly DateTimeOffset IngestedAt = new DateTimeOffset(2025, 3, 4, 7, 6, 7, TimeSpan.FromHours(2)).AddTicks(1_234_560);

    public const string IngestedAtUtcIso = "2025-03-04T05:06:07.123456Z";

    public static float LogMelValue(int row, int index) =>
        (float)((Math.Sin((row * 0.37) + (index * 0.001)) * 2.5) - 0.5);

    /// <summary>The log-mel of <paramref name="row"/> as the default settings store it (15 mantissa bits).</summary>
    public static float[] StoredLogMel(AudioSegmentRow row)
    {
        var stored = new float[row.LogMel.Length];
        MantissaRounding.RoundCopy(row.LogMel, stored, MantissaRounding.DefaultLogMelMantissaBits);
        return stored;
    }

    public static AudioSegmentRow Audio(int index, int frames = 30)
    {
        var logMel = new float[AudioSegmentRow.MelBands * frames];
        for (var i = 0; i < logMel.Length; i++)
        {
            logMel[i] = LogMelValue(index, i);
        }

        return new AudioSegmentRow
        {
            SegmentId = "seg-" + index.ToString(CultureInfo.InvariantCulture),
            SourceUri = "file:///data/calls/call-" + (index / 4).ToString(CultureInfo.InvariantCulture) + ".wav",
            SourceEtag = "\"0x8DC" + index.ToString("X4", CultureInfo.InvariantCulture) + "\"",
            SourceBytes = 5_000_000_000L + index,
            SegmentIndex = index % 4,
            StartS = (index % 4) * 30.0,
            EndS = ((index % 4) * 30.0) + 29.5,
            SampleRate = 16000,
            ChannelsIn = 1 + (index % 2),
            CodecIn = index % 2 == 0 ? "pcm_s16le" : "flac",
            LogMel = logMel,
            LogMelFrames = frames,
            SpeechProbMean = 0.25f + (index * 0.01f),
            SpeechRatio = 0.5f + (index * 0.005f),
            PipelineVersion = "speech-v1",
            ModelVersions = "silero_vad@1a153a22",
            IngestedAt = IngestedAt.AddSeconds(index),
        };
    }

    public static SensorWindowRow Sensor(int index, int channels = 3)
    {
        var start = new DateTimeOffset(2024, 12, 31, 23, 59, 0, TimeSpan.Zero).AddMinutes(index);
        return new SensorWindowRow
        {
            WindowId = "win-" + index.ToString(CultureInfo.InvariantCulture),
            SourceUri = "file:///data/gas/array-" + (index / 5).ToString(CultureInfo.InvariantCulture) + ".csv",
            SourceEtag = "etag-" + index.ToString(CultureInfo.InvariantCulture),
            SensorId = index % 3 == 0 ? null : "sensor-" + (index % 3).ToString(CultureInfo.InvariantCulture),
            WindowIndex = index % 5,
            StartTs = start,
            EndTs = start.AddSeconds(60),
            SampleCount = 600 + index,
            ChannelNames = [.. Enumerable.Range(0, channels).Select(c => "ch" + c.ToString(CultureInfo.InvariantCulture))],
            Mean = [.. Enumerable.Range(0, channels).Select(c => (index * 1.5) + (c * 0.1))],
            Std = [.. Enumerable.Range(0, channels).Select(c => 0.01 + (c * 0.02))],
            Min = [.. Enumerable.Range(0, channels).Select(c => -1.0 - index - c)],
            Max = [.. Enumerable.Range(0, channels).Select(c => 1.0 + index + c)],
            Slope = [.. Enumerable.Range(0, channels).Select(c => c == 2 ? double.NaN : (index * 0.01) - c)],
            NullCounts = [.. Enumerable.Range(0, channels).Select(c => (index + c) % 4)],
            PipelineVersion = "gas-v2",
            IngestedAt = IngestedAt.AddSeconds(index),
        };
    }

    public static AudioSegmentRow[] AudioRows(int count, int frames = 30) =>
        [.. Enumerable.Range(0, count).Select(i => Audio(i, frames))];

    public static SensorWindowRow[] SensorRows(int count) =>
        [.. Enumerable.Range(0, count).Select(i => Sensor(i))];
}
