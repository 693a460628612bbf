using System.Buffers;
using System.Numerics;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Streams the data chunk of a WAV file through one pooled byte buffer: converts each block of whole
/// frames to float and downmixes it to mono. Memory stays bounded whatever the file size.
/// </summary>
internal sealed class WavAudioSource : IAudioSource
{
    // Interleaved floats converted per step before the downmix; bounds the scratch buffer.
    private const int ScratchSamples = 8192;

    private readonly ForwardStreamReader _reader;
    private readonly SampleKind _kind;
    private readonly int _blockAlign;
    private readonly int _channels;
    private readonly int _bytesPerSample;
    private float[]? _scratch;
    private long _dataRemaining;
    private bool _disposed;

    public WavAudioSource(ForwardStreamReader reader, AudioFormatInfo format, SampleKind kind, int blockAlign, long dataSize)
    {
        _reader = reader;
        Format = format;
        _kind = kind;
        _blockAlign = blockAlign;
        _channels = format.Channels;
        _bytesPerSample = PcmConverter.BytesPerSample(kind);
        _dataRemaining = dataSize;
        if (_channels > 1)
        {
            _scratch = ArrayPool<float>.Shared.Rent(Math.Max(ScratchSamples, _channels));
        }
    }

    public AudioFormatInfo Format { get; }

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var written = 0;
        while (written < destination.Length && _dataRemaining > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_reader.BufferedCount < _blockAlign)
            {
                var read = await _reader.FillAsync(_dataRemaining, cancellationToken);
                if (read == 0)
                {
                    var end = _reader.Position + _reader.BufferedCount;
                    throw new InvalidMediaException(
                        _reader.SourceUri,
                        end,
                        $"stream ended {_dataRemaining - _reader.BufferedCount} bytes before the end of the data chunk (truncated data)");
                }

                continue;
            }

            // The header parse may have buffered bytes past the data chunk; never decode those.
            var available = (int)Math.Min(_reader.BufferedCount, _dataRemaining);
            var frames = Math.Min(destination.Length - written, available / _blockAlign);
            var dataStart = _reader.Position;
            Decode(_reader.Buffered[..(frames * _blockAlign)], destination.Span.Slice(written, frames), dataStart);
            _reader.Advance(frames * _blockAlign);
            _dataRemaining -= frames * _blockAlign;
            written += frames;
        }

        return written;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _reader.Dispose();
        if (_scratch is not null)
        {
            ArrayPool<float>.Shared.Return(_scratch);
            _scratch = null;
        }
    }

    private void Decode(ReadOnlySpan<byte> bytes, Span<float> mono, long offset)
    {
        if (_channels == 1)
        {
            PcmConverter.Convert(bytes, mono, _kind);
            CheckFinite(mono, offset);
            return;
        }

        var scratch = _scratch.AsSpan();
        var framesPerStep = scratch.Length / _channels;
        for (var frame = 0; frame < mono.Length; frame += framesPerStep)
        {
            var frames = Math.Min(framesPerStep, mono.Length - frame);
            var samples = scratch[..(frames * _channels)];
            PcmConverter.Convert(bytes.Slice(frame * _blockAlign, frames * _blockAlign), samples, _kind);
            CheckFinite(samples, offset + ((long)frame * _blockAlign));
            PcmConverter.Downmix(samples, _channels, mono.Slice(frame, frames));
        }
    }

    private void CheckFinite(ReadOnlySpan<float> samples, long offset)
    {
        if (_kind is not (SampleKind.Float32 or SampleKind.Float64))
        {
            return;
        }

        // x - x is 0 for finite values and NaN for NaN or infinity.
        var i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            for (; i <= samples.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var v = new Vector<float>(samples[i..]);
                if (!Vector.EqualsAll(v - v, Vector<float>.Zero))
                {
                    break;
                }
            }
        }

        for (; i < samples.Length; i++)
        {
            if (!float.IsFinite(samples[i]))
            {
                throw new InvalidMediaException(
                    _reader.SourceUri,
                    offset + ((long)i * _bytesPerSample),
                    $"IEEE float sample {samples[i]} is not finite");
            }
        }
    }
}
