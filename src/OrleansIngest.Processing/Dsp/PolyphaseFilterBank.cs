using System.Collections.Concurrent;

namespace OrleansIngest.Processing.Dsp;

/// <summary>
/// The Kaiser-windowed sinc low-pass of a rate conversion, split into polyphase rows. Designed once per
/// (input, output) rate pair and shared (immutable). Row <c>p</c> holds the taps for an output that
/// falls <c>p / Phases</c> of an input sample after the newest "centre" input sample.
/// </summary>
internal sealed class PolyphaseFilterBank
{
    /// <summary>Most phases stored exactly; larger ratios interpolate between this many table rows.</summary>
    internal const int MaxExactPhases = 1024;

    /// <summary>Table rows used when the reduced up-factor exceeds <see cref="MaxExactPhases"/>.</summary>
    internal const int InterpolatedPhases = 512;

    private static readonly ConcurrentDictionary<(int In, int Out), PolyphaseFilterBank> Cache = new();

    private PolyphaseFilterBank(int inputRate, int outputRate)
    {
        var divisor = Gcd(inputRate, outputRate);
        Up = outputRate / divisor;
        Down = inputRate / divisor;
        Interpolated = Up > MaxExactPhases;
        var rows = Interpolated ? InterpolatedPhases + 1 : Up;
        Phases = Interpolated ? InterpolatedPhases : Up;

        // Design in units of input samples: pass band to 0.90 of the lower Nyquist frequency, stop band
        // from the lower Nyquist, so nothing above it survives to alias after decimation.
        var lowerNyquist = Math.Min(inputRate, outputRate) / 2.0;
        CutoffHz = lowerNyquist * (1 + PolyphaseResampler.PassBandEdgeRatio) / 2;
        var transition = lowerNyquist * (1 - PolyphaseResampler.PassBandEdgeRatio) / inputRate;
        // Kaiser's length and β formulas are approximations that can miss by a few tenths of a dB at
        // the band edge; designing for 2 dB more keeps the promised attenuation everywhere.
        var attenuation = PolyphaseResampler.StopBandAttenuationDb + 2;
        Beta = 0.1102 * (attenuation - 8.7);
        var length = (int)Math.Ceiling((attenuation - 7.95) / (14.36 * transition)) + 1;

        // Whole SIMD blocks: a slightly longer window only narrows the transition band.
        // It also spans at least one output step, so the streaming buffer always holds the next window.
        HalfWidth = RoundUp(Math.Max((length + 1) / 2, ((Down + Up - 1) / Up) + 1), 8);
        Taps = 2 * HalfWidth;
        Coefficients = new float[rows * Taps];

        var cutoff = CutoffHz / inputRate;
        var denominator = BesselI0(Beta);
        var row = new double[Taps];
        for (var p = 0; p < rows; p++)
        {
            var fraction = (double)p / Phases;
            var sum = 0.0;
            for (var i = 0; i < Taps; i++)
            {
                var t = fraction + HalfWidth - 1 - i;
                var u = t / HalfWidth;
                var window = Math.Abs(u) >= 1 ? 0 : BesselI0(Beta * Math.Sqrt(1 - (u * u))) / denominator;
                row[i] = 2 * cutoff * Sinc(2 * cutoff * t) * window;
                sum += row[i];
            }

            // Unit DC gain for every phase, so a constant stays constant whatever the output position.
            for (var i = 0; i < Taps; i++)
            {
                Coefficients[(p * Taps) + i] = (float)(row[i] / sum);
            }
        }
    }

    /// <summary>Reduced interpolation factor L (output rate / gcd).</summary>
    public int Up { get; }

    /// <summary>Reduced decimation factor M (input rate / gcd).</summary>
    public int Down { get; }

    /// <summary>True when rows are interpolated because L is too large to store every phase.</summary>
    public bool Interpolated { get; }

    /// <summary>Phase resolution of the table (L when exact).</summary>
    public int Phases { get; }

    /// <summary>Half the filter length in input samples (K); each output uses 2K inputs.</summary>
    public int HalfWidth { get; }

    /// <summary>Filter length per phase (2K).</summary>
    public int Taps { get; }

    /// <summary>Kaiser β.</summary>
    public double Beta { get; }

    /// <summary>−6 dB cut-off frequency in Hz.</summary>
    public double CutoffHz { get; }

    /// <summary>Rows × <see cref="Taps"/> coefficients, row-major.</summary>
    public float[] Coefficients { get; }

    public ReadOnlySpan<float> Row(int phase) => Coefficients.AsSpan(phase * Taps, Taps);

    public static PolyphaseFilterBank Get(int inputRate, int outputRate) =>
        Cache.GetOrAdd((inputRate, outputRate), static key => new PolyphaseFilterBank(key.In, key.Out));

    internal static int Gcd(int a, int b)
    {
        while (b != 0)
        {
            (a, b) = (b, a % b);
        }

        return a;
    }

    private static int RoundUp(int value, int multiple) => (value + multiple - 1) / multiple * multiple;

    private static double Sinc(double x) => x == 0 ? 1 : Math.Sin(Math.PI * x) / (Math.PI * x);

    private static double BesselI0(double x)
    {
        // Power series; converges quickly for the β values a Kaiser design uses.
        var sum = 1.0;
        var term = 1.0;
        var quarter = x * x / 4;
        for (var k = 1; k < 500; k++)
        {
            term *= quarter / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17)
            {
                break;
            }
        }

        return sum;
    }
}
