using System.Globalization;
using System.Text;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>
/// Gas-sensor-like CSV series: CO2 and VOC that rise with exposure events and decay, slow temperature and
/// humidity cycles, MOX resistances that drop during events. Three variants in turn: ISO/UTC at 1 Hz; epoch
/// seconds at 10 Hz with missing cells and a few late (swapped) rows; several sensors in one semicolon file
/// with ISO timestamps at a +01:00 offset, 2 Hz.
/// </summary>
internal static class SyntheticSensorFiles
{
    private static readonly DateTimeOffset BaseTime = new(2024, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] GasChannels = ["co2", "voc", "temperature", "humidity"];
    private static readonly string[] ArrayChannels = ["co2", "voc", "temperature", "humidity", "mox_r1", "mox_r2"];

    public static CorpusFile Write(string directory, int seed, int index)
    {
        var round = index / 3;
        var stretch = 1 + (0.25 * round);
        var plan = (index % 3) switch
        {
            0 => new SensorPlan($"sensors/site-a/gas-{index + 1:0000}.csv", ',', TimestampStyle.IsoUtc, 1, 5 * stretch, [], GasChannels, 0, 0),
            1 => new SensorPlan($"sensors/site-b/gas-{index + 1:0000}.csv", ',', TimestampStyle.EpochSeconds, 10, 4 * stretch, [], GasChannels, 0.01, 5),
            _ => new SensorPlan($"sensors/site-c/array-{index + 1:0000}.csv", ';', TimestampStyle.IsoPlusOneHour, 2, 3 * stretch, ["mox-1", "mox-2", "mox-3"], ArrayChannels, 0.005, 0),
        };

        var random = DeterministicRandom.For(seed, plan.RelativePath);
        var path = CorpusGenerator.FullPath(directory, plan.RelativePath);
        var sensors = Math.Max(1, plan.SensorIds.Length);
        var rowsPerSensor = (int)Math.Round(plan.Minutes * 60 * plan.RateHz);
        var periodTicks = (long)Math.Round(TimeSpan.TicksPerSecond / plan.RateHz);
        var start = BaseTime.UtcTicks + (random.Next(86_400) * TimeSpan.TicksPerSecond);
        var states = Enumerable.Range(0, sensors).Select(_ => new GasState(random)).ToArray();

        // Late rows: a row and its successor trade places, as when a logger flushes out of order.
        var swaps = new HashSet<int>();
        var pairs = (rowsPerSensor * sensors / 2) - 1;
        while (swaps.Count < Math.Min(plan.SwappedPairs, pairs))
        {
            var at = 1 + (2 * random.Next(pairs));
            swaps.Add(at);
        }

        var windowLength = CorpusManifest.SensorWindowLength.Ticks;
        var windows = 0;
        using (var writer = new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" })
        {
            var header = new List<string>();
            if (plan.SensorIds.Length > 0)
            {
                header.Add("sensor_id");
            }

            header.Add("timestamp");
            header.AddRange(plan.Channels);
            writer.WriteLine(string.Join(plan.Delimiter, header));

            string? held = null;
            var row = 0;
            for (var k = 0; k < rowsPerSensor; k++)
            {
                for (var s = 0; s < sensors; s++)
                {
                    // Sensors of one array sample a quarter second apart, so each has its own window alignment.
                    var ticks = start + (k * periodTicks) + (s * TimeSpan.TicksPerSecond / 4);
                    if (k == 0 || (k * periodTicks / windowLength) != ((k - 1) * periodTicks / windowLength))
                    {
                        windows++;
                    }

                    var line = FormatRow(plan, s, ticks, states[s].Step(1.0 / plan.RateHz, random), random);
                    if (swaps.Contains(row))
                    {
                        held = line;
                    }
                    else
                    {
                        writer.WriteLine(line);
                        if (held is not null)
                        {
                            writer.WriteLine(held);
                            held = null;
                        }
                    }

                    row++;
                }
            }

            if (held is not null)
            {
                writer.WriteLine(held);
            }
        }

        return new CorpusFile(plan.RelativePath, CorpusFileKind.Sensor, new FileInfo(path).Length)
        {
            WindowCount = windows,
            RowCount = rowsPerSensor * sensors,
            SensorCount = sensors,
            Description = string.Create(
                CultureInfo.InvariantCulture,
                $"{sensors} sensor(s), {plan.RateHz} Hz, {plan.Style}, delimiter '{(plan.Delimiter == '\t' ? "\\t" : plan.Delimiter.ToString())}', {plan.SwappedPairs} swapped row pair(s)"),
        };
    }

    private static string FormatRow(SensorPlan plan, int sensor, long ticks, double[] values, DeterministicRandom random)
    {
        var cells = new List<string>(plan.Channels.Length + 2);
        if (plan.SensorIds.Length > 0)
        {
            cells.Add(plan.SensorIds[sensor]);
        }

        cells.Add(FormatTimestamp(plan.Style, ticks));
        for (var c = 0; c < plan.Channels.Length; c++)
        {
            var missing = plan.MissingProbability > 0 && random.NextDouble() < plan.MissingProbability;
            cells.Add(missing ? string.Empty : values[c].ToString(plan.Channels[c] switch
            {
                "voc" => "F3",
                "temperature" or "mox_r1" or "mox_r2" => "F2",
                _ => "F1",
            }, CultureInfo.InvariantCulture));
        }

        return string.Join(plan.Delimiter, cells);
    }

    private static string FormatTimestamp(TimestampStyle style, long ticks)
    {
        var utc = new DateTimeOffset(ticks, TimeSpan.Zero);
        switch (style)
        {
            case TimestampStyle.IsoUtc:
                return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
            case TimestampStyle.IsoPlusOneHour:
                return utc.ToOffset(TimeSpan.FromHours(1)).ToString("yyyy-MM-dd'T'HH:mm:ss.fffzzz", CultureInfo.InvariantCulture);
            default:
                // Integer arithmetic, because a double cannot hold 1.7e9 s to the millisecond exactly.
                var sinceEpoch = ticks - DateTimeOffset.UnixEpoch.UtcTicks;
                var seconds = sinceEpoch / TimeSpan.TicksPerSecond;
                var milliseconds = sinceEpoch % TimeSpan.TicksPerSecond / TimeSpan.TicksPerMillisecond;
                return string.Create(CultureInfo.InvariantCulture, $"{seconds}.{milliseconds:000}");
        }
    }

    private enum TimestampStyle
    {
        IsoUtc,
        EpochSeconds,
        IsoPlusOneHour,
    }

    private sealed record SensorPlan(
        string RelativePath,
        char Delimiter,
        TimestampStyle Style,
        double RateHz,
        double Minutes,
        string[] SensorIds,
        string[] Channels,
        double MissingProbability,
        int SwappedPairs);

    /// <summary>One sensor's hidden state: an exposure level that jumps at random events and decays.</summary>
    private sealed class GasState(DeterministicRandom random)
    {
        private readonly double _phase = random.Uniform(0, 2 * Math.PI);
        private readonly double[] _values = new double[6];
        private double _time;
        private double _exposure;
        private double _drift;

        public double[] Step(double seconds, DeterministicRandom random)
        {
            _time += seconds;
            _exposure *= Math.Exp(-seconds / 60);
            if (random.NextDouble() < seconds / 90)
            {
                _exposure += random.Uniform(0.5, 1.5);
            }

            _drift += 0.3 * Math.Sqrt(seconds) * random.NextGaussian();
            var temp = 21 + (0.6 * Math.Sin((2 * Math.PI * _time / 900) + _phase)) + (0.03 * random.NextGaussian());
            _values[0] = 420 + (25 * Math.Sin((2 * Math.PI * _time / 600) + _phase)) + (180 * _exposure) + _drift;
            _values[1] = 0.15 + (0.9 * _exposure) + (0.02 * Math.Abs(random.NextGaussian()));
            _values[2] = temp;
            _values[3] = 45 - (1.5 * (temp - 21)) + (3 * _exposure) + (0.25 * random.NextGaussian());
            _values[4] = 48 / (1 + (2.5 * _exposure)) * (1 + (0.01 * random.NextGaussian()));
            _values[5] = 75 / (1 + (1.2 * _exposure)) * (1 + (0.01 * random.NextGaussian()));
            return _values;
        }
    }
}
