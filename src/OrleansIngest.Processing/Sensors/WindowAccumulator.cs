namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Running statistics of one window: Welford mean/variance per channel and the co-moment with time for the
/// least-squares slope. Time is measured from the window start so the products stay small and exact enough.
/// </summary>
/// <remarks>
/// Any finite double is a valid reading, and the squares in the variance of values near 1e308 overflow. So a channel
/// that sees a magnitude above 2^400 switches, once, to accumulating its values times 2^-600: a power of two, so the
/// scaling itself is exact, and every intermediate (values up to 2^424, squares summed over 2^31 rows) stays far
/// inside the double range. Mean and standard deviation are then always finite; a slope too steep for a double is
/// reported as NaN rather than infinity.
/// </remarks>
internal sealed class WindowAccumulator
{
    private static readonly double LargeMagnitude = Math.ScaleB(1.0, 400);
    private static readonly double DownScale = Math.ScaleB(1.0, -600);

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
            _channels[c].Scale = 1.0;
        }
    }

    public int Index { get; }

    public long StartTicks { get; }

    public int SampleCount { get; private set; }

    public int ChannelCount => _channels.Length;

    /// <summary>Adds one row; NaN values count as missing. Values must not be infinite.</summary>
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

            if (Math.Abs(x) > LargeMagnitude && s.Scale == 1.0)
            {
                s.MeanX *= DownScale;
                s.M2X = s.M2X * DownScale * DownScale;
                s.CoMoment *= DownScale;
                s.Scale = DownScale;
            }

            var scaled = x * s.Scale;
            s.Count++;
            var dt = t - s.MeanT;
            s.MeanT += dt / s.Count;
            var dx = scaled - s.MeanX;
            s.MeanX += dx / s.Count;
            var dxAfter = scaled - s.MeanX;
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

            min[c] = s.Min;
            max[c] = s.Max;

            // The mean lies in [min, max] and the population deviation is at most (max - min) / 2 (Popoviciu);
            // the clamps only undo rounding at the edge of the double range.
            mean[c] = Math.Clamp(s.MeanX / s.Scale, s.Min, s.Max);
            std[c] = Math.Min(Math.Sqrt(Math.Max(0, s.M2X / s.Count)) / s.Scale, (s.Max / 2) - (s.Min / 2));
            var slopeValue = s.M2T > 0 ? s.CoMoment / s.M2T / s.Scale : double.NaN;
            slope[c] = double.IsFinite(slopeValue) ? slopeValue : double.NaN;
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
        public double Scale;
        public double MeanX;
        public double M2X;
        public double MeanT;
        public double M2T;
        public double CoMoment;
        public double Min;
        public double Max;
    }
}
