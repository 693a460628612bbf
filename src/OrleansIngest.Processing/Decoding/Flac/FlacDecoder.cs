namespace OrleansIngest.Processing.Decoding.Flac;

/// <summary>
/// Native FLAC: reads the metadata blocks (STREAMINFO first and required; the others are skipped after their size
/// is checked against the file) and returns a source positioned at the first frame.
/// </summary>
internal static class FlacDecoder
{
    private const int BlockHeaderSize = 4;
    private const int StreamInfoType = 0;
    private const int InvalidType = 127;

    /// <summary>Opens the FLAC stream whose <c>fLaC</c> marker is at the reader's position.</summary>
    public static async ValueTask<IAudioSource> OpenAsync(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        await RequireAsync(reader, 4, "fLaC marker", cancellationToken);
        if (!reader.Buffered[..4].SequenceEqual("fLaC"u8))
        {
            throw new InvalidMediaException(reader.SourceUri, reader.Position, "missing the fLaC marker");
        }

        reader.Advance(4);
        FlacStreamInfo? info = null;
        for (var index = 0; ; index++)
        {
            var blockStart = reader.Position;
            if (reader.Remaining < BlockHeaderSize)
            {
                throw new InvalidMediaException(reader.SourceUri, blockStart, "truncated file: the metadata ends before its last block");
            }

            await RequireAsync(reader, BlockHeaderSize, "metadata block header", cancellationToken);
            var header = reader.Buffered;
            var last = (header[0] & 0x80) != 0;
            var type = header[0] & 0x7F;
            var length = (header[1] << 16) | (header[2] << 8) | header[3];
            reader.Advance(BlockHeaderSize);

            if (type == InvalidType)
            {
                throw new InvalidMediaException(reader.SourceUri, blockStart, "metadata block uses the invalid type 127");
            }

            if (index == 0 && (type != StreamInfoType || length != FlacStreamInfo.Size))
            {
                throw new InvalidMediaException(reader.SourceUri, blockStart, $"first metadata block is type {type} of {length} bytes, not the 34-byte STREAMINFO");
            }

            if (index > 0 && type == StreamInfoType)
            {
                throw new InvalidMediaException(reader.SourceUri, blockStart, "duplicate STREAMINFO block");
            }

            if (length > reader.Remaining)
            {
                throw new InvalidMediaException(reader.SourceUri, blockStart, $"truncated file: metadata block of type {type} declares {length} bytes but only {reader.Remaining} remain");
            }

            if (type == StreamInfoType)
            {
                await RequireAsync(reader, length, "STREAMINFO block", cancellationToken);
                info = FlacStreamInfo.Parse(reader.Buffered[..length], reader.Position, reader.SourceUri);
                reader.Advance(length);
            }
            else if (!await reader.SkipAsync(length, cancellationToken))
            {
                throw new InvalidMediaException(reader.SourceUri, reader.Position, $"stream ended inside a metadata block, before its declared length of {reader.Length} bytes");
            }

            if (last)
            {
                return new FlacAudioSource(reader, info!);
            }
        }
    }

    private static async ValueTask RequireAsync(ForwardStreamReader reader, int count, string what, CancellationToken cancellationToken)
    {
        if (count > reader.Remaining || !await reader.EnsureAsync(count, reader.Remaining, cancellationToken))
        {
            throw new InvalidMediaException(reader.SourceUri, reader.Position, $"truncated file: stream ends inside the {what}");
        }
    }
}
