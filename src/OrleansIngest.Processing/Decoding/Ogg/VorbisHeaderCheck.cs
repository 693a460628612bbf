using System.Buffers.Binary;
using System.Globalization;

namespace OrleansIngest.Processing.Decoding.Ogg;

/// <summary>
/// Checks the sizes the Vorbis comment and setup headers declare before NVorbis parses them. NVorbis allocates
/// from those sizes as read (a vendor string or comment list of up to 4 GiB; about 60 bytes per codebook entry
/// and 8 per lookup value, for codebooks of up to 2^24 entries) and reads zeros past the end of a packet, so that
/// its loop over an ordered codebook's lengths never ends once the packet has run out. A few hundred hostile
/// bytes could take gigabytes or a core forever (found by fuzzing, tests/fuzz).
/// The codebook rules are libvorbis's (entries × dimensions below 2^24, codeword lengths of at most 32 bits, the
/// lengths and lookup values inside the packet), plus totals far above what encoders write: libvorbis and
/// ffmpeg write at most 6,561 entries per codebook, 11,241 entries and 62,874 lookup values in all.
/// </summary>
internal static class VorbisHeaderCheck
{
    /// <summary>Most entries one codebook may have (10× libvorbis's largest).</summary>
    public const int MaxCodebookEntries = 1 << 16;

    /// <summary>Most entries of all codebooks together.</summary>
    public const int MaxTotalEntries = 1 << 18;

    /// <summary>Most lookup table values (entries × dimensions of the codebooks with a lookup) together.</summary>
    public const int MaxTotalLookupValues = 1 << 20;

    private const int SignatureSize = 7;
    private const uint CodebookSync = 0x56_4342;
    private const int MaxCodewordLength = 32;

    /// <summary>Rejects a comment header whose strings or comment count do not fit in the packet.</summary>
    public static void CheckComments(ReadOnlySpan<byte> packet, long offset, string sourceUri)
    {
        if (!packet.StartsWith("\u0003vorbis"u8))
        {
            // NVorbis names the missing signature.
            return;
        }

        var position = SignatureSize;
        var vendor = ReadLength(packet, ref position, "vendor string length", offset, sourceUri);
        Skip(packet, ref position, vendor, "vendor string", offset, sourceUri);
        var count = ReadLength(packet, ref position, "comment count", offset, sourceUri);

        // Every comment takes at least its 4-byte length.
        if (count > (packet.Length - position) / 4)
        {
            throw Invalid(sourceUri, offset, $"Vorbis comment header declares {count} comments but only {packet.Length - position} bytes follow");
        }

        for (var i = 0; i < count; i++)
        {
            var length = ReadLength(packet, ref position, "comment length", offset, sourceUri);
            Skip(packet, ref position, length, string.Create(CultureInfo.InvariantCulture, $"comment {i}"), offset, sourceUri);
        }
    }

    /// <summary>Rejects a setup header whose codebooks exceed the limits or do not fit in the packet.</summary>
    public static void CheckSetup(ReadOnlySpan<byte> packet, long offset, string sourceUri)
    {
        if (!packet.StartsWith("\u0005vorbis"u8))
        {
            return;
        }

        var reader = new BitReader(packet[SignatureSize..]);
        var books = (int)reader.Read(8) + 1;
        long totalEntries = 0;
        long totalLookupValues = 0;
        for (var book = 0; book < books; book++)
        {
            var sync = reader.Read(24);
            var dimensions = (int)reader.Read(16);
            var entries = (int)reader.Read(24);
            if (reader.Overrun)
            {
                throw Ended(sourceUri, offset, book);
            }

            if (sync != CodebookSync)
            {
                // NVorbis names the bad sync pattern, and nothing after it can be parsed.
                return;
            }

            if (dimensions == 0)
            {
                throw Invalid(sourceUri, offset, $"Vorbis codebook {book} has zero dimensions");
            }

            if (ILog(dimensions) + ILog(entries) > 24)
            {
                throw Invalid(sourceUri, offset, $"Vorbis codebook {book} declares {entries} entries of {dimensions} dimensions, more than 2^24 values");
            }

            totalEntries += entries;
            if (entries > MaxCodebookEntries || totalEntries > MaxTotalEntries)
            {
                throw Invalid(sourceUri, offset, $"Vorbis codebook {book} declares {entries} entries ({totalEntries} in all so far); at most {MaxCodebookEntries} per codebook and {MaxTotalEntries} in all are accepted");
            }

            CheckLengths(ref reader, entries, book, offset, sourceUri);
            totalLookupValues += CheckLookup(ref reader, entries, dimensions, book, offset, sourceUri);
            if (totalLookupValues > MaxTotalLookupValues)
            {
                throw Invalid(sourceUri, offset, $"Vorbis codebooks 0 to {book} declare {totalLookupValues} lookup values; at most {MaxTotalLookupValues} are accepted");
            }
        }
    }

    private static void CheckLengths(ref BitReader reader, int entries, int book, long offset, string sourceUri)
    {
        if (reader.Read(1) != 0)
        {
            // Ordered: runs of entries with lengths 1, 2, 3, … from a starting length.
            var length = (int)reader.Read(5) + 1;
            for (var entry = 0; entry < entries; length++)
            {
                var count = (int)reader.Read(ILog(entries - entry));
                if (reader.Overrun)
                {
                    throw Ended(sourceUri, offset, book);
                }

                if (length > MaxCodewordLength || count > entries - entry)
                {
                    throw Invalid(sourceUri, offset, $"Vorbis codebook {book} has invalid ordered codeword lengths (length {length}, {count} of the {entries - entry} entries left)");
                }

                entry += count;
            }
        }
        else
        {
            var sparse = reader.Read(1) != 0;
            for (var entry = 0; entry < entries && !reader.Overrun; entry++)
            {
                if (!sparse || reader.Read(1) != 0)
                {
                    reader.Read(5);
                }
            }
        }

        if (reader.Overrun)
        {
            throw Ended(sourceUri, offset, book);
        }
    }

    /// <summary>Skips the lookup table and returns the values NVorbis allocates for it.</summary>
    private static long CheckLookup(ref BitReader reader, int entries, int dimensions, int book, long offset, string sourceUri)
    {
        var type = (int)reader.Read(4);
        if (type == 0)
        {
            return 0;
        }

        if (type > 2)
        {
            throw Invalid(sourceUri, offset, $"Vorbis codebook {book} uses the reserved lookup type {type}");
        }

        reader.Read(32);
        reader.Read(32);
        var valueBits = (int)reader.Read(4) + 1;
        reader.Read(1);
        long values = type == 1 ? Lookup1Values(entries, dimensions) : (long)entries * dimensions;
        if (reader.Overrun || values * valueBits > reader.BitsLeft)
        {
            throw Ended(sourceUri, offset, book);
        }

        reader.Skip(values * valueBits);
        return (long)entries * dimensions;
    }

    /// <summary>The largest r with r^dimensions ≤ entries, computed as NVorbis does so that both walk the same bits.</summary>
    private static long Lookup1Values(int entries, int dimensions)
    {
        var r = (long)Math.Floor(Math.Exp(Math.Log(entries) / dimensions));
        if (Math.Floor(Math.Pow(r + 1, dimensions)) <= entries)
        {
            r++;
        }

        return Math.Max(r, 0);
    }

    private static int ILog(int value) => value <= 0 ? 0 : 32 - int.LeadingZeroCount(value);

    private static long ReadLength(ReadOnlySpan<byte> packet, ref int position, string what, long offset, string sourceUri)
    {
        if (packet.Length - position < 4)
        {
            throw Invalid(sourceUri, offset, $"Vorbis comment header ends inside the {what}");
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(packet[position..]);
        position += 4;
        return value;
    }

    private static void Skip(ReadOnlySpan<byte> packet, ref int position, long length, string what, long offset, string sourceUri)
    {
        if (length > packet.Length - position)
        {
            throw Invalid(sourceUri, offset, $"Vorbis comment header declares a {length}-byte {what} but only {packet.Length - position} bytes follow");
        }

        position += (int)length;
    }

    private static InvalidMediaException Ended(string sourceUri, long offset, int book) =>
        Invalid(sourceUri, offset, $"Vorbis setup header ends inside codebook {book}");

    private static InvalidMediaException Invalid(string sourceUri, long offset, string reason) => new(sourceUri, offset, reason);

    /// <summary>Vorbis bit packing: least significant bit first. Reads past the end return zeros and set <see cref="Overrun"/>.</summary>
    private ref struct BitReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private long _position;

        public readonly bool Overrun => _position > (long)_data.Length * 8;

        public readonly long BitsLeft => Math.Max(0, ((long)_data.Length * 8) - _position);

        public uint Read(int count)
        {
            uint value = 0;
            for (var i = 0; i < count; i++)
            {
                var index = _position >> 3;
                if (index < _data.Length && ((_data[(int)index] >> (int)(_position & 7)) & 1) != 0)
                {
                    value |= 1u << i;
                }

                _position++;
            }

            return value;
        }

        public void Skip(long bits) => _position += bits;
    }
}
