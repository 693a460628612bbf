namespace OrleansIngest.Processing.Features;

/// <summary>
/// Mel filter banks computed exactly as <c>librosa.filters.mel(htk=False, norm='slaney')</c>: Slaney's
/// mel scale (linear below 1 kHz, logarithmic above), triangular filters between consecutive mel
/// points, each scaled to unit area (2 / bandwidth in Hz). Computed in double, stored as float32 like
/// librosa's default dtype.
/// </summary>
public static class MelFilterBank
{
    private const double LinearStep = 200.0 / 3;
    private const double LogStartHz = 1000;
    private const double LogStartMel = LogStartHz / LinearStep;
    private static readonly double LogStep = Math.Log(6.4) / 27;

    /// <summary>Slaney mel value of <paramref name="hz"/>.</summary>
    public static double HzToMel(double hz) =>
        hz >= LogStartHz ? LogStartMel + (Math.Log(hz / LogStartHz) / LogStep) : hz / LinearStep;

    /// <summary>Frequency in Hz of the Slaney mel value <paramref name="mel"/>.</summary>
    public static double MelToHz(double mel) =>
        mel >= LogStartMel ? LogStartHz * Math.Exp(LogStep * (mel - LogStartMel)) : LinearStep * mel;

    /// <summary>
    /// Dense filter bank, row-major [<paramref name="melBands"/>, <paramref name="fftSize"/>/2 + 1],
    /// for mel points evenly spaced from <paramref name="minHz"/> to <paramref name="maxHz"/>.
    /// </summary>
    public static float[] Create(int sampleRate, int fftSize, int melBands, double minHz = 0, double? maxHz = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(fftSize, 2);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(melBands);
        var top = maxHz ?? sampleRate / 2.0;
        var bins = (fftSize / 2) + 1;

        var minMel = HzToMel(minHz);
        var maxMel = HzToMel(top);
        var points = new double[melBands + 2];
        for (var i = 0; i < points.Length; i++)
        {
            // np.linspace: start + i * step, the last point exactly the stop value.
            var mel = i == points.Length - 1 ? maxMel : minMel + (i * ((maxMel - minMel) / (melBands + 1)));
            points[i] = MelToHz(mel);
        }

        // np.fft.rfftfreq: k * (1 / (n * (1 / sr))).
        var binWidth = 1.0 / (fftSize * (1.0 / sampleRate));
        var weights = new float[melBands * bins];
        for (var band = 0; band < melBands; band++)
        {
            var lowerWidth = points[band + 1] - points[band];
            var upperWidth = points[band + 2] - points[band + 1];
            var norm = 2.0 / (points[band + 2] - points[band]);
            for (var k = 0; k < bins; k++)
            {
                var frequency = k * binWidth;
                var lower = -(points[band] - frequency) / lowerWidth;
                var upper = (points[band + 2] - frequency) / upperWidth;
                var value = Math.Max(0, Math.Min(lower, upper));
                // librosa stores the triangle in float32, then scales it in float64.
                weights[(band * bins) + k] = (float)((float)value * norm);
            }
        }

        return weights;
    }
}
