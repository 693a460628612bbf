using System.Globalization;
using System.Text;
using OrleansIngest.Processing.Decoding.Ffmpeg;
using OrleansIngest.Processing.Decoding.Flac;
using OrleansIngest.Processing.Decoding.Mpeg;
using OrleansIngest.Processing.Decoding.Ogg;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Opens any supported audio file as a streaming mono <see cref="IAudioSource"/>, choosing the decoder by the
/// file's content (magic bytes), never its name: WAV/RF64, FLAC, MPEG audio (MP3, behind ID3v2 or not),
/// Ogg Vorbis, Ogg Opus with managed decoders; MP4/M4A and ADTS AAC with ffmpeg. Memory stays bounded, the
/// limits of <see cref="AudioDecoderOptions"/> hold, and every problem with the bytes is an
/// <see cref="InvalidMediaException"/> naming the file, the byte offset and the cause.
/// </summary>
public static class AudioDecoder
{
    private const int HeadBytes = ForwardStreamReader.DefaultBufferSize;
    private const int Id3HeaderSize = 10;
    private const int MaxId3Tags = 4;

    private static readonly string[] Mp4Extensions = [".m4a", ".mp4", ".m4b", ".m4v", ".mov", ".3gp", ".aac"];
    private static readonly string[] MpegExtensions = [".mp3", ".mp2", ".mpga"];
    private static readonly string[] OggExtensions = [".ogg", ".oga", ".opus"];

    /// <summary>
    /// Detects the format of the file that starts at the current position of <paramref name="stream"/> and
    /// returns a source positioned at its first sample. The stream is read forward only; the caller keeps
    /// ownership of it and must keep it open while the source is read.
    /// </summary>
    /// <param name="stream">The file's bytes, from its first byte on.</param>
    /// <param name="streamLength">The file's length (e.g. the blob size); sizes the file declares are checked against it.</param>
    /// <param name="sourceUri">Name of the source, used in error messages.</param>
    /// <param name="options">Limits and decoder choices; <see cref="AudioDecoderOptions.Default"/> when null.</param>
    /// <param name="cancellationToken">Cancels opening (the source's reads take their own token).</param>
    /// <exception cref="InvalidMediaException">The content is not a supported audio format, or it is malformed.</exception>
    /// <exception cref="InvalidOperationException">The format needs ffmpeg and ffmpeg is not available.</exception>
    public static async ValueTask<IAudioSource> OpenAsync(
        Stream stream,
        long streamLength,
        string sourceUri,
        AudioDecoderOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceUri);
        ArgumentOutOfRangeException.ThrowIfNegative(streamLength);
        options ??= AudioDecoderOptions.Default;
        var started = options.TimeProvider.GetTimestamp();
        ForwardStreamReader? reader = new(stream, streamLength, sourceUri);
        IAudioSource? source = null;
        try
        {
            var format = await DetectAsync(reader, cancellationToken);
            if (options.UsesFfmpeg(format))
            {
                var owned = reader;
                reader = null;
                source = await FfmpegAudioSource.OpenAsync(owned, format, options, started, cancellationToken);
            }
            else
            {
                source = format switch
                {
                    AudioFormatKind.Wav => await WavDecoder.OpenAsync(reader, cancellationToken),
                    AudioFormatKind.Flac => await FlacDecoder.OpenAsync(reader, cancellationToken),
                    AudioFormatKind.Mpeg => await MpegAudioSource.OpenAsync(reader, cancellationToken),
                    _ => await OpenOggAsync(reader, cancellationToken),
                };
                reader = null;
            }

            var limited = new LimitedAudioSource(source, options, sourceUri, started);
            source = null;
            return limited;
        }
        finally
        {
            source?.Dispose();
            reader?.Dispose();
        }
    }

    /// <summary>
    /// Makes sure the tools the pipeline's audio routes may need are present: ffmpeg, when a route's globs can
    /// match a file only ffmpeg decodes under <paramref name="options"/> (M4A/MP4/AAC, or a format configured
    /// for ffmpeg). Call it at start-up so a node without ffmpeg fails at once, not on its first M4A file.
    /// </summary>
    /// <returns>The ffmpeg found, or null when no route needs it.</returns>
    /// <exception cref="InvalidOperationException">ffmpeg is needed and missing; the message says which route needs it and how to fix it.</exception>
    public static async Task<FfmpegInstallation?> CheckToolsAsync(
        PipelineDefinition pipeline, AudioDecoderOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        options ??= AudioDecoderOptions.Default;
        var needing = RoutesNeedingFfmpeg(pipeline, options);
        if (needing.Count == 0)
        {
            return null;
        }

        try
        {
            return await FfmpegLocator.LocateAsync(options.FfmpegPath, cancellationToken);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException($"Audio route(s) {string.Join(", ", needing)} can receive files decoded by ffmpeg. {ex.Message}", ex);
        }
    }

    /// <summary>The audio routes (their tables) whose globs can match a file that ffmpeg decodes under <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> RoutesNeedingFfmpeg(PipelineDefinition pipeline, AudioDecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(options);
        var extensions = FfmpegExtensions(options);
        return pipeline.Routes
            .Where(route => route.Kind == RouteKind.Audio)
            .Where(route => route.Match.Any(glob => extensions.Any(extension => Glob.IsMatch(glob[(glob.LastIndexOf('/') + 1)..], "probe" + extension))))
            .Select(route => route.Table)
            .ToList();
    }

    /// <summary>Identifies the format of the bytes at the start of a file (after any ID3v2 tag); null when unrecognised.</summary>
    internal static AudioFormatKind? Identify(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 4 && (head.StartsWith("RIFF"u8) || head.StartsWith("RIFX"u8) || head.StartsWith("RF64"u8) || head.StartsWith("BW64"u8)))
        {
            return AudioFormatKind.Wav;
        }

        if (head.StartsWith("fLaC"u8))
        {
            return AudioFormatKind.Flac;
        }

        if (head.StartsWith("OggS"u8))
        {
            return IdentifyOgg(head);
        }

        if (head.Length >= 8 && IsIsoBaseMediaBox(head.Slice(4, 4)))
        {
            return AudioFormatKind.Mp4;
        }

        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0)
        {
            return AudioFormatKind.Adts;
        }

        return MpegFrameHeader.TryParse(head, out _) is not null ? AudioFormatKind.Mpeg : null;
    }

    private static async ValueTask<AudioFormatKind> DetectAsync(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        if (reader.Length == 0)
        {
            throw new InvalidMediaException(reader.SourceUri, 0, "file is empty");
        }

        for (var tags = 0; ; tags++)
        {
            var head = await HeadAsync(reader, cancellationToken);
            if (!head.Span.StartsWith("ID3"u8) || tags == MaxId3Tags)
            {
                break;
            }

            await SkipId3Async(reader, cancellationToken);
        }

        var start = reader.Position;
        var buffered = reader.Buffered;
        return Identify(buffered) ?? throw new InvalidMediaException(reader.SourceUri, start, $"unrecognised audio format (first bytes {Describe(buffered[..Math.Min(16, buffered.Length)])})");
    }

    private static async ValueTask<ReadOnlyMemory<byte>> HeadAsync(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        var wanted = (int)Math.Min(HeadBytes, reader.Remaining);
        await reader.EnsureAsync(wanted, reader.Remaining, cancellationToken);
        return reader.BufferedMemory;
    }

    private static async ValueTask SkipId3Async(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        var start = reader.Position;
        var header = reader.Buffered;
        if (header.Length < Id3HeaderSize || (header[6] | header[7] | header[8] | header[9]) >= 0x80)
        {
            throw new InvalidMediaException(reader.SourceUri, start, "invalid ID3v2 tag header (size is not a synchsafe integer)");
        }

        var size = (long)((header[6] << 21) | (header[7] << 14) | (header[8] << 7) | header[9]);
        var footer = (header[5] & 0x10) != 0 ? Id3HeaderSize : 0;
        var total = Id3HeaderSize + size + footer;
        if (total > reader.Remaining)
        {
            throw new InvalidMediaException(reader.SourceUri, start, $"truncated file: ID3v2 tag declares {total} bytes but only {reader.Remaining} remain");
        }

        if (!await reader.SkipAsync(total, cancellationToken))
        {
            throw new InvalidMediaException(reader.SourceUri, reader.Position, "the stream ended inside the ID3v2 tag");
        }

        // Some taggers pad after the tag without counting the padding in its size.
        while (true)
        {
            await HeadAsync(reader, cancellationToken);
            var zeros = reader.Buffered.IndexOfAnyExcept((byte)0);
            if (zeros < 0 && reader.BufferedCount > 0)
            {
                reader.Advance(reader.BufferedCount);
                continue;
            }

            reader.Advance(Math.Max(zeros, 0));
            return;
        }
    }

    private static async ValueTask<IAudioSource> OpenOggAsync(ForwardStreamReader reader, CancellationToken cancellationToken)
    {
        var packets = new OggPacketReader(reader);
        try
        {
            if (!await packets.ReadPacketAsync(cancellationToken))
            {
                throw new InvalidMediaException(reader.SourceUri, reader.Position, "the Ogg stream has no packets");
            }

            var source = packets.Codec == OggCodec.Opus
                ? await OpusAudioSource.OpenAsync(packets, cancellationToken)
                : await VorbisAudioSource.OpenAsync(packets, cancellationToken);
            packets = null;
            return source;
        }
        finally
        {
            packets?.Dispose();
        }
    }

    /// <summary>Vorbis or Opus by the first audio BOS page in the head; Vorbis (whose reader names the problem) otherwise.</summary>
    private static AudioFormatKind IdentifyOgg(ReadOnlySpan<byte> head)
    {
        var position = 0;
        while (position + 27 <= head.Length && head[position..].StartsWith("OggS"u8) && (head[position + 5] & 0x02) != 0)
        {
            var segments = head[position + 26];
            if (position + 27 + segments > head.Length)
            {
                break;
            }

            var lacing = head.Slice(position + 27, segments);
            var body = position + 27 + segments;
            var codec = OggCodecs.Identify(head[body..Math.Min(head.Length, body + 8)]);
            if (codec == OggCodec.Opus)
            {
                return AudioFormatKind.Opus;
            }

            if (codec == OggCodec.Vorbis)
            {
                return AudioFormatKind.Vorbis;
            }

            var bodyLength = 0;
            foreach (var value in lacing)
            {
                bodyLength += value;
            }

            position = body + bodyLength;
        }

        return AudioFormatKind.Vorbis;
    }

    private static bool IsIsoBaseMediaBox(ReadOnlySpan<byte> type) =>
        type.SequenceEqual("ftyp"u8) || type.SequenceEqual("moov"u8) || type.SequenceEqual("mdat"u8) || type.SequenceEqual("wide"u8);

    private static List<string> FfmpegExtensions(AudioDecoderOptions options)
    {
        var extensions = new List<string>(Mp4Extensions);
        if (options.UsesFfmpeg(AudioFormatKind.Mpeg))
        {
            extensions.AddRange(MpegExtensions);
        }

        if (options.UsesFfmpeg(AudioFormatKind.Vorbis) || options.UsesFfmpeg(AudioFormatKind.Opus))
        {
            extensions.AddRange(OggExtensions);
        }

        return extensions;
    }

    private static string Describe(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder();
        foreach (var b in bytes)
        {
            text.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        }

        return string.Create(CultureInfo.InvariantCulture, $"0x{Convert.ToHexString(bytes)} '{text}'");
    }
}
