using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Sensors;

/// <summary>
/// Looks at the first bytes of a sensor file and returns its text: gzip is decompressed (bounded, see
/// <see cref="BoundedGzipStream"/>), other compressed or binary content is rejected with what it is, and the text
/// format is told apart by its first non-blank character. The bytes looked at are replayed, so offsets in later
/// errors count from the start of the (decompressed) file.
/// </summary>
internal static class SensorContent
{
    // Enough to see past a byte-order mark and leading blank lines in any real file.
    private const int MaxLookAheadBytes = 64 * 1024;

    // Only signatures that cannot start a text file; other binary content fails on its NUL bytes or invalid UTF-8.
    private static readonly (byte[] Magic, string What)[] BinarySignatures =
    [
        ([0x50, 0x4B, 0x03, 0x04], "a ZIP archive"),
        ([0x28, 0xB5, 0x2F, 0xFD], "zstd-compressed"),
        ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz-compressed"),
        ([0x37, 0x7A, 0xBC, 0xAF, 0x27, 0x1C], "a 7-Zip archive"),
    ];

    /// <summary>
    /// Opens the text of <paramref name="raw"/> (not disposed by the returned stream) and finds its format. When
    /// <see cref="SensorWindowSettings.Format"/> is not Auto, content of the other format is rejected.
    /// </summary>
    public static async ValueTask<(Stream Text, SensorFileFormat Format)> OpenAsync(
        Stream raw,
        string sourceUri,
        SensorWindowSettings settings,
        CancellationToken cancellationToken)
    {
        var head = new byte[6];
        var headLength = await FillAsync(raw, head, 0, cancellationToken);
        Stream content = raw;
        if (headLength >= 2 && head[0] == 0x1F && head[1] == 0x8B)
        {
            content = new BoundedGzipStream(
                new PrefixedStream(head, headLength, raw, ownsInner: false),
                sourceUri,
                settings.MaxDecompressedBytes,
                settings.MaxCompressionRatio);
            headLength = 0;
        }
        else
        {
            RejectBinarySignature(head.AsSpan(0, headLength), sourceUri, compressed: false);
        }

        try
        {
            var lookAhead = new byte[Math.Min(MaxLookAheadBytes, settings.MaxLineBytes + 3)];
            head.AsSpan(0, headLength).CopyTo(lookAhead);
            var length = headLength;
            while (length < lookAhead.Length && FirstNonBlank(lookAhead.AsSpan(0, length)) < 0)
            {
                var read = await content.ReadAsync(lookAhead.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            var seen = lookAhead.AsSpan(0, length);
            var first = FirstNonBlank(seen);
            if (content is BoundedGzipStream)
            {
                if (seen.Length >= 2 && seen[0] == 0x1F && seen[1] == 0x8B)
                {
                    throw new InvalidMediaException(sourceUri, 0, "the gzip data holds gzip again; compress the text once");
                }

                RejectBinarySignature(seen, sourceUri, compressed: true);
            }

            var nul = seen.IndexOf((byte)0);
            var isUtf16 = seen.Length >= 2 && ((seen[0] == 0xFF && seen[1] == 0xFE) || (seen[0] == 0xFE && seen[1] == 0xFF));
            if (nul >= 0 && !isUtf16)
            {
                // Worded as the line reader words a NUL further on, so the reason does not depend on where it lies.
                var line = seen[..nul].Count((byte)'\n') + 1;
                throw new InvalidMediaException(sourceUri, nul, $"line {line} contains a NUL byte: the file is binary data, not text");
            }

            var format = first >= 0 && seen[first] == (byte)'{' ? SensorFileFormat.JsonLines : SensorFileFormat.Csv;
            if (first >= 0 && seen[first] == (byte)'[')
            {
                throw new InvalidMediaException(sourceUri, first, "the file is a JSON array; sensor JSON must be JSON Lines (one object per line)");
            }

            if (settings.Format != SensorFileFormat.Auto)
            {
                if (format != settings.Format && first >= 0 && !isUtf16)
                {
                    throw new InvalidMediaException(
                        sourceUri,
                        first,
                        settings.Format == SensorFileFormat.Csv
                            ? "the file starts with '{': it is JSON Lines, not CSV"
                            : $"the file starts with '{(char)seen[first]}', not '{{': it is not JSON Lines");
                }

                // A blank file is reported in the terms of the format asked for.
                format = settings.Format;
            }

            return (new PrefixedStream(lookAhead, length, content, ownsInner: content != raw), format);
        }
        catch when (content != raw)
        {
            await content.DisposeAsync();
            throw;
        }
    }

    private static void RejectBinarySignature(ReadOnlySpan<byte> head, string sourceUri, bool compressed)
    {
        foreach (var (magic, what) in BinarySignatures)
        {
            if (head.StartsWith(magic))
            {
                var where = compressed ? "the gzip data is " : "the file is ";
                throw new InvalidMediaException(sourceUri, 0, $"{where}{what}, not sensor text");
            }
        }
    }

    private static ReadOnlySpan<byte> Blanks => " \t\r\n"u8;

    private static int FirstNonBlank(ReadOnlySpan<byte> bytes)
    {
        var start = bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0;
        var at = bytes[start..].IndexOfAnyExcept(Blanks);
        return at < 0 ? -1 : start + at;
    }

    private static async ValueTask<int> FillAsync(Stream stream, byte[] buffer, int length, CancellationToken cancellationToken)
    {
        while (length < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        return length;
    }
}
