using System.Buffers;
using System.Security.Cryptography;

namespace OrleansIngest.Processing.Decoding.Flac;

/// <summary>
/// Streams FLAC frames: each frame is buffered whole (bounded by <see cref="FlacStreamInfo.MaxFrameBytes"/>),
/// decoded, checked for sequence, and downmixed to mono. At the end the sample count and, when the encoder
/// stored one, the MD5 of the audio are checked against STREAMINFO.
/// </summary>
internal sealed class FlacAudioSource : IAudioSource
{
    private readonly ForwardStreamReader _reader;
    private readonly FlacStreamInfo _info;
    private readonly FlacFrameDecoder _decoder;
    private readonly IncrementalHash? _md5;
    private readonly int _maxFrameBytes;
    private readonly int _md5BytesPerSample;
    private float[] _mono;
    private byte[] _md5Buffer;
    private int _monoStart;
    private int _monoEnd;
    private long _frames;
    private long _samples;
    private bool? _variableBlockSize;
    private bool _finished;
    private bool _disposed;

    public FlacAudioSource(ForwardStreamReader reader, FlacStreamInfo info)
    {
        _reader = reader;
        _info = info;
        _decoder = new FlacFrameDecoder(info, reader.SourceUri);
        _maxFrameBytes = info.MaxFrameBytes;
        reader.EnsureCapacity(_maxFrameBytes);
        _mono = ArrayPool<float>.Shared.Rent(info.MaxBlockSize);
        _md5BytesPerSample = (info.BitsPerSample + 7) / 8;
        if (info.HasMd5 && info.TotalSamples > 0)
        {
            _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
            _md5Buffer = ArrayPool<byte>.Shared.Rent(info.MaxBlockSize * info.Channels * _md5BytesPerSample);
        }
        else
        {
            _md5Buffer = [];
        }

        Format = new AudioFormatInfo("flac", info.SampleRate, info.Channels, info.BitsPerSample, info.TotalSamples > 0 ? info.TotalSamples : null);
    }

    public AudioFormatInfo Format { get; }

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var written = 0;
        while (written < destination.Length)
        {
            if (_monoStart < _monoEnd)
            {
                var n = Math.Min(destination.Length - written, _monoEnd - _monoStart);
                _mono.AsSpan(_monoStart, n).CopyTo(destination.Span[written..]);
                _monoStart += n;
                written += n;
                continue;
            }

            if (_finished)
            {
                break;
            }

            cancellationToken.ThrowIfCancellationRequested();
            await DecodeNextFrameAsync(cancellationToken);
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
        _decoder.Dispose();
        _md5?.Dispose();
        _reader.Dispose();
        ArrayPool<float>.Shared.Return(_mono);
        _mono = [];
        if (_md5Buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(_md5Buffer);
            _md5Buffer = [];
        }
    }

    private async ValueTask DecodeNextFrameAsync(CancellationToken cancellationToken)
    {
        var wanted = (int)Math.Min(_maxFrameBytes, _reader.Remaining);
        var complete = wanted > 0 && await _reader.EnsureAsync(wanted, wanted, cancellationToken);
        var frameStart = _reader.Position;
        var fileEndsInBuffer = !complete || frameStart + _reader.BufferedCount >= _reader.Length;
        if (_reader.BufferedCount == 0 || (_info.TotalSamples > 0 && _samples == _info.TotalSamples && !StartsWithFrameSync()))
        {
            // Anything after the last declared sample that is not a frame (an ID3v1 tag, padding) is ignored.
            Finish(frameStart);
            return;
        }

        FlacFrame frame;
        try
        {
            frame = _decoder.Decode(_reader.Buffered, frameStart);
        }
        catch (FlacDataEndedException)
        {
            var reason = fileEndsInBuffer
                ? $"truncated file: the stream ends inside frame {_frames} (after {_samples} samples)"
                : $"frame {_frames} is longer than the largest valid frame ({_maxFrameBytes} bytes): corrupted frame";
            throw new InvalidMediaException(_reader.SourceUri, frameStart, reason);
        }

        CheckSequence(frame, frameStart);
        if (_info.TotalSamples > 0 && _samples + frame.BlockSize > _info.TotalSamples)
        {
            throw new InvalidMediaException(_reader.SourceUri, frameStart, $"frame {_frames} runs past the {_info.TotalSamples} samples STREAMINFO declares");
        }

        Downmix(frame.BlockSize);
        _reader.Advance(frame.Length);
        _frames++;
        _samples += frame.BlockSize;
    }

    private bool StartsWithFrameSync()
    {
        var buffered = _reader.Buffered;
        return buffered.Length >= 2 && buffered[0] == 0xFF && (buffered[1] & 0xFE) == 0xF8;
    }

    private void CheckSequence(FlacFrame frame, long frameStart)
    {
        _variableBlockSize ??= frame.VariableBlockSize;
        if (_variableBlockSize != frame.VariableBlockSize)
        {
            throw new InvalidMediaException(_reader.SourceUri, frameStart + 1, $"frame {_frames} switches the blocking strategy mid-stream");
        }

        var expected = frame.VariableBlockSize ? _samples : _frames;
        if (frame.Number != expected)
        {
            var what = frame.VariableBlockSize ? "sample number" : "frame number";
            throw new InvalidMediaException(_reader.SourceUri, frameStart + 4, $"frame {_frames} carries {what} {frame.Number}, expected {expected}: frames are missing or out of order");
        }
    }

    private void Downmix(int blockSize)
    {
        var channels = _info.Channels;
        var mono = _mono.AsSpan(0, blockSize);
        var scale = 1f / (channels * (float)(1L << (_info.BitsPerSample - 1)));
        var first = _decoder.Channel(0, blockSize);
        if (channels == 1)
        {
            for (var i = 0; i < blockSize; i++)
            {
                mono[i] = first[i] * scale;
            }
        }
        else if (channels == 2)
        {
            var second = _decoder.Channel(1, blockSize);
            for (var i = 0; i < blockSize; i++)
            {
                mono[i] = (first[i] + second[i]) * scale;
            }
        }
        else
        {
            for (var i = 0; i < blockSize; i++)
            {
                long sum = 0;
                for (var c = 0; c < channels; c++)
                {
                    sum += _decoder.Channel(c, blockSize)[i];
                }

                mono[i] = sum * scale;
            }
        }

        _monoStart = 0;
        _monoEnd = blockSize;
        if (_md5 is not null)
        {
            HashFrame(blockSize);
        }
    }

    private void HashFrame(int blockSize)
    {
        // STREAMINFO's MD5 covers the samples interleaved, little-endian, in whole bytes per sample.
        var channels = _info.Channels;
        var width = _md5BytesPerSample;
        var bytes = _md5Buffer.AsSpan(0, blockSize * channels * width);
        for (var c = 0; c < channels; c++)
        {
            var samples = _decoder.Channel(c, blockSize);
            for (var i = 0; i < blockSize; i++)
            {
                var value = samples[i];
                var at = ((i * channels) + c) * width;
                for (var b = 0; b < width; b++)
                {
                    bytes[at + b] = (byte)(value >> (8 * b));
                }
            }
        }

        _md5!.AppendData(bytes);
    }

    private void Finish(long offset)
    {
        _finished = true;
        if (_info.TotalSamples > 0 && _samples < _info.TotalSamples)
        {
            throw new InvalidMediaException(_reader.SourceUri, offset, $"truncated file: STREAMINFO declares {_info.TotalSamples} samples but the stream ends after {_samples}");
        }

        if (_md5 is not null)
        {
            var actual = _md5.GetHashAndReset();
            if (!actual.AsSpan().SequenceEqual(_info.Md5))
            {
                throw new InvalidMediaException(_reader.SourceUri, offset, $"decoded audio does not match the MD5 in STREAMINFO (stored {Convert.ToHexStringLower(_info.Md5)}, computed {Convert.ToHexStringLower(actual)})");
            }
        }
    }
}
