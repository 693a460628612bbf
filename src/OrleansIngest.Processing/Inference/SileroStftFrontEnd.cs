using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    [ThreadStatic]
    private static float[]? t_padded;

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
        Span<int> outputBase = stackalloc int[lanes];
        var totalFrames = batchSize * Frames;
        for (var first = 0; first < totalFrames; first += lanes)
        {
            var count = Math.Min(lanes, totalFrames - first);
            if (count == lanes && fft.CanLoadWindowedFrames)
            {
                LoadLanes(fft, input, first, outputBase);
            }
            else
            {
                for (var lane = 0; lane < lanes; lane++)
                {
                    if (lane >= count)
                    {
                        // Unused lanes transform zeros, so they hold no stale values that could be denormal or NaN.
                        FillLane(fft, lane, [], 0);
                        continue;
                    }

                    var (row, frame) = Math.DivRem(first + lane, Frames);
                    FillLane(fft, lane, input.Slice(row * SileroVad.InputSamples, SileroVad.InputSamples), frame * Hop);
                    outputBase[lane] = (row * Bins * Frames) + frame;
                }
            }

            fft.ComputePower4(power);
            var halfScale = new Vector<float>(0.5f);
            ref var output = ref MemoryMarshal.GetReference(magnitude);
            for (var k = 0; k < power.Length; k++)
            {
                // ComputePower4 gives 4·|X|²; |X| = √(4·|X|²) / 2. Bin k of a frame lies k·Frames after its bin 0
                // (every index is inside magnitude: its length was checked against batchSize above).
                var amplitude = Vector.SquareRoot(power[k]) * halfScale;
                var offset = k * Frames;
                for (var lane = 0; lane < count; lane++)
                {
                    Unsafe.Add(ref output, outputBase[lane] + offset) = amplitude.GetElement(lane);
                }
            }
        }
    }

    /// <summary>
    /// Fills all eight lanes with frames <paramref name="first"/>.. at once (<see cref="BatchedRealFft.LoadWindowedFrames"/>):
    /// frames inside their row are read in place, a frame that runs into the reflect padding is copied out first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void LoadLanes(BatchedRealFft fft, ReadOnlySpan<float> input, int first, Span<int> outputBase)
    {
        var lanes = BatchedRealFft.BatchSize;
        var padded = t_padded is { } cached && cached.Length == lanes * FftSize ? cached : t_padded = new float[lanes * FftSize];
        Span<nint> frames = stackalloc nint[lanes];
        fixed (float* x = input)
        fixed (float* scratch = padded)
        {
            for (var lane = 0; lane < lanes; lane++)
            {
                var (row, frame) = Math.DivRem(first + lane, Frames);
                var start = frame * Hop;
                outputBase[lane] = (row * Bins * Frames) + frame;
                if (start + FftSize <= SileroVad.InputSamples)
                {
                    frames[lane] = (nint)(x + (row * SileroVad.InputSamples) + start);
                    continue;
                }

                var rowSamples = input.Slice(row * SileroVad.InputSamples, SileroVad.InputSamples);
                var copy = padded.AsSpan(lane * FftSize, FftSize);
                for (var i = 0; i < FftSize; i++)
                {
                    copy[i] = Padded(rowSamples, start + i);
                }

                frames[lane] = (nint)(scratch + (lane * FftSize));
            }

            fft.LoadWindowedFrames(frames, _window);
        }
    }

    /// <summary>
    /// Writes the windowed frame starting at <paramref name="start"/> into one SIMD lane of the FFT input (even samples
    /// and odd samples apart, as <see cref="BatchedRealFft"/> takes them); an empty row fills the lane with zeros.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void FillLane(BatchedRealFft fft, int lane, ReadOnlySpan<float> row, int start)
    {
        var lanes = BatchedRealFft.BatchSize;
        var even = fft.EvenSampleLanes;
        var odd = fft.OddSampleLanes;
        var half = FftSize / 2;
        if (row.IsEmpty)
        {
            for (var m = 0; m < half; m++)
            {
                even[(m * lanes) + lane] = 0f;
                odd[(m * lanes) + lane] = 0f;
            }

            return;
        }

        // Samples inside the row are read directly; past its end, from the reflection (the edge sample not repeated).
        var direct = Math.Clamp((row.Length - start) / 2, 0, half);
        var window = _window.AsSpan(0, FftSize);
        var frame = row.Slice(start, 2 * direct);
        ref var evenLane = ref Unsafe.Add(ref MemoryMarshal.GetReference(even), lane);
        ref var oddLane = ref Unsafe.Add(ref MemoryMarshal.GetReference(odd), lane);
        for (var m = 0; m < direct; m++)
        {
            // m < half, so m·lanes + lane is inside the FFT's input (half·lanes floats).
            Unsafe.Add(ref evenLane, m * lanes) = frame[2 * m] * window[2 * m];
            Unsafe.Add(ref oddLane, m * lanes) = frame[(2 * m) + 1] * window[(2 * m) + 1];
        }

        for (var m = direct; m < half; m++)
        {
            var n = start + (2 * m);
            even[(m * lanes) + lane] = Padded(row, n) * window[2 * m];
            odd[(m * lanes) + lane] = Padded(row, n + 1) * window[(2 * m) + 1];
        }
    }

    /// <summary>Sample <paramref name="index"/> of the row reflect-padded at its end (the edge sample is not repeated).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Padded(ReadOnlySpan<float> row, int index) =>
        index < row.Length ? row[index] : row[(2 * (row.Length - 1)) - index];
}
