namespace OrleansIngest.Processing.Dsp;

/// <summary>
/// Band-limited streaming sample-rate converter: polyphase Kaiser-windowed sinc for the reduced rational
/// ratio L/M = output/input (e.g. 44100 → 16000 is 160/441).
/// <para>
/// Design: stop-band attenuation ≥ 80 dB (Kaiser window designed for 82 dB, β = 8.08) from the lower of the two Nyquist
/// frequencies upwards; pass band flat to 0.90 of it (−6 dB cut-off at 0.95). For 16 kHz output the
/// pass band ends at 7.2 kHz and everything at or above 8 kHz is attenuated by at least 80 dB.
/// Every phase has unit DC gain.
/// </para>
/// <para>
/// Zero delay: the filter is centred on each output instant, so output sample k is the band-limited
/// value of the input at time k·M/L input samples (no group delay to compensate downstream). A full
/// stream of n inputs yields exactly ceil(n·L/M) outputs: <see cref="Process"/> emits what the inputs
/// so far determine, <see cref="Flush"/> the tail (the input is taken as zero beyond its end and before
/// its start). State is kept between calls, so any split of the input gives bit-identical output.
/// </para>
/// <para>The filter bank is designed once per rate pair and shared. Not thread-safe: one per stream.</para>
/// </summary>
public sealed class PolyphaseResampler
{
    /// <summary>Designed stop-band attenuation in dB.</summary>
    public const double StopBandAttenuationDb = 80;

    /// <summary>Pass-band edge as a fraction of the lower Nyquist frequency.</summary>
    public const double PassBandEdgeRatio = 0.90;

    private const int ChunkSize = 4096;

    private readonly PolyphaseFilterBank? _bank;
    private readonly float[] _buffer = [];
    private readonly int _halfWidth;
    private readonly int _taps;
    private readonly int _up;
    private readonly int _down;
    private readonly int _stepWhole;
    private readonly int _stepPhase;
    private long _bufferStart;
    private int _count;
    private long _center;
    private int _phase;
    private long _inputTotal;
    private long _outputTotal;

    /// <summary>Creates a converter from <paramref name="inputRate"/> to <paramref name="outputRate"/> Hz.</summary>
    public PolyphaseResampler(int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        InputRate = inputRate;
        OutputRate = outputRate;
        if (inputRate == outputRate)
        {
            _up = 1;
            _down = 1;
            return;
        }

        _bank = PolyphaseFilterBank.Get(inputRate, outputRate);
        _halfWidth = _bank.HalfWidth;
        _taps = _bank.Taps;
        _up = _bank.Up;
        _down = _bank.Down;
        _stepWhole = _down / _up;
        _stepPhase = _down % _up;
        _buffer = new float[_taps + Math.Max(ChunkSize, _taps)];
        Reset();
    }

    /// <summary>Input sample rate in Hz.</summary>
    public int InputRate { get; }

    /// <summary>Output sample rate in Hz.</summary>
    public int OutputRate { get; }

    /// <summary>True when the rates are equal and samples are copied unchanged.</summary>
    public bool IsPassThrough => _bank is null;

    /// <summary>Input samples taken since the start of the stream.</summary>
    public long InputCount => _inputTotal;

    /// <summary>Output samples emitted since the start of the stream.</summary>
    public long OutputCount => _outputTotal;

    /// <summary>Number of outputs a full stream of <paramref name="inputCount"/> samples yields: ceil(n·out/in).</summary>
    public static long GetTotalOutputCount(long inputCount, int inputRate, int outputRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputCount);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputRate);
        var divisor = PolyphaseFilterBank.Gcd(inputRate, outputRate);
        long up = outputRate / divisor;
        long down = inputRate / divisor;
        return ((inputCount * up) + down - 1) / down;
    }

    /// <summary>Exact number of samples <see cref="Process"/> writes for <paramref name="inputCount"/> more inputs.</summary>
    public int GetOutputCount(int inputCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(inputCount);
        return IsPassThrough ? inputCount : checked((int)(ProducedAfter(_inputTotal + inputCount) - _outputTotal));
    }

    /// <summary>Exact number of samples <see cref="Flush"/> writes now.</summary>
    public int GetFlushCount() =>
        IsPassThrough ? 0 : checked((int)(GetTotalOutputCount(_inputTotal, InputRate, OutputRate) - _outputTotal));

    /// <summary>
    /// Takes all of <paramref name="input"/> and writes the outputs it completes; returns their count,
    /// which is <see cref="GetOutputCount"/> of the input length.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than that count.</exception>
    public int Process(ReadOnlySpan<float> input, Span<float> output)
    {
        var expected = GetOutputCount(input.Length);
        if (output.Length < expected)
        {
            throw new ArgumentException($"Output holds {output.Length} samples; {expected} are needed.", nameof(output));
        }

        if (IsPassThrough)
        {
            input.CopyTo(output);
            _inputTotal += input.Length;
            _outputTotal += input.Length;
            return input.Length;
        }

        var written = 0;
        while (!input.IsEmpty)
        {
            var take = Math.Min(input.Length, _buffer.Length - _count);
            input[..take].CopyTo(_buffer.AsSpan(_count));
            _count += take;
            _inputTotal += take;
            input = input[take..];
            written += Produce(output[written..], _inputTotal - _halfWidth - 1, long.MaxValue);
            Compact();
        }

        return written;
    }

    /// <summary>
    /// Ends the stream: writes the remaining <see cref="GetFlushCount"/> outputs (taking the input as zero
    /// past its end) and resets the converter for a new stream.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="output"/> is shorter than that count.</exception>
    public int Flush(Span<float> output)
    {
        var remaining = GetFlushCount();
        if (output.Length < remaining)
        {
            throw new ArgumentException($"Output holds {output.Length} samples; {remaining} are needed.", nameof(output));
        }

        if (IsPassThrough)
        {
            Reset();
            return 0;
        }

        var written = 0;
        var virtualEnd = _inputTotal;
        while (written < remaining)
        {
            var zeros = _buffer.Length - _count;
            _buffer.AsSpan(_count, zeros).Clear();
            _count += zeros;
            virtualEnd += zeros;
            written += Produce(output[written..], virtualEnd - _halfWidth - 1, remaining - written);
            Compact();
        }

        Reset();
        return written;
    }

    /// <summary>Forgets all input: the next sample starts a new stream.</summary>
    public void Reset()
    {
        _inputTotal = 0;
        _outputTotal = 0;
        _center = 0;
        _phase = 0;
        if (IsPassThrough)
        {
            return;
        }

        // Inputs before the start of the stream are zero.
        _bufferStart = -(_halfWidth - 1);
        _count = _halfWidth - 1;
        _buffer.AsSpan(0, _count).Clear();
    }

    private long ProducedAfter(long inputs)
    {
        // Output k is complete once inputs reach floor(k·M/L) + K, i.e. floor(k·M/L) <= inputs - K - 1.
        var span = inputs - _halfWidth;
        return span < 1 ? 0 : ((span * _up) - 1) / _down + 1;
    }

    private int Produce(Span<float> output, long maxCenter, long maxOutputs)
    {
        var bank = _bank!;
        var coefficients = bank.Coefficients.AsSpan();
        var buffer = _buffer.AsSpan();
        var taps = _taps;
        var up = _up;
        var stepWhole = _stepWhole;
        var stepPhase = _stepPhase;

        // Window start of the next output, relative to the buffer; kept in locals for the hot loop.
        var start = (int)(_center - _halfWidth + 1 - _bufferStart);
        var phase = _phase;
        var n = 0;
        var center = _center;
        while (center <= maxCenter && n < maxOutputs)
        {
            var window = buffer.Slice(start, taps);
            if (bank.Interpolated)
            {
                var position = (long)phase * bank.Phases;
                var row = (int)(position / up);
                var fraction = (float)(position % up) / up;
                var a = SimdMath.Dot(coefficients.Slice(row * taps, taps), window);
                var b = SimdMath.Dot(coefficients.Slice((row + 1) * taps, taps), window);
                output[n] = a + (fraction * (b - a));
            }
            else
            {
                output[n] = SimdMath.Dot(coefficients.Slice(phase * taps, taps), window);
            }

            // Advance by M/L input samples: whole step plus a fractional phase carry, no division.
            n++;
            center += stepWhole;
            start += stepWhole;
            phase += stepPhase;
            if (phase >= up)
            {
                phase -= up;
                center++;
                start++;
            }
        }

        _center = center;
        _phase = phase;
        _outputTotal += n;
        return n;
    }

    private void Compact()
    {
        // Keep from the first input the next output needs; the filter bank guarantees that is buffered.
        var keepFrom = (int)Math.Min(_center - _halfWidth + 1 - _bufferStart, _count);
        if (keepFrom <= 0)
        {
            return;
        }

        _buffer.AsSpan(keepFrom, _count - keepFrom).CopyTo(_buffer);
        _count -= keepFrom;
        _bufferStart += keepFrom;
    }
}
