using System.Buffers;
using NVorbis;

namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>
/// Ogg Vorbis through NVorbis's <see cref="StreamDecoder"/>, fed by <see cref="VorbisPacketQueue"/>. Packets are
/// read ahead asynchronously so that each synchronous decode call finds every packet it can need: a call asks
/// for at most half a short block of frames, and every audio packet after the first yields at least that
/// many, so it consumes at most two packets. The output is trimmed to the final granule position.
/// </summary>
internal sealed class VorbisAudioSource : IAudioSource
{
    private const int ReadAhead = 4;

    private readonly OggPacketReader _packets;
    private readonly VorbisPacketQueue _queue;
    private readonly StreamDecoder _decoder;
    private readonly int _channels;
    private readonly int _framesPerCall;
    private float[] _interleaved;
    private long _framesOut;
    private long? _finalGranule;
    private bool _disposed;

    private VorbisAudioSource(OggPacketReader packets, VorbisPacketQueue queue, StreamDecoder decoder, int shortBlock)
    {
        _packets = packets;
        _queue = queue;
        _decoder = decoder;
        _decoder.ClipSamples = false;
        _channels = decoder.Channels;
        _framesPerCall = shortBlock / 2;
        _interleaved = ArrayPool<float>.Shared.Rent(_framesPerCall * _channels);
        Format = new AudioFormatInfo("vorbis", decoder.SampleRate, decoder.Channels, 0, null);
    }

    public AudioFormatInfo Format { get; }

    /// <summary>Reads the three Vorbis headers and returns the source at the first audio packet.</summary>
    public static async ValueTask<IAudioSource> OpenAsync(OggPacketReader packets, CancellationToken cancellationToken)
    {
        var identification = packets.Packet;
        var headerOffset = packets.PacketOffset;
        if (identification.Length < 30)
        {
            throw new InvalidMediaException(packets.SourceUri, headerOffset, $"Vorbis identification header is {identification.Length} bytes, shorter than 30");
        }

        var channels = identification[11];
        var rate = BitConverter.ToUInt32(identification[12..16]);
        var blockSizes = identification[28];
        int shortBlock = 1 << (blockSizes & 0xF), longBlock = 1 << (blockSizes >> 4);
        if (channels == 0 || rate == 0 || shortBlock < 64 || longBlock > 8192 || shortBlock > longBlock || (identification[29] & 1) == 0)
        {
            throw new InvalidMediaException(packets.SourceUri, headerOffset, $"invalid Vorbis identification header ({channels} channels, {rate} Hz, block sizes {shortBlock}/{longBlock})");
        }

        var queue = new VorbisPacketQueue();
        try
        {
            queue.Enqueue(identification, false, headerOffset);
            for (var i = 0; i < 2; i++)
            {
                if (!await packets.ReadPacketAsync(cancellationToken))
                {
                    throw new InvalidMediaException(packets.SourceUri, headerOffset, "the Vorbis stream ends before its comment and setup headers");
                }

                // NVorbis allocates from the sizes these headers declare: they are checked against the packet first.
                if (i == 0)
                {
                    VorbisHeaderCheck.CheckComments(packets.Packet, packets.PacketOffset, packets.SourceUri);
                }
                else
                {
                    VorbisHeaderCheck.CheckSetup(packets.Packet, packets.PacketOffset, packets.SourceUri);
                }

                queue.Enqueue(packets.Packet, false, packets.PacketOffset);
            }

            StreamDecoder decoder;
            try
            {
                decoder = new StreamDecoder(queue);
            }
            catch (Exception ex) when (IsDecoderFailure(ex))
            {
                throw new InvalidMediaException(packets.SourceUri, queue.LastOffset, $"invalid Vorbis headers: {ex.Message}", ex);
            }

            var source = new VorbisAudioSource(packets, queue, decoder, shortBlock);
            queue = null;
            return source;
        }
        finally
        {
            queue?.Dispose();
        }
    }

    public async ValueTask<int> ReadAsync(Memory<float> destination, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var written = 0;
        while (written < destination.Length)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await ReadAheadAsync(cancellationToken);
            var frames = Math.Min(_framesPerCall, destination.Length - written);
            if (_finalGranule is long final)
            {
                frames = (int)Math.Min(frames, Math.Max(0, final - _framesOut));
            }

            if (frames == 0)
            {
                break;
            }

            int samples;
            try
            {
                samples = _decoder.Read(_interleaved, 0, frames * _channels);
            }
            catch (Exception ex) when (IsDecoderFailure(ex))
            {
                throw new InvalidMediaException(_packets.SourceUri, _queue.LastOffset, $"Vorbis audio packet {_queue.LastIndex} could not be decoded: {ex.Message}", ex);
            }

            if (samples == 0)
            {
                break;
            }

            // A setup header may hold any float as a codebook value (and floor 0 exponentiates), so NVorbis can
            // produce infinities and NaN from a stream that parses.
            var nonFinite = PcmConverter.IndexOfNonFinite(_interleaved.AsSpan(0, samples));
            if (nonFinite >= 0)
            {
                throw new InvalidMediaException(_packets.SourceUri, _queue.LastOffset, $"Vorbis audio packet {_queue.LastIndex} decoded to a non-finite sample ({_interleaved[nonFinite]})");
            }

            var got = samples / _channels;
            PcmConverter.Downmix(_interleaved.AsSpan(0, samples), _channels, destination.Span.Slice(written, got));
            written += got;
            _framesOut += got;
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
        _queue.Dispose();
        _packets.Dispose();
        ArrayPool<float>.Shared.Return(_interleaved);
        _interleaved = [];
    }

    private static bool IsDecoderFailure(Exception ex) =>
        ex is ArgumentException or InvalidDataException or IndexOutOfRangeException or InvalidOperationException or NullReferenceException or OverflowException;

    private async ValueTask ReadAheadAsync(CancellationToken cancellationToken)
    {
        while (!_queue.Completed && _queue.Count < ReadAhead)
        {
            if (!await _packets.ReadPacketAsync(cancellationToken))
            {
                _queue.Completed = true;
                break;
            }

            var packet = _packets.Packet;
            if (packet.IsEmpty)
            {
                // The Vorbis specification says a zero-length audio packet is ignored.
                continue;
            }

            if ((packet[0] & 1) != 0)
            {
                throw new InvalidMediaException(_packets.SourceUri, _packets.PacketOffset, "a Vorbis header packet appears among the audio packets");
            }

            if (_packets.PacketEndsStream && _packets.PacketGranule >= 0)
            {
                _finalGranule = _packets.PacketGranule;
            }

            _queue.Enqueue(packet, _packets.PacketEndsStream, _packets.PacketOffset);
        }
    }
}
