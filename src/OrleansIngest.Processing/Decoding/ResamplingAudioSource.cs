using System.Buffers;
using OrleansIngest.Processing.Dsp;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Converts any <see cref="IAudioSource"/> to mono float at a target rate with
/// <see cref="PolyphaseResampler"/>; passes samples through unchanged when the rates already match.
/// <see cref="Format"/> reports the target rate and the frame count at that rate, and keeps the codec,
/// channels and bits of the inner source. Owns and disposes the inner source.
/// </summary>
public sealed class ResamplingAudioSource : IAudioSource
{
    /// <summary>The rate the pipeline works at.</summary>
    public const int DefaultTargetRate = 16000;

    private const int InputBlock = 8192;

    private readonly IAudioSource _inner;
    private readonly PolyphaseResampler _resampler;
    private float[]? _input;
    private float[]? _output;
    private int _outputStart;
    private int _outputEnd;
    private bool _flushed;

    /// <summary>Wraps <paramref name="inner"/>, converting it to <paramref name="targetSampleRate"/> Hz.</summary>
    public ResamplingAudioSource(IAudioSource inner, int targetSampleRate = DefaultTargetRate)
    {
        ArgumentNullException.ThrowIfNull(inner);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSampleRate);
        _inner = inner;
        var format = inner.Format;
        _resampler = new PolyphaseResampler(format.SampleRate, targetSampleRate);
        Format = format with
        {
            SampleRate = targetSampleRate,
            TotalFrames = format.TotalFrames is long frames
                ? PolyphaseResampler.GetTotalOutputCount(frames, format.SampleRate, targetSampleRate)
                : null,
        };
        if (!_resampler.IsPassThrough)
        {
            _input = ArrayPool<float>.Shared.Rent(InputBlock);
            _output = ArrayPool<float>.Shared.Rent(Math.Max(_resampler.GetOutputCount(InputBlock), _resampler.GetFlushCount()) + 1);
        }
    }

    /// <inheritdoc />
    public AudioFormatInfo Format { get; }

    /// <inheritdoc />
    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        if (_resampler.IsPassThrough)
        {
            return await _inner.ReadAsync(destination, cancellationToken);
        }

        ObjectDisposedException.ThrowIf(_input is null, this);
        var written = 0;
        while (written < destination.Length)
        {
            if (_outputStart < _outputEnd)
            {
                var n = Math.Min(destination.Length - written, _outputEnd - _outputStart);
                _output.AsSpan(_outputStart, n).CopyTo(destination.Span[written..]);
                _outputStart += n;
                written += n;
                continue;
            }

            if (_flushed)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();

            var read = await _inner.ReadAsync(_input.AsMemory(0, InputBlock), cancellationToken);
            _outputStart = 0;
            if (read == 0)
            {
                EnsureOutput(_resampler.GetFlushCount());
                _outputEnd = _resampler.Flush(_output);
                _flushed = true;
            }
            else
            {
                EnsureOutput(_resampler.GetOutputCount(read));
                _outputEnd = _resampler.Process(_input.AsSpan(0, read), _output);
            }
        }

        return written;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _inner.Dispose();
        if (_input is not null)
        {
            ArrayPool<float>.Shared.Return(_input);
            _input = null;
        }

        if (_output is not null)
        {
            ArrayPool<float>.Shared.Return(_output);
            _output = null;
        }
    }

    private void EnsureOutput(int count)
    {
        if (_output!.Length < count)
        {
            ArrayPool<float>.Shared.Return(_output);
            _output = ArrayPool<float>.Shared.Rent(count);
        }
    }
}
