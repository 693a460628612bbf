using System.Buffers.Binary;

namespace OrleansIngest.Fuzz;

/// <summary>
/// Rewrites the checksums of a mutated FLAC or Ogg input so that they match its bytes. Both formats checksum every
/// frame or page, so almost every mutation AFL makes would otherwise stop at the checksum and the code behind it
/// (subframe decoding, NVorbis, Concentus) would only ever see the seeds. The "audio" target does not repair, so
/// the checks themselves are still fuzzed. The walk is the harness's own (the decoders' CRCs are internal), and it
/// is only a best effort: a frame whose mutated length no longer matches where the next frame sync starts keeps a
/// wrong CRC and is rejected, as it should be.
/// </summary>
internal static class ChecksumRepair
{
    private const int OggHeaderSize = 27;

    private static readonly uint[] OggTable = BuildTable(0x04C1_1DB7, 32);
    private static readonly uint[] Crc16Table = BuildTable(0x8005, 16);
    private static readonly uint[] Crc8Table = BuildTable(0x07, 8);

    /// <summary>Sets the CRC-32 of every whole page, from the start of the input until something is not a page.</summary>
    public static void RepairOgg(Span<byte> data)
    {
        var position = 0;
        while (position + OggHeaderSize <= data.Length && data[position..].StartsWith("OggS"u8))
        {
            var segments = data[position + 26];
            var bodyStart = position + OggHeaderSize + segments;
            if (bodyStart > data.Length)
            {
                return;
            }

            var bodyLength = 0;
            foreach (var lacing in data.Slice(position + OggHeaderSize, segments))
            {
                bodyLength += lacing;
            }

            var end = bodyStart + bodyLength;
            if (end > data.Length)
            {
                return;
            }

            var page = data[position..end];
            page.Slice(22, 4).Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(page.Slice(22, 4), Checksum(page, OggTable, 32));
            position = end;
        }
    }

    /// <summary>
    /// Sets the CRC-8 of every frame header after the metadata blocks and the CRC-16 at the end of every frame,
    /// taking a frame to end where the next frame sync code (or the input) starts.
    /// </summary>
    public static void RepairFlac(Span<byte> data)
    {
        if (!data.StartsWith("fLaC"u8))
        {
            return;
        }

        var position = 4;
        while (true)
        {
            if (position + 4 > data.Length)
            {
                return;
            }

            var last = (data[position] & 0x80) != 0;
            position += 4 + ((data[position + 1] << 16) | (data[position + 2] << 8) | data[position + 3]);
            if (last)
            {
                break;
            }
        }

        var frame = NextSync(data, position);
        while (frame >= 0)
        {
            var next = NextSync(data, frame + 2);
            var end = next >= 0 ? next : data.Length;
            var crc8At = frame + HeaderLength(data[frame..end]);
            if (crc8At < end)
            {
                data[crc8At] = (byte)Checksum(data[frame..crc8At], Crc8Table, 8);
                if (end - 2 > crc8At)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(data[(end - 2)..end], (ushort)Checksum(data[frame..(end - 2)], Crc16Table, 16));
                }
            }

            frame = next;
        }
    }

    private static int NextSync(ReadOnlySpan<byte> data, int from)
    {
        for (var i = Math.Max(from, 0); i + 1 < data.Length; i++)
        {
            if (data[i] == 0xFF && (data[i + 1] & 0xFE) == 0xF8)
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>Bytes of a frame header before its CRC-8: sync, codes, the UTF-8-style number, the optional sizes.</summary>
    private static int HeaderLength(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 5)
        {
            return frame.Length;
        }

        var first = frame[4];
        var numberLength = first < 0x80 ? 1 : Math.Max(1, System.Numerics.BitOperations.LeadingZeroCount((uint)(byte)~first) - 24);
        var blockSizeCode = frame[2] >> 4;
        var rateCode = frame[2] & 0xF;
        var extra = (blockSizeCode == 6 ? 1 : blockSizeCode == 7 ? 2 : 0) + (rateCode == 12 ? 1 : rateCode is 13 or 14 ? 2 : 0);
        return 4 + numberLength + extra;
    }

    private static uint Checksum(ReadOnlySpan<byte> data, uint[] table, int width)
    {
        var shift = width - 8;
        var mask = width == 32 ? uint.MaxValue : (1u << width) - 1;
        uint crc = 0;
        foreach (var b in data)
        {
            crc = ((crc << 8) ^ table[((crc >> shift) ^ b) & 0xFF]) & mask;
        }

        return crc;
    }

    private static uint[] BuildTable(uint polynomial, int width)
    {
        var top = 1u << (width - 1);
        var mask = width == 32 ? uint.MaxValue : (1u << width) - 1;
        var table = new uint[256];
        for (uint i = 0; i < 256; i++)
        {
            var crc = i << (width - 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = ((crc & top) != 0 ? (crc << 1) ^ polynomial : crc << 1) & mask;
            }

            table[i] = crc;
        }

        return table;
    }
}
