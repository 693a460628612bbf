namespace OrleansIngest.Processing.Features;

/// <summary>
/// MFCCs from a log-mel spectrogram: the orthonormal DCT-II over the mel bands of each frame (as
/// <c>scipy.fft.dct(x, type=2, norm="ortho", axis=0)</c>), keeping the first coefficients. Thread-safe once built.
/// </summary>
public sealed class Mfcc
{
    /// <summary>Default coefficient count.</summary>
    public const int DefaultCoefficients = 13;

    private readonly float[] _basis;

    /// <summary>Builds the DCT basis for <paramref name="melBands"/> bands and <paramref name="coefficients"/> coefficients.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is below 1, or more coefficients than bands are asked for.</exception>
    public Mfcc(int melBands = WhisperLogMel.MelBands, int coefficients = DefaultCoefficients)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(melBands, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(coefficients, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(coefficients, melBands);
        MelBands = melBands;
        Coefficients = coefficients;
        _basis = new float[coefficients * melBands];
        for (var k = 0; k < coefficients; k++)
        {
            var scale = Math.Sqrt((k == 0 ? 1.0 : 2.0) / melBands);
            for (var n = 0; n < melBands; n++)
            {
                _basis[(k * melBands) + n] = (float)(scale * Math.Cos(Math.PI * k * ((2 * n) + 1) / (2.0 * melBands)));
            }
        }
    }

    /// <summary>Mel bands of the input.</summary>
    public int MelBands { get; }

    /// <summary>Coefficients per frame of the output.</summary>
    public int Coefficients { get; }

    /// <summary>
    /// Computes MFCCs of a band-major log-mel (<c>[MelBands, frames]</c>: all frames of band 0, then band 1, …) into a
    /// band-major <c>[Coefficients, frames]</c> destination.
    /// </summary>
    /// <exception cref="ArgumentException">The spans do not hold <c>MelBands × frames</c> and <c>Coefficients × frames</c> values.</exception>
    public void Compute(ReadOnlySpan<float> logMel, int frames, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(frames);
        if (logMel.Length != (long)MelBands * frames || destination.Length != (long)Coefficients * frames)
        {
            throw new ArgumentException(
                $"Expected a log-mel of {MelBands} × {frames} values and a destination of {Coefficients} × {frames}; got {logMel.Length} and {destination.Length}.");
        }

        destination.Clear();
        for (var k = 0; k < Coefficients; k++)
        {
            var row = destination.Slice(k * frames, frames);
            for (var n = 0; n < MelBands; n++)
            {
                // Row-wise accumulation keeps both spans sequential (band-major in, band-major out).
                var weight = _basis[(k * MelBands) + n];
                var band = logMel.Slice(n * frames, frames);
                for (var t = 0; t < frames; t++)
                {
                    row[t] += weight * band[t];
                }
            }
        }
    }

    /// <summary>Computes MFCCs into a new <c>[Coefficients, frames]</c> array.</summary>
    public float[] Compute(ReadOnlySpan<float> logMel, int frames)
    {
        var result = new float[Coefficients * frames];
        Compute(logMel, frames, result);
        return result;
    }
}
