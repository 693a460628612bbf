using System.Globalization;
using System.Text;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>Window classes of <see cref="LabelledSensorSeries"/>, in the order of the sensor model's outputs.</summary>
public static class SensorAnomalyClasses
{
    /// <summary>Labels: a healthy window, a channel ramping away, a channel with a short spike, a channel stuck at one value.</summary>
    public static IReadOnlyList<string> Labels { get; } = ["normal", "drift", "spike", "stuck"];

    /// <summary>Channels of the generated series (and of the sensor model's input), in order.</summary>
    public static IReadOnlyList<string> Channels { get; } = ["temperature", "humidity", "voc", "co2"];
}

/// <summary>
/// Labelled multichannel sensor series for training and testing the sensor anomaly model: a 2 Hz CSV of temperature,
/// humidity, VOC and CO2 with slow cycles, random-walk levels and noise, in which every 10 s window (aligned to the
/// first timestamp, as the pipeline windows it) has one class: <c>normal</c>, <c>drift</c> (one channel ramps at
/// 0.4–1.5 units of its scale per second), <c>spike</c> (one or two samples of one channel jump by 6–15 times its
/// noise), or <c>stuck</c> (one channel repeats one value). Deterministic for a seed.
/// </summary>
public static class LabelledSensorSeries
{
    /// <summary>Sample rate of the series.</summary>
    public const double RateHz = 2;

    /// <summary>Window length the labels refer to (the pipeline's default).</summary>
    public const double WindowSeconds = 10;

    private const int SamplesPerWindow = (int)(RateHz * WindowSeconds);

    // Typical level, noise and cycle amplitude per channel: temperature °C, relative humidity %, VOC ppm, CO2 ppm.
    private static readonly double[] Level = [21, 45, 0.4, 500];
    private static readonly double[] Noise = [0.05, 0.4, 0.01, 4];
    private static readonly double[] Cycle = [0.8, 3, 0.05, 40];

    /// <summary>
    /// Writes <paramref name="windows"/> labelled windows as CSV (<c>timestamp,temperature,humidity,voc,co2</c>, ISO UTC)
    /// and returns the label of each window, by window index.
    /// </summary>
    public static IReadOnlyList<string> Write(TextWriter writer, int seed, int windows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfLessThan(windows, 1);
        var random = DeterministicRandom.For(seed, "labelled-sensor-series");
        var channels = SensorAnomalyClasses.Channels.Count;
        var start = new DateTimeOffset(2024, 6, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(random.Next(86_400));
        var phase = Enumerable.Range(0, channels).Select(_ => random.Uniform(0, 2 * Math.PI)).ToArray();
        var offset = new double[channels];
        var labels = new List<string>(windows);
        writer.WriteLine("timestamp," + string.Join(',', SensorAnomalyClasses.Channels));
        var values = new double[SamplesPerWindow, channels];
        for (var w = 0; w < windows; w++)
        {
            var label = random.Next(SensorAnomalyClasses.Labels.Count);
            labels.Add(SensorAnomalyClasses.Labels[label]);
            for (var c = 0; c < channels; c++)
            {
                // Levels wander between windows, so the model must judge shape, not absolute level.
                offset[c] += 0.6 * Cycle[c] * random.NextGaussian();
                offset[c] = Math.Clamp(offset[c], -4 * Cycle[c], 4 * Cycle[c]);
            }

            for (var k = 0; k < SamplesPerWindow; k++)
            {
                var t = (w * WindowSeconds) + (k / RateHz);
                for (var c = 0; c < channels; c++)
                {
                    values[k, c] = Level[c] + offset[c] + (Cycle[c] * Math.Sin((2 * Math.PI * t / 1800) + phase[c])) + (Noise[c] * random.NextGaussian());
                }
            }

            var channel = random.Next(channels);
            switch (label)
            {
                case 1:
                    var rate = random.Uniform(0.4, 1.5) * Cycle[channel] * (random.Next(2) == 0 ? -1 : 1);
                    for (var k = 0; k < SamplesPerWindow; k++)
                    {
                        values[k, channel] += rate * (k / RateHz);
                    }

                    break;
                case 2:
                    var spikes = 1 + random.Next(2);
                    for (var s = 0; s < spikes; s++)
                    {
                        values[random.Next(SamplesPerWindow), channel] += random.Uniform(6, 15) * Noise[channel] * (random.Next(2) == 0 ? -1 : 1);
                    }

                    break;
                case 3:
                    for (var k = 1; k < SamplesPerWindow; k++)
                    {
                        values[k, channel] = values[0, channel];
                    }

                    break;
            }

            for (var k = 0; k < SamplesPerWindow; k++)
            {
                var line = new StringBuilder();
                line.Append(start.AddSeconds((w * WindowSeconds) + (k / RateHz)).ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
                for (var c = 0; c < channels; c++)
                {
                    line.Append(',').Append(values[k, c].ToString("R", CultureInfo.InvariantCulture));
                }

                writer.WriteLine(line.ToString());
            }
        }

        return labels;
    }

    /// <summary>Writes the series to <paramref name="path"/> and returns the window labels.</summary>
    public static IReadOnlyList<string> WriteFile(string path, int seed, int windows)
    {
        using var writer = new StreamWriter(path, append: false, new UTF8Encoding(false)) { NewLine = "\n" };
        return Write(writer, seed, windows);
    }
}
