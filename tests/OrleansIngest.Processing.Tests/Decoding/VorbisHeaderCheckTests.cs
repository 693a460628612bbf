using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Decoding.Ogg;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// The limits <see cref="VorbisHeaderCheck"/> puts on what a Vorbis setup header declares, before NVorbis allocates
/// from it. Setup headers are built bit by bit here (Vorbis packs least significant bit first).
/// </summary>
[Trait("Category", "Unit")]
public sealed class VorbisHeaderCheckTests
{
    private const string Source = "test://setup";

    [Fact]
    public void VorbisHeaderCheck_AcceptsCodebooksWithinTheLimits()
    {
        // Four ordered codebooks of 60,000 entries: 240,000 in all, under the 262,144 limit.
        var setup = Setup(4, bits =>
        {
            for (var book = 0; book < 4; book++)
            {
                OrderedCodebook(bits, dimensions: 1, entries: 60_000);
            }
        });

        VorbisHeaderCheck.CheckSetup(setup, 0, Source);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsCodebookWithMoreEntriesThanTheLimit()
    {
        var setup = Setup(1, bits => OrderedCodebook(bits, dimensions: 1, entries: VorbisHeaderCheck.MaxCodebookEntries + 1));

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 58, Source));

        Assert.Equal("Vorbis codebook 0 declares 65537 entries (65537 in all so far); at most 65536 per codebook and 262144 in all are accepted", error.Reason);
        Assert.Equal(58, error.Offset);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsCodebooksWhoseEntriesTogetherExceedTheLimit()
    {
        var setup = Setup(5, bits =>
        {
            for (var book = 0; book < 5; book++)
            {
                OrderedCodebook(bits, dimensions: 1, entries: 60_000);
            }
        });

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis codebook 4 declares 60000 entries (300000 in all so far); at most 65536 per codebook and 262144 in all are accepted", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsLookupTablesThatTogetherExceedTheLimit()
    {
        // 4,096 entries × 64 dimensions = 262,144 lookup values per codebook (type 1 stores a single multiplicand).
        var setup = Setup(5, bits =>
        {
            for (var book = 0; book < 5; book++)
            {
                OrderedCodebook(bits, dimensions: 64, entries: 4096, lookupType: 1, lookupValues: 1);
            }
        });

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis codebooks 0 to 4 declare 1310720 lookup values; at most 1048576 are accepted", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsCodebookWithMoreThan2To24Values()
    {
        var setup = Setup(1, bits => OrderedCodebook(bits, dimensions: 512, entries: 65_536));

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis codebook 0 declares 65536 entries of 512 dimensions, more than 2^24 values", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsCodebookWithZeroDimensions()
    {
        var setup = Setup(1, bits => OrderedCodebook(bits, dimensions: 0, entries: 16));

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis codebook 0 has zero dimensions", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsOrderedCodewordLengthsBeyond32Bits()
    {
        // Starting at 32 bits with a run of zero entries makes the next length 33.
        var setup = Setup(1, bits =>
        {
            CodebookHeader(bits, dimensions: 1, entries: 2);
            bits.Write(1, 1);
            bits.Write(31, 5);
            bits.Write(0, 2);
            bits.Write(0, 2);
        });

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis codebook 0 has invalid ordered codeword lengths (length 33, 0 of the 2 entries left)", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsUnorderedLengthsThatRunPastThePacket()
    {
        // 1,000 non-sparse entries need 5,000 bits of lengths; the packet ends after the codebook header.
        var setup = Setup(1, bits =>
        {
            CodebookHeader(bits, dimensions: 1, entries: 1000);
            bits.Write(0, 1);
            bits.Write(0, 1);
        });

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis setup header ends inside codebook 0", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsLookupValuesThatRunPastThePacket()
    {
        var setup = Setup(1, bits => OrderedCodebook(bits, dimensions: 2, entries: 16, lookupType: 2, lookupValues: 0));

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis setup header ends inside codebook 0", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsReservedLookupType()
    {
        var setup = Setup(1, bits => OrderedCodebook(bits, dimensions: 1, entries: 16, lookupType: 3, lookupValues: 0));

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckSetup(setup, 0, Source));

        Assert.Equal("Vorbis codebook 0 uses the reserved lookup type 3", error.Reason);
    }

    [Fact]
    public void VorbisHeaderCheck_AcceptsCommentsThatFitThePacket()
    {
        byte[] comments = [.. "\u0003vorbis"u8, 4, 0, 0, 0, .. "seed"u8, 1, 0, 0, 0, 5, 0, 0, 0, .. "A=bcd"u8, 1];

        VorbisHeaderCheck.CheckComments(comments, 0, Source);
    }

    [Fact]
    public void VorbisHeaderCheck_RejectsCommentLongerThanThePacket()
    {
        byte[] comments = [.. "\u0003vorbis"u8, 0, 0, 0, 0, 1, 0, 0, 0, 200, 0, 0, 0, .. "A=bcd"u8, 1];

        var error = Assert.Throws<InvalidMediaException>(() => VorbisHeaderCheck.CheckComments(comments, 0, Source));

        Assert.Equal("Vorbis comment header declares a 200-byte comment 0 but only 6 bytes follow", error.Reason);
    }

    private static byte[] Setup(int codebooks, Action<BitWriter> writeCodebooks)
    {
        var bits = new BitWriter();
        bits.Write((uint)(codebooks - 1), 8);
        writeCodebooks(bits);
        return [.. "\u0005vorbis"u8, .. bits.ToArray()];
    }

    private static void CodebookHeader(BitWriter bits, int dimensions, int entries)
    {
        bits.Write(0x56_4342, 24);
        bits.Write((uint)dimensions, 16);
        bits.Write((uint)entries, 24);
    }

    /// <summary>A codebook whose entries all have one length (ordered), with an optional lookup table.</summary>
    private static void OrderedCodebook(BitWriter bits, int dimensions, int entries, int lookupType = 0, int lookupValues = 0)
    {
        CodebookHeader(bits, dimensions, entries);
        bits.Write(1, 1);
        bits.Write(15, 5);
        bits.Write((uint)entries, 32 - int.LeadingZeroCount(entries));
        bits.Write((uint)lookupType, 4);
        if (lookupType != 0)
        {
            bits.Write(0, 32);
            bits.Write(0, 32);
            bits.Write(0, 4);
            bits.Write(0, 1);
            for (var i = 0; i < lookupValues; i++)
            {
                bits.Write(1, 1);
            }
        }
    }

    private sealed class BitWriter
    {
        private readonly List<byte> _bytes = [];
        private int _bit;

        public void Write(uint value, int count)
        {
            for (var i = 0; i < count; i++)
            {
                if (_bit == 0)
                {
                    _bytes.Add(0);
                }

                if (((value >> i) & 1) != 0)
                {
                    _bytes[^1] |= (byte)(1 << _bit);
                }

                _bit = (_bit + 1) & 7;
            }
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
