using System.Buffers;
using Concentus;

namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>
/// Ogg Opus through Concentus (managed libopus port), always at 48 kHz: the header's output gain is applied,
/// the pre-skip dropped and the end trimmed to the final granule position, as RFC 7845 prescribes (and as
/// ffmpeg does). A packet the decoder rejects fails the unit with its offset.
/// </summary>
internal sealed class OpusAudioSource : IAudioSource
{
    /// <summary>Opus always decodes at 48 kHz.</summary>
    public const int SampleRate = 48000;

    // 120 ms, the longest an Opus packet can be.
    private const int MaxPacketSamples = 5760;

    private readonly OggPacketReader _packets;
    private readonly IOpusDecoder? _decoder;
    private readonly IOpusMultiStreamDecoder? _multiStream;
    private readonly int _channels;
    private long _preSkipLeft;
    private long _granuleDecoded;
    private float[] _pcm;
    private float[] _mono;
    private int _monoStart;
    private int _monoEnd;
    private long _packetIndex;
    private bool _finished;
    private bool _disposed;

    private OpusAudioSource(OggPacketReader packets, OpusHeader header)
    {
        _packets = packets;
        _channels = header.Channels;
        _preSkipLeft = header.PreSkip;

        // Managed only: the same results on every node, and a malformed packet cannot crash native code.
        OpusCodecFactory.AttemptToUseNativeLibrary = false;
        if (header.MappingFamily == 0)
        {
            _decoder = OpusCodecFactory.CreateDecoder(SampleRate, header.Channels);
            _decoder.Gain = header.OutputGain;
        }
        else
        {
            _multiStream = OpusCodecFactory.CreateMultiStreamDecoder(SampleRate, header.Channels, header.Streams, header.CoupledStreams, header.Mapping);
            _multiStream.Gain = header.OutputGain;
        }

        _pcm = ArrayPool<float>.Shared.Rent(MaxPacketSamples * header.Channels);
        _mono = ArrayPool<float>.Shared.Rent(MaxPacketSamples);
        Format = new AudioFormatInfo("opus", SampleRate, header.Channels, 0, null);
    }

    public AudioFormatInfo Format { get; }

    /// <summary>Reads the identification and comment headers and returns the source at the first audio packet.</summary>
    public static async ValueTask<IAudioSource> OpenAsync(OggPacketReader packets, CancellationToken cancellationToken)
    {
        // The reader has returned the identification packet already.
        var header = OpusHeader.Parse(packets.Packet, packets.PacketOffset, packets.SourceUri);
        if (!await packets.ReadPacketAsync(cancellationToken) || !packets.Packet.StartsWith("OpusTags"u8))
        {
            throw new InvalidMediaException(packets.SourceUri, packets.PacketOffset, "the Opus comment header (OpusTags) is missing");
        }

        try
        {
            return new OpusAudioSource(packets, header);
        }
        catch (Exception ex) when (ex is ArgumentException or OpusException)
        {
            throw new InvalidMediaException(packets.SourceUri, packets.PacketOffset, $"Opus decoder rejected the stream parameters: {ex.Message}", ex);
        }
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
            if (!await _packets.ReadPacketAsync(cancellationToken))
            {
                _finished = true;
                continue;
            }

            DecodePacket();
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
        (_decoder as IDisposable)?.Dispose();
        (_multiStream as IDisposable)?.Dispose();
        _packets.Dispose();
        ArrayPool<float>.Shared.Return(_pcm);
        ArrayPool<float>.Shared.Return(_mono);
        _pcm = [];
        _mono = [];
    }

    private void DecodePacket()
    {
        var packet = _packets.Packet;
        var index = _packetIndex++;
        if (packet.IsEmpty)
        {
            throw new InvalidMediaException(_packets.SourceUri, _packets.PacketOffset, $"Opus audio packet {index} is empty");
        }

        int samples;
        try
        {
            var pcm = _pcm.AsSpan(0, MaxPacketSamples * _channels);
            samples = _decoder is not null
                ? _decoder.Decode(packet, pcm, MaxPacketSamples, false)
                : _multiStream!.DecodeMultistream(packet, pcm, MaxPacketSamples, false);
        }
        catch (Exception ex) when (ex is OpusException or ArgumentException or IndexOutOfRangeException or InvalidOperationException)
        {
            throw new InvalidMediaException(_packets.SourceUri, _packets.PacketOffset, $"Opus audio packet {index} could not be decoded: {ex.Message}", ex);
        }

        var first = 0;
        var count = samples;
        if (_packets.PacketEndsStream && _packets.PacketGranule >= 0)
        {
            // The final granule position says how many samples (pre-skip included) the stream really has.
            count = (int)Math.Clamp(_packets.PacketGranule - _granuleDecoded, 0, samples);
        }

        _granuleDecoded += samples;
        if (_preSkipLeft > 0)
        {
            first = (int)Math.Min(_preSkipLeft, count);
            _preSkipLeft -= first;
        }

        var frames = count - first;
        PcmConverter.Downmix(_pcm.AsSpan(first * _channels, frames * _channels), _channels, _mono.AsSpan(0, frames));
        _monoStart = 0;
        _monoEnd = frames;
    }
}
