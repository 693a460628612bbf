using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using OrleansIngest.Processing.Dsp;

namespace OrleansIngest.Processing.Features;

/// <summary>
/// Whisper's log-mel spectrogram of 16 kHz mono audio, following Whisper's <c>log_mel_spectrogram</c>
/// step by step: 400-point periodic Hann STFT with hop 160, centred with reflect padding
/// of 200 samples at both ends, the last frame dropped (frames = samples / 160); power spectrum; the
/// 80-band Slaney mel filter bank (librosa, 0–8000 Hz); log10(max(x, 1e-10)); floor at (max − 8) over
/// the whole given segment; (x + 4) / 4. Output is float32 [80, frames], band-major.
/// <para>
/// Computed in float32, several frames per SIMD register, with a real FFT and a sparse mel projection.
/// An instance holds its scratch buffers and is not thread-safe: use one per thread.
/// </para>
/// <para>
/// Short inputs: fewer than 160 samples give no frame and <see cref="Compute"/> writes nothing. For
/// 160–200 samples (one frame) the 200-sample padding is longer than the signal, so it is extended by
/// repeated mirror reflection, as <c>numpy.pad(mode="reflect")</c> does; a single sample is repeated.
/// </para>
/// </summary>
public sealed class WhisperLogMel
{
    /// <summary>Input sample rate in Hz.</summary>
    public const int SampleRate = 16000;

    /// <summary>STFT frame length.</summary>
    public const int FftSize = 400;

    /// <summary>STFT hop.</summary>
    public const int HopLength = 160;

    /// <summary>Number of mel bands (rows of the output).</summary>
    public const int MelBands = 80;

    /// <summary>Power spectrum bins per frame.</summary>
    public const int FrequencyBins = (FftSize / 2) + 1;

    private const int Padding = FftSize / 2;
    private const float PowerFloor = 1e-10f;
    private const float DynamicRange = 8f;
    private const float Log10Of2 = 0.30102999566398120f;

    private static readonly float[] Window = CreateWindow();
    private static readonly float[] Filters = MelFilterBank.Create(SampleRate, FftSize, MelBands);
    private static readonly SparseFilters Sparse = new(Filters);

    private readonly BatchedRealFft _fft = new(FftSize);
    private readonly Vector<float>[] _power = new Vector<float>[FrequencyBins];
    private readonly float[] _frame = new float[FftSize];
    private readonly float[] _lanes = new float[Vector<float>.Count];

    /// <summary>The periodic Hann window used (400 values).</summary>
    public static ReadOnlySpan<float> HannWindow => Window;

    /// <summary>The dense mel filter bank, float32 [80, 201] row-major.</summary>
    public static ReadOnlySpan<float> MelFilters => Filters;

    /// <summary>Number of frames for <paramref name="sampleCount"/> samples: sampleCount / 160.</summary>
    public static int FrameCount(int sampleCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sampleCount);
        return sampleCount / HopLength;
    }

    /// <summary>
    /// Computes the log-mel of <paramref name="samples"/> (one segment) into the first
    /// 80 × <see cref="FrameCount"/> floats of <paramref name="destination"/>, row r = band, column = frame.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short.</exception>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Compute(ReadOnlySpan<float> samples, Span<float> destination)
    {
        var frames = FrameCount(samples.Length);
        var required = MelBands * frames;
        if (destination.Length < required)
        {
            throw new ArgumentException($"Destination holds {destination.Length} values; {required} are needed for {frames} frames.", nameof(destination));
        }

        if (frames == 0)
        {
            return;
        }

        var output = destination[..required];
        var lanes = BatchedRealFft.BatchSize;

        // Unused lanes of a partial last batch hold log10(1e-10) = -10, never above the true maximum.
        var max = new Vector<float>(float.NegativeInfinity);
        for (var first = 0; first < frames; first += lanes)
        {
            var count = Math.Min(lanes, frames - first);
            LoadFrames(samples, first, count);
            _fft.ComputePower4(_power);
            max = Vector.Max(max, ProjectMelLog(output, frames, first, count));
        }

        // Floor at (max - 8) over the segment, then (x + 4) / 4, in one pass.
        max.CopyTo(_lanes);
        var floorValue = TensorPrimitives.Max<float>(_lanes) - DynamicRange;
        var floor = new Vector<float>(floorValue);
        var four = new Vector<float>(4f);
        var quarter = new Vector<float>(0.25f);
        var i = 0;
        for (; i <= output.Length - lanes; i += lanes)
        {
            var x = new Vector<float>(output[i..]);
            ((Vector.Max(x, floor) + four) * quarter).CopyTo(output[i..]);
        }

        for (; i < output.Length; i++)
        {
            output[i] = (Math.Max(output[i], floorValue) + 4f) * 0.25f;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void LoadFrames(ReadOnlySpan<float> samples, int first, int count)
    {
        var lanes = BatchedRealFft.BatchSize;
        var firstOrigin = (first * HopLength) - Padding;
        var lastOrigin = ((first + lanes - 1) * HopLength) - Padding;
        if (_fft.CanLoadWindowedFrames && count == lanes && firstOrigin >= 0 && lastOrigin + FftSize <= samples.Length)
        {
            LoadHopSpacedFrames(samples[firstOrigin..]);
            return;
        }

        var even = _fft.EvenSampleLanes;
        var odd = _fft.OddSampleLanes;
        ref var window = ref MemoryMarshal.GetArrayDataReference(Window);
        for (var lane = 0; lane < lanes; lane++)
        {
            if (lane >= count)
            {
                // Unused lanes of the last batch: transform zeros, results are not stored.
                for (var m = 0; m < FftSize / 2; m++)
                {
                    even[(m * lanes) + lane] = 0;
                    odd[(m * lanes) + lane] = 0;
                }

                continue;
            }

            var origin = ((first + lane) * HopLength) - Padding;
            var frame = origin >= 0 && origin + FftSize <= samples.Length
                ? samples.Slice(origin, FftSize)
                : ReflectFrame(samples, origin);
            ref var x = ref MemoryMarshal.GetReference(frame);
            ref var e = ref Unsafe.Add(ref MemoryMarshal.GetReference(even), lane);
            ref var o = ref Unsafe.Add(ref MemoryMarshal.GetReference(odd), lane);
            for (var m = 0; m < FftSize / 2; m++)
            {
                Unsafe.Add(ref e, m * lanes) = Unsafe.Add(ref x, 2 * m) * Unsafe.Add(ref window, 2 * m);
                Unsafe.Add(ref o, m * lanes) = Unsafe.Add(ref x, (2 * m) + 1) * Unsafe.Add(ref window, (2 * m) + 1);
            }
        }
    }

    // Eight frames spaced by the hop, each read contiguously and transposed into the FFT's lanes.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private unsafe void LoadHopSpacedFrames(ReadOnlySpan<float> samples)
    {
        Span<nint> frames = stackalloc nint[BatchedRealFft.BatchSize];
        fixed (float* x = samples)
        {
            for (var lane = 0; lane < frames.Length; lane++)
            {
                frames[lane] = (nint)(x + (lane * HopLength));
            }

            _fft.LoadWindowedFrames(frames, Window);
        }
    }

    private ReadOnlySpan<float> ReflectFrame(ReadOnlySpan<float> samples, int origin)
    {
        var n = samples.Length;
        for (var i = 0; i < FftSize; i++)
        {
            _frame[i] = samples[Reflect(origin + i, n)];
        }

        return _frame;
    }

    private static int Reflect(int index, int length)
    {
        if (length == 1)
        {
            return 0;
        }

        // Mirror without repeating the edge sample, periodically: numpy "reflect".
        var period = 2 * (length - 1);
        index %= period;
        if (index < 0)
        {
            index += period;
        }

        return index < length ? index : period - index;
    }

    // Mel projection, clamp and log10 of one batch; returns the lane-wise maximum.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private Vector<float> ProjectMelLog(Span<float> output, int frames, int first, int count)
    {
        var powerFloor = new Vector<float>(PowerFloor);
        var log10Of2 = new Vector<float>(Log10Of2);
        var max = new Vector<float>(float.NegativeInfinity);
        ref var power = ref MemoryMarshal.GetArrayDataReference(_power);
        ref var weights = ref MemoryMarshal.GetArrayDataReference(Sparse.Weights);
        var full = count == BatchedRealFft.BatchSize;
        for (var band = 0; band < MelBands; band++)
        {
            var start = Sparse.Start[band];
            var length = Sparse.Length[band];
            var offset = Sparse.Offset[band];
            var sum = Vector<float>.Zero;
            for (var j = 0; j < length; j++)
            {
                sum = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref weights, offset + j)), Unsafe.Add(ref power, start + j), sum);
            }

            sum = Vector.Log2(Vector.Max(sum, powerFloor)) * log10Of2;
            max = Vector.Max(max, sum);

            var row = output.Slice((band * frames) + first, count);
            if (full)
            {
                sum.CopyTo(row);
            }
            else
            {
                sum.CopyTo(_lanes);
                _lanes.AsSpan(0, count).CopyTo(row);
            }
        }

        return max;
    }

    private static float[] CreateWindow()
    {
        var window = new float[FftSize];
        for (var i = 0; i < FftSize; i++)
        {
            window[i] = (float)(0.5 - (0.5 * Math.Cos(2 * Math.PI * i / FftSize)));
        }

        return window;
    }

    /// <summary>Non-zero runs of the filter bank, pre-scaled by 1/4 to undo the FFT's 4·|X|².</summary>
    private sealed class SparseFilters
    {
        public SparseFilters(float[] dense)
        {
            var weights = new List<float>();
            for (var band = 0; band < MelBands; band++)
            {
                var row = dense.AsSpan(band * FrequencyBins, FrequencyBins);
                var first = row.IndexOfAnyExcept(0f);
                var last = row.LastIndexOfAnyExcept(0f);
                Offset[band] = weights.Count;
                if (first < 0)
                {
                    continue;
                }

                Start[band] = first;
                Length[band] = last - first + 1;
                foreach (var w in row[first..(last + 1)])
                {
                    weights.Add(w * 0.25f);
                }
            }

            Weights = [.. weights];
        }

        public int[] Start { get; } = new int[MelBands];

        public int[] Length { get; } = new int[MelBands];

        public int[] Offset { get; } = new int[MelBands];

        public float[] Weights { get; }
    }
}
