namespace OrleansIngest.Processing.Decoding;

/// <summary>
/// Limits and choices for <see cref="AudioDecoder"/>. Every limit is checked against what the file declares
/// before anything is allocated from it, and again against what is actually decoded.
/// </summary>
public sealed record AudioDecoderOptions
{
    /// <summary>Defaults: 48 h, 1–64 channels, 1–384 kHz, 2 h per unit, ffmpeg only for MP4 and ADTS.</summary>
    public static AudioDecoderOptions Default { get; } = new();

    /// <summary>Longest audio accepted; a file that declares or decodes to more is rejected.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromHours(48);

    /// <summary>Most channels accepted (1–64).</summary>
    public int MaxChannels { get; init; } = 64;

    /// <summary>Lowest sample rate accepted, in Hz.</summary>
    public int MinSampleRate { get; init; } = 1000;

    /// <summary>Highest sample rate accepted, in Hz (at most 768 kHz, the WAV decoder's ceiling).</summary>
    public int MaxSampleRate { get; init; } = 384_000;

    /// <summary>
    /// Wall-clock time one unit may take from open to its last read (the consumer's time included). A pathological
    /// file or a stalled ffmpeg fails the unit with <see cref="InvalidMediaException"/> instead of holding a lane.
    /// </summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromHours(2);

    /// <summary>How long ffmpeg may produce no output while we wait for it before it counts as hung.</summary>
    public TimeSpan FfmpegStallTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Formats decoded by ffmpeg rather than a managed decoder. <see cref="AudioFormatKind.Mp4"/> and
    /// <see cref="AudioFormatKind.Adts"/> always are (no managed AAC decoder); WAV and FLAC never are.
    /// </summary>
    public IReadOnlySet<AudioFormatKind> FfmpegFormats { get; init; } = new HashSet<AudioFormatKind> { AudioFormatKind.Mp4, AudioFormatKind.Adts };

    /// <summary>Path of the ffmpeg executable; null searches <c>PATH</c>.</summary>
    public string? FfmpegPath { get; init; }

    /// <summary>
    /// MP4 files whose index (<c>moov</c>) follows the audio cannot be streamed through a pipe: they are copied to a
    /// temporary file first, up to this size.
    /// </summary>
    public long MaxSpoolBytes { get; init; } = 8L * 1024 * 1024 * 1024;

    /// <summary>Folder for those temporary files; null uses the system temp folder.</summary>
    public string? SpoolDirectory { get; init; }

    /// <summary>Bytes of ffmpeg's diagnostics kept for error reasons (head and tail each).</summary>
    public int MaxDiagnosticBytes { get; init; } = 8 * 1024;

    /// <summary>Clock for the time budget.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>True when <paramref name="format"/> is decoded by ffmpeg under these options.</summary>
    public bool UsesFfmpeg(AudioFormatKind format) =>
        format is AudioFormatKind.Mp4 or AudioFormatKind.Adts
        || (format is not (AudioFormatKind.Wav or AudioFormatKind.Flac) && FfmpegFormats.Contains(format));

    /// <summary>Checks the options and reports the first problem in words.</summary>
    /// <exception cref="ArgumentException">A limit is out of range.</exception>
    public AudioDecoderOptions Validate()
    {
        Check(MaxDuration > TimeSpan.Zero, $"MaxDuration must be positive (was {MaxDuration}).");
        Check(MaxChannels is >= 1 and <= WavDecoder.MaxChannels, $"MaxChannels must be between 1 and {WavDecoder.MaxChannels} (was {MaxChannels}).");
        Check(
            MinSampleRate >= WavDecoder.MinSampleRate && MinSampleRate <= MaxSampleRate && MaxSampleRate <= WavDecoder.MaxSampleRate,
            $"Sample rates must satisfy {WavDecoder.MinSampleRate} ≤ MinSampleRate ≤ MaxSampleRate ≤ {WavDecoder.MaxSampleRate} (were {MinSampleRate} and {MaxSampleRate}).");
        Check(TimeBudget > TimeSpan.Zero, $"TimeBudget must be positive (was {TimeBudget}).");
        Check(FfmpegStallTimeout > TimeSpan.Zero, $"FfmpegStallTimeout must be positive (was {FfmpegStallTimeout}).");
        Check(MaxSpoolBytes >= 0, $"MaxSpoolBytes must not be negative (was {MaxSpoolBytes}).");
        Check(MaxDiagnosticBytes >= 256, $"MaxDiagnosticBytes must be at least 256 (was {MaxDiagnosticBytes}).");
        ArgumentNullException.ThrowIfNull(FfmpegFormats);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        return this;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new ArgumentException(message);
        }
    }
}
