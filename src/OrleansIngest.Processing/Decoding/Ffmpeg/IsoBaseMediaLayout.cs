using System.Buffers.Binary;

namespace OrleansIngest.Processing.Decoding.Ffmpeg;

/// <summary>Top-level box order of an ISO base media file (MP4/M4A), read from its first bytes.</summary>
internal static class IsoBaseMediaLayout
{
    /// <summary>
    /// True when the index (<c>moov</c>) comes before the media data (<c>mdat</c>) within <paramref name="head"/>,
    /// so ffmpeg can decode the file from a pipe. Otherwise (index last, or not found in the head) ffmpeg needs
    /// to seek, and the file must be spooled to disk first.
    /// </summary>
    public static bool IndexPrecedesMedia(ReadOnlySpan<byte> head)
    {
        long position = 0;
        while (position + 8 <= head.Length)
        {
            var at = (int)position;
            long size = BinaryPrimitives.ReadUInt32BigEndian(head[at..]);
            var type = head.Slice(at + 4, 4);
            if (type.SequenceEqual("moov"u8))
            {
                return true;
            }

            if (type.SequenceEqual("mdat"u8))
            {
                return false;
            }

            if (size == 1)
            {
                if (position + 16 > head.Length)
                {
                    return false;
                }

                size = BinaryPrimitives.ReadInt64BigEndian(head[(at + 8)..]);
            }

            if (size < 8)
            {
                return false;
            }

            position += size;
        }

        return false;
    }
}
