using System.Buffers;
using DataPacket = NVorbis.DataPacket;
using NVorbis.Contracts;
using IPacketProvider = NVorbis.Contracts.IPacketProvider;

namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>
/// Feeds NVorbis's synchronous decoder from packets read ahead asynchronously by <see cref="OggPacketReader"/>,
/// so the decoder never blocks on the blob stream. Packet objects and their buffers are recycled.
/// </summary>
internal sealed class VorbisPacketQueue : IPacketProvider, IDisposable
{
    private readonly Queue<VorbisPacket> _ready = new();
    private readonly Stack<VorbisPacket> _free = new();

    public bool CanSeek => false;

    public int StreamSerial => 0;

    public int Count => _ready.Count;

    /// <summary>No packet will follow those queued.</summary>
    public bool Completed { get; set; }

    /// <summary>Byte offset of the last packet handed to the decoder, for error reports.</summary>
    public long LastOffset { get; private set; }

    /// <summary>Index of the last packet handed to the decoder.</summary>
    public long LastIndex { get; private set; } = -1;

    /// <summary>
    /// Queues a packet without its granule position: the source trims the end itself, and NVorbis's own trim
    /// (a long difference cast to int) spins forever on a granule position 2^31 past the decoded samples.
    /// </summary>
    public void Enqueue(ReadOnlySpan<byte> data, bool endOfStream, long offset)
    {
        var packet = _free.Count > 0 ? _free.Pop() : new VorbisPacket(this);
        packet.Load(data, endOfStream, offset);
        _ready.Enqueue(packet);
    }

    public IPacket? GetNextPacket()
    {
        if (!_ready.TryDequeue(out var packet))
        {
            return null;
        }

        LastOffset = packet.Offset;
        LastIndex++;
        return packet;
    }

    public IPacket? PeekNextPacket() => _ready.TryPeek(out var packet) ? packet : null;

    public long SeekTo(long granulePos, int preRoll, GetPacketGranuleCount getPacketGranuleCount) =>
        throw new NotSupportedException("Vorbis streams are decoded forward only.");

    public long GetGranuleCount() => throw new NotSupportedException("The granule count is known only at the end of a forward-only stream.");

    public void Dispose()
    {
        foreach (var packet in _ready.Concat(_free))
        {
            packet.ReleaseBuffer();
        }

        _ready.Clear();
        _free.Clear();
    }

    private void Recycle(VorbisPacket packet)
    {
        // A packet NVorbis read past its end keeps a sticky "short" flag, so it is not reused.
        if (packet.IsShort)
        {
            packet.ReleaseBuffer();
            return;
        }

        _free.Push(packet);
    }

    /// <summary>One Vorbis packet over a pooled buffer.</summary>
    private sealed class VorbisPacket(VorbisPacketQueue owner) : DataPacket
    {
        private byte[] _data = [];
        private int _length;
        private int _index;

        public long Offset { get; private set; }

        protected override int TotalBits => _length * 8;

        public void Load(ReadOnlySpan<byte> data, bool endOfStream, long offset)
        {
            if (_data.Length < data.Length)
            {
                ReleaseBuffer();
                _data = ArrayPool<byte>.Shared.Rent(Math.Max(data.Length, 1024));
            }

            data.CopyTo(_data);
            _length = data.Length;
            Offset = offset;
            GranulePosition = null;
            IsEndOfStream = endOfStream;
            IsResync = false;
            Reset();
        }

        public override void Reset()
        {
            _index = 0;
            base.Reset();
        }

        public override void Done()
        {
            base.Done();
            owner.Recycle(this);
        }

        public void ReleaseBuffer()
        {
            if (_data.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_data);
                _data = [];
            }
        }

        protected override int ReadNextByte() => _index < _length ? _data[_index++] : -1;
    }
}
