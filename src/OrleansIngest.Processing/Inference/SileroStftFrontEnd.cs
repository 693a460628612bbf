using System.Numerics;
using System.Runtime.CompilerServices;
using OrleansIngest.Processing.Dsp;

namespace OrleansIngest.Processing.Inference;

/// <summary>
/// The |STFT| Silero VAD's graph computes with a dense Conv1d, done with <see cref="BatchedRealFft"/> instead: each
/// input row (64 context + 512 new samples) is reflect-padded at its end, cut into frames, windowed, transformed,
/// and written as [batch, N/2 + 1, frames], the layout of the graph's magnitude. Safe to call from many threads:
/// the FFT scratch is per thread.
/// </summary>
internal sealed class SileroStftFrontEnd
{
    [ThreadStatic]
    private static BatchedRealFft? t_fft;

    [ThreadStatic]
    private static Vector<float>[]? t_power;

    private readonly float[] _window;

    public SileroStftFrontEnd(SileroStftSplitModel split)
        : this(split.Window, split.Hop, split.PadRight, split.Frames)
    {
    }

    /// <summary>A front end with explicit conventions (tests check that wrong ones are caught).</summary>
    internal SileroStftFrontEnd(float[] window, int hop, int padRight, int frames)
    {
        ArgumentNullException.ThrowIfNull(window);
        ArgumentOutOfRangeException.ThrowIfLessThan(padRight, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(padRight, SileroVad.InputSamples - 1);
        if ((frames - 1) * hop + window.Length > SileroVad.InputSamples + padRight)
        {
            throw new ArgumentException($"{frames} frames of {window.Length} at hop {hop} do not fit {SileroVad.InputSamples} + {padRight} samples.");
        }

        _window = window;
        (FftSize, Hop, PadRight, Frames) = (window.Length, hop, padRight, frames);
    }

    public int FftSize { get; }

    public int Hop { get; }

    public int PadRight { get; }

    public int Frames { get; }

    public int Bins => (FftSize / 2) + 1;

    /// <summary>Floats of magnitude for <paramref name="batchSize"/> rows.</summary>
    public int MagnitudeLength(int batchSize) => batchSize * Bins * Frames;

    /// <summary>Writes |STFT| of each row of <paramref name="input"/> ([batch, 576]) to <paramref name="magnitude"/> ([batch, bins, frames]).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(ReadOnlySpan<float> input, Span<float> magnitude, int batchSize)
    {
        if (input.Length != batchSize * SileroVad.InputSamples || magnitude.Length != MagnitudeLength(batchSize))
        {
            throw new ArgumentException($"Expected {batchSize} x {SileroVad.InputSamples} samples in and {MagnitudeLength(batchSize)} floats out.");
        }

        var fft = t_fft is { } cached && cached.Size == FftSize ? cached : t_fft = new BatchedRealFft(FftSize);
        var power = t_power is { } buffer && buffer.Length == fft.Bins ? buffer : t_power = new Vector<float>[fft.Bins];
        var lanes = BatchedRealFft.BatchSize;
        var half = FftSize / 2;
        var totalFrames = batchSize * Frames;
        for (var first = 0; first < totalFrames; first += lanes)
        {
            var count = Math.Min(lanes, totalFrames - first);
            var even = fft.EvenSampleLanes;
            var odd = fft.OddSampleLanes;
            for (var lane = 0; lane < lanes; lane++)
            {
                if (lane >= count)
                {
                    // Unused lanes transform zeros, so they hold no stale values that could be denormal or NaN.
                    for (var m = 0; m < half; m++)
                    {
                        even[(m * lanes) + lane] = 0f;
                        odd[(m * lanes) + lane] = 0f;
                    }

                    continue;
                }

                var frame = first + lane;
                var row = input.Slice(frame / Frames * SileroVad.InputSamples, SileroVad.InputSamples);
                var start = frame % Frames * Hop;
                for (var m = 0; m < half; m++)
                {
                    var n = 2 * m;
                    even[(m * lanes) + lane] = Padded(row, start + n) * _window[n];
                    odd[(m * lanes) + lane] = Padded(row, start + n + 1) * _window[n + 1];
                }
            }

            fft.ComputePower4(power);
            var halfScale = new Vector<float>(0.5f);
            for (var k = 0; k < power.Length; k++)
            {
                // ComputePower4 gives 4·|X|²; |X| = √(4·|X|²) / 2.
                var amplitude = Vector.SquareRoot(power[k]) * halfScale;
                for (var lane = 0; lane < count; lane++)
                {
                    var frame = first + lane;
                    magnitude[((frame / Frames * Bins) + k) * Frames + (frame % Frames)] = amplitude[lane];
                }
            }
        }
    }

    /// <summary>Sample <paramref name="index"/> of the row reflect-padded at its end (the edge sample is not repeated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Padded(ReadOnlySpan<float> row, int index) =>
        index < row.Length ? row[index] : row[(2 * (row.Length - 1)) - index];
}
