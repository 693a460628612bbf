using System.Buffers.Binary;
using System.Numerics;

namespace OrleansIngest.Processing.Decoding.Flac;

/// <summary>
/// Big-endian bit reader over the bytes of one FLAC frame. Reads past the end raise
/// <see cref="FlacDataEndedException"/>, which the caller turns into "truncated" or "corrupted" depending on
/// whether the file really ended there.
/// </summary>
internal ref struct FlacBitReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly long _bitLength;
    private long _position;

    public FlacBitReader(ReadOnlySpan<byte> data, int startByte)
    {
        _data = data;
        _bitLength = (long)data.Length * 8;
        _position = (long)startByte * 8;
    }

    /// <summary>Bytes consumed so far (rounded up to whole bytes).</summary>
    public readonly int BytesConsumed => (int)((_position + 7) >> 3);

    public void AlignToByte() => _position = (_position + 7) & ~7L;

    /// <summary>Reads 0 to 32 bits as an unsigned value.</summary>
    public uint ReadBits(int count)
    {
        if (count == 0)
        {
            return 0;
        }

        Require(count);
        var value = (uint)(Peek() >> (64 - count));
        _position += count;
        return value;
    }

    /// <summary>Reads 1 to 33 bits as a two's complement value.</summary>
    public long ReadSigned(int count)
    {
        Require(count);
        var value = (long)Peek() >> (64 - count);
        _position += count;
        return value;
    }

    /// <summary>Counts zero bits up to and including the terminating one bit; returns the zeros.</summary>
    public long ReadUnary()
    {
        long zeros = 0;
        while (true)
        {
            var available = Available();
            if (available <= 0)
            {
                throw new FlacDataEndedException();
            }

            var leading = BitOperations.LeadingZeroCount(Peek());
            if (leading < available)
            {
                _position += leading + 1;
                return zeros + leading;
            }

            zeros += available;
            _position += available;
        }
    }

    /// <summary>Decodes <c>destination.Length</c> Rice-coded residuals with <paramref name="parameter"/> (0 to 30).</summary>
    public void ReadRice(Span<long> destination, int parameter)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            ulong value;
            var word = Peek();
            var leading = BitOperations.LeadingZeroCount(word);
            var needed = leading + 1 + parameter;
            if (needed <= Available())
            {
                // Fast path: the quotient, its stop bit and the remainder all sit in one 64-bit window.
                var remainder = parameter == 0 ? 0 : (word << (leading + 1)) >> (64 - parameter);
                value = ((ulong)leading << parameter) | remainder;
                _position += needed;
            }
            else
            {
                var quotient = (ulong)ReadUnary();
                value = (quotient << parameter) | ReadBits(parameter);
            }

            destination[i] = (long)(value >> 1) ^ -(long)(value & 1);
        }
    }

    /// <summary>Up to 64 bits from the current position, most significant first; zeros beyond the data.</summary>
    private readonly ulong Peek()
    {
        var index = (int)(_position >> 3);
        ulong word;
        if (_data.Length - index >= 8)
        {
            word = BinaryPrimitives.ReadUInt64BigEndian(_data[index..]);
        }
        else
        {
            word = 0;
            for (var i = 0; index + i < _data.Length; i++)
            {
                word |= (ulong)_data[index + i] << (56 - (8 * i));
            }
        }

        return word << (int)(_position & 7);
    }

    /// <summary>Valid bits in the window <see cref="Peek"/> returns.</summary>
    private readonly int Available() => (int)Math.Min(64 - (_position & 7), _bitLength - _position);

    private readonly void Require(int count)
    {
        if (_position + count > _bitLength)
        {
            throw new FlacDataEndedException();
        }
    }
}

/// <summary>The frame decoder ran out of bytes; the caller decides whether the file was truncated or corrupted.</summary>
internal sealed class FlacDataEndedException : Exception
{
    public FlacDataEndedException()
        : base("FLAC frame data ended early")
    {
    }

    public FlacDataEndedException(string message)
        : base(message)
    {
    }

    public FlacDataEndedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
