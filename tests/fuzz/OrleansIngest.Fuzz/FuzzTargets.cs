using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Sensors;

namespace OrleansIngest.Fuzz;

/// <summary>
/// The fuzz targets: each runs one managed parser over an input to the end. An <see cref="InvalidMediaException"/>
/// is the parser doing its job; any other exception escapes and is a finding.
/// </summary>
internal static class FuzzTargets
{
    /// <summary>The targets by name.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> ByName { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        ["sensor-csv"] = input => RunSensor(input, SensorFileFormat.Csv),
        ["sensor-jsonl"] = input => RunSensor(input, SensorFileFormat.JsonLines),
        ["wav"] = RunWav,
    };

    private static void RunSensor(byte[] input, SensorFileFormat format)
    {
        // Built per input, never in a static initialiser: instrumented code must not run before SharpFuzz has
        // set up the coverage map. Small bounds keep each execution fast and let the fuzzer reach the bound checks.
        var settings = SensorWindowSettings.Default with
        {
            Format = format,
            MaxLineBytes = 4096,
            MaxSensors = 64,
            MaxChannels = 64,
            MaxOpenWindows = 256,
            MaxOpenChannelWindows = 4096,
            MaxDecompressedBytes = 1 << 20,
        };

        // Both reading modes: the two-pass read (unsorted input) and the single pass (AssumeSorted).
        ReadSensor(input, settings);
        ReadSensor(input, settings with { AssumeSorted = true });
    }

    private static void ReadSensor(byte[] input, SensorWindowSettings settings)
    {
        try
        {
            Drain(input, settings).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidMediaException)
        {
        }
    }

    private static async ValueTask Drain(byte[] input, SensorWindowSettings settings)
    {
        using var stream = new MemoryStream(input, writable: false);
        await foreach (var window in SensorFileReader.ReadWindowsAsync(stream, "fuzz://input", settings))
        {
            Check(window);
        }
    }

    private static void Check(SensorWindow window)
    {
        for (var c = 0; c < window.ChannelNames.Length; c++)
        {
            // Statistics are NaN (no values) or finite, the mean within [min, max]; anything else is a bug.
            var mean = window.Mean[c];
            if (double.IsInfinity(mean) || double.IsInfinity(window.Std[c]) || (!double.IsNaN(mean) && (mean < window.Min[c] || mean > window.Max[c])))
            {
                throw new InvalidOperationException($"window {window.WindowIndex}, channel {c}: mean {mean}, std {window.Std[c]}, min {window.Min[c]}, max {window.Max[c]}");
            }
        }
    }

    private static void RunWav(byte[] input)
    {
        try
        {
            DecodeWav(input).AsTask().GetAwaiter().GetResult();
        }
        catch (InvalidMediaException)
        {
        }
    }

    private static async ValueTask DecodeWav(byte[] input)
    {
        using var stream = new MemoryStream(input, writable: false);
        using var source = await WavDecoder.OpenAsync(stream, input.Length, "fuzz://input.wav");
        var buffer = new float[4096];
        while (await source.ReadAsync(buffer) > 0)
        {
        }
    }
}
