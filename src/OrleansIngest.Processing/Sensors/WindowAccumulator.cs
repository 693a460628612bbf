namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Running statistics of one window: Welford mean/variance per channel and the co-moment with time for the
/// least-squares slope. Time is measured from the window start so the products stay small and exact enough.
/// </summary>
internal sealed class WindowAccumulator
{
    private readonly ChannelStatistics[] _channels;

    public WindowAccumulator(int index, long startTicks, int channelCount)
    {
        Index = index;
        StartTicks = startTicks;
        _channels = new ChannelStatistics[channelCount];
        for (var c = 0; c < channelCount; c++)
        {
            _channels[c].Min = double.PositiveInfinity;
            _channels[c].Max = double.NegativeInfinity;
        }
    }

    public int Index { get; }

    public long StartTicks { get; }

    public int SampleCount { get; private set; }

    /// <summary>Adds one row; NaN values count as missing.</summary>
    public void Add(long ticks, ReadOnlySpan<double> values)
    {
        SampleCount++;
        var t = (ticks - StartTicks) / (double)TimeSpan.TicksPerSecond;
        for (var c = 0; c < values.Length; c++)
        {
            var x = values[c];
            ref var s = ref _channels[c];
            if (double.IsNaN(x))
            {
                s.Nulls++;
                continue;
            }

            s.Count++;
            var dt = t - s.MeanT;
            s.MeanT += dt / s.Count;
            var dx = x - s.MeanX;
            s.MeanX += dx / s.Count;
            var dxAfter = x - s.MeanX;
            s.M2X += dx * dxAfter;
            s.M2T += dt * (t - s.MeanT);
            s.CoMoment += dt * dxAfter;
            s.Min = Math.Min(s.Min, x);
            s.Max = Math.Max(s.Max, x);
        }
    }

    public SensorWindow ToWindow(string? sensorId, string[] channelNames, long lengthTicks)
    {
        var n = _channels.Length;
        double[] mean = new double[n], std = new double[n], min = new double[n], max = new double[n], slope = new double[n];
        var nulls = new int[n];
        for (var c = 0; c < n; c++)
        {
            ref readonly var s = ref _channels[c];
            nulls[c] = s.Nulls;
            if (s.Count == 0)
            {
                mean[c] = std[c] = min[c] = max[c] = slope[c] = double.NaN;
                continue;
            }

            mean[c] = s.MeanX;
            std[c] = Math.Sqrt(Math.Max(0, s.M2X / s.Count));
            min[c] = s.Min;
            max[c] = s.Max;
            slope[c] = s.M2T > 0 ? s.CoMoment / s.M2T : double.NaN;
        }

        var start = new DateTimeOffset(StartTicks, TimeSpan.Zero);
        return new SensorWindow(
            sensorId,
            Index,
            start,
            new DateTimeOffset(StartTicks + lengthTicks, TimeSpan.Zero),
            SampleCount,
            channelNames,
            mean,
            std,
            min,
            max,
            nulls,
            slope);
    }

    private struct ChannelStatistics
    {
        public int Count;
        public int Nulls;
        public double MeanT;
        public double MeanX;
        public double M2X;
        public double M2T;
        public double CoMoment;
        public double Min;
        public double Max;
    }
}
