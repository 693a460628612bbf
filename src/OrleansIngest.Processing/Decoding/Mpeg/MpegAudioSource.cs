using System.Buffers.Binary;
using NLayer;

namespace OrleansIngest.Processing.Decoding.Mpeg;

/// <summary>
/// MPEG audio (MP1/MP2/MP3) framed and validated here, decoded by NLayer. Every frame must be followed by
/// another with the same version, layer, rate and channel count, by the end of the file, or by a trailing tag
/// (ID3v1, APEv2, Lyrics3) or zero padding; anything else is junk and fails the unit. A Xing/Info/VBRI first
/// frame carries no audio and is skipped; its LAME tag's encoder delay and padding are trimmed the way ffmpeg
/// does (delay + 529 decoder samples at the start, padding at the end), so sample counts match ffmpeg's.
/// </summary>
internal sealed class MpegAudioSource : IAudioSource
{
    // The synthesis filter bank's delay, which LAME's delay field does not include.
    private const int DecoderDelay = 529;
    private const int MaxTrailingPadding = 64 * 1024;

    private readonly ForwardStreamReader _reader;
    private readonly MpegFrameDecoder _decoder = new();
    private readonly MpegFrame _frame = new();
    private readonly MpegFrameHeader _first;
    private readonly float[] _pcm = new float[2 * 1152];
    private readonly float[] _mono = new float[1152];
    private long _skip;
    private long? _remainingOutput;
    private int _monoStart;
    private int _monoEnd;
    private long _frames;
    private bool _finished;
    private bool _disposed;

    private MpegAudioSource(ForwardStreamReader reader, MpegFrameHeader first, long skip, long? totalOutput, long? totalFrames)
    {
        _reader = reader;
        _first = first;
        _skip = skip;
        _remainingOutput = totalOutput;
        Format = new AudioFormatInfo(first.Codec, first.SampleRate, first.Channels, 0, totalOutput ?? totalFrames);
    }

    public AudioFormatInfo Format { get; }

    /// <summary>Opens the stream whose first frame header is at the reader's position.</summary>
    public static async ValueTask<IAudioSource> OpenAsync(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        var start = reader.Position;
        await reader.EnsureAsync((int)Math.Min(MpegFrame.MaxLength + 4, reader.Remaining), reader.Remaining, cancellationToken);
        var header = MpegFrameHeader.TryParse(reader.Buffered, out var why)
            ?? throw new InvalidMediaException(reader.SourceUri, start, $"invalid MPEG audio frame header: {why}");
        CheckFrameFits(reader, header, start, 0);

        long skip = 0;
        long? totalOutput = null;
        long? totalFrames = null;
        var info = reader.Buffered[..header.FrameLength];
        var tagAt = 4 + (header.HasCrc ? 2 : 0) + (header.Layer == 3 ? header.SideInfoSize : 0);
        if (header.Layer == 3 && IsInfoFrame(info, tagAt, out var frames, out var delay, out var padding))
        {
            // An info frame holds no audio: skip it, as ffmpeg does.
            reader.Advance(header.FrameLength);
            if (frames is long count)
            {
                totalFrames = checked(count * header.SampleCount);
            }

            if (delay is int encoderDelay && padding is int encoderPadding)
            {
                skip = encoderDelay + DecoderDelay;
                totalOutput = totalFrames is long all ? Math.Max(0, all - encoderDelay - encoderPadding) : null;
            }
        }

        return new MpegAudioSource(reader, header, skip, totalOutput, totalFrames);
    }

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
            await NextFrameAsync(cancellationToken);
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
    }

    private async ValueTask NextFrameAsync(CancellationToken cancellationToken)
    {
        var start = _reader.Position;
        if (_reader.Remaining == 0)
        {
            _finished = true;
            return;
        }

        await _reader.EnsureAsync((int)Math.Min(MpegFrame.MaxLength + 4, _reader.Remaining), _reader.Remaining, cancellationToken);
        var bytes = _reader.Buffered;
        var header = MpegFrameHeader.TryParse(bytes, out _);
        if (header is not { } h || h.Version != _first.Version || h.Layer != _first.Layer || h.SampleRate != _first.SampleRate || h.Channels != _first.Channels)
        {
            await FinishAtTrailerAsync(start, header, cancellationToken);
            return;
        }

        CheckFrameFits(_reader, h, start, _frames);
        if (h.Layer == 3 && h.HasCrc)
        {
            CheckCrc(bytes, h, start);
        }

        _frame.Load(h, bytes);
        _reader.Advance(h.FrameLength);
        int samples;
        try
        {
            samples = _decoder.DecodeFrame(_frame, _pcm.AsSpan());
        }
        catch (Exception ex) when (ex is InvalidDataException or IndexOutOfRangeException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidMediaException(_reader.SourceUri, start, $"MPEG frame {_frames} could not be decoded: {ex.Message}", ex);
        }

        var frameSamples = h.SampleCount;
        if (samples == 0)
        {
            // The bit reservoir refers to data before the stream started (a cut file): that frame is silent,
            // which keeps the timeline where ffmpeg has it.
            _pcm.AsSpan(0, frameSamples * h.Channels).Clear();
        }
        else if (samples != frameSamples * h.Channels)
        {
            throw new InvalidMediaException(_reader.SourceUri, start, $"MPEG frame {_frames} decoded to {samples} samples, expected {frameSamples * h.Channels}");
        }

        _frames++;
        Emit(frameSamples, h.Channels);
    }

    private void Emit(int frameSamples, int channels)
    {
        var first = (int)Math.Min(_skip, frameSamples);
        _skip -= first;
        var count = frameSamples - first;
        if (_remainingOutput is long left)
        {
            count = (int)Math.Min(count, left);
            _remainingOutput = left - count;
        }

        PcmConverter.Downmix(_pcm.AsSpan(first * channels, count * channels), channels, _mono.AsSpan(0, count));
        _monoStart = 0;
        _monoEnd = count;
    }

    /// <summary>The bytes at <paramref name="start"/> are not a matching frame: accept them only as a trailing tag.</summary>
    private async ValueTask FinishAtTrailerAsync(long start, MpegFrameHeader? header, CancellationToken cancellationToken)
    {
        var remaining = _reader.Remaining;
        if (IsTrailingTag(_reader.Buffered, remaining) || (remaining <= MaxTrailingPadding && await IsZeroTailAsync(cancellationToken)))
        {
            _finished = true;
            return;
        }

        var bytes = _reader.Buffered;
        var reason = header is null
            ? $"lost MPEG frame sync after frame {_frames}: found 0x{Convert.ToHexString(bytes[..(int)Math.Min(4, bytes.Length)])} where the next frame should start (junk or corrupted data)"
            : $"MPEG frame {_frames} changes the stream parameters ({header.Value.Codec}, {header.Value.SampleRate} Hz, {header.Value.Channels} channels vs {_first.Codec}, {_first.SampleRate} Hz, {_first.Channels} channels)";
        throw new InvalidMediaException(_reader.SourceUri, start, reason);
    }

    private static bool IsTrailingTag(ReadOnlySpan<byte> bytes, long remaining) =>
        (bytes.StartsWith("TAG"u8) && remaining == 128)
        || bytes.StartsWith("APETAGEX"u8)
        || bytes.StartsWith("LYRICSBEGIN"u8)
        || bytes.StartsWith("ID3"u8);

    private async ValueTask<bool> IsZeroTailAsync(CancellationToken cancellationToken)
    {
        var remaining = (int)_reader.Remaining;
        return await _reader.EnsureAsync(remaining, remaining, cancellationToken)
            && _reader.Buffered[..remaining].IndexOfAnyExcept((byte)0) < 0;
    }

    private void CheckCrc(ReadOnlySpan<byte> bytes, MpegFrameHeader header, long start)
    {
        var crc = Crc16(0xFFFF, bytes.Slice(2, 2));
        crc = Crc16(crc, bytes.Slice(6, header.SideInfoSize));
        var stored = BinaryPrimitives.ReadUInt16BigEndian(bytes[4..]);
        if (crc != stored)
        {
            throw new InvalidMediaException(_reader.SourceUri, start, $"MPEG frame {_frames} fails its CRC-16 check (stored 0x{stored:X4}, computed 0x{crc:X4}): corrupted frame");
        }
    }

    private static ushort Crc16(ushort crc, ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            crc ^= (ushort)(b << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x8005) : (ushort)(crc << 1);
            }
        }

        return crc;
    }

    private static void CheckFrameFits(ForwardStreamReader reader, MpegFrameHeader header, long start, long index)
    {
        var minimum = 4 + (header.HasCrc ? 2 : 0) + (header.Layer == 3 ? header.SideInfoSize : 0);
        if (header.FrameLength > MpegFrame.MaxLength || header.FrameLength < minimum)
        {
            throw new InvalidMediaException(reader.SourceUri, start, $"MPEG frame {index} has an impossible length of {header.FrameLength} bytes");
        }

        if (header.FrameLength > reader.Remaining || header.FrameLength > reader.BufferedCount)
        {
            throw new InvalidMediaException(reader.SourceUri, start, $"truncated file: MPEG frame {index} needs {header.FrameLength} bytes but only {reader.Remaining} remain");
        }
    }

    /// <summary>Recognises a Xing/Info (with optional LAME tag) or VBRI frame and reads its frame count and gapless info.</summary>
    private static bool IsInfoFrame(ReadOnlySpan<byte> frame, int xingAt, out long? frames, out int? delay, out int? padding)
    {
        frames = null;
        delay = null;
        padding = null;
        const int VbriAt = 4 + 32;
        if (frame.Length >= VbriAt + 18 && frame[VbriAt..].StartsWith("VBRI"u8))
        {
            frames = BinaryPrimitives.ReadUInt32BigEndian(frame[(VbriAt + 14)..]);
            return true;
        }

        if (frame.Length < xingAt + 8 || !(frame[xingAt..].StartsWith("Xing"u8) || frame[xingAt..].StartsWith("Info"u8)))
        {
            return false;
        }

        var flags = BinaryPrimitives.ReadUInt32BigEndian(frame[(xingAt + 4)..]);
        var at = xingAt + 8;
        if ((flags & 1) != 0 && frame.Length >= at + 4)
        {
            frames = BinaryPrimitives.ReadUInt32BigEndian(frame[at..]);
            at += 4;
        }

        at += ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);

        // LAME tag: 9-byte encoder string, then 12 bytes of fields, then delay (12 bits) and padding (12 bits).
        if (frame.Length >= at + 24)
        {
            var encoder = frame.Slice(at, 4);
            if (encoder.SequenceEqual("LAME"u8) || encoder.SequenceEqual("Lavf"u8) || encoder.SequenceEqual("Lavc"u8))
            {
                var packed = (frame[at + 21] << 16) | (frame[at + 22] << 8) | frame[at + 23];
                delay = packed >> 12;
                padding = packed & 0xFFF;
            }
        }

        return true;
    }
}
