using System.ComponentModel.DataAnnotations;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Silo.Hosting;

/// <summary>Audio decoding limits and tools (section <c>OrleansIngest:Decoding</c>); see <see cref="AudioDecoderOptions"/>.</summary>
public sealed class DecodingOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Decoding";

    /// <summary>Longest audio accepted per file.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxDuration { get; set; } = AudioDecoderOptions.Default.MaxDuration;

    /// <summary>Wall-clock time one file may take to decode before it is quarantined as pathological.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TimeBudget { get; set; } = AudioDecoderOptions.Default.TimeBudget;

    /// <summary>Path of ffmpeg; empty searches <c>PATH</c>.</summary>
    public string? FfmpegPath { get; set; }

    /// <summary>
    /// Formats decoded by ffmpeg (<c>Mp4</c> and <c>Adts</c> always; <c>Mpeg</c>, <c>Vorbis</c>, <c>Opus</c> may be
    /// added for speed). A silo fails at start-up when a default audio route needs ffmpeg and it is missing.
    /// </summary>
    public List<AudioFormatKind> FfmpegFormats { get; set; } = [.. AudioDecoderOptions.Default.FfmpegFormats];

    /// <summary>Folder for MP4 files spooled to disk (index after the audio); empty uses the system temp folder.</summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>The decoder options these settings give, validated.</summary>
    public AudioDecoderOptions ToDecoderOptions() => new AudioDecoderOptions
    {
        MaxDuration = MaxDuration,
        TimeBudget = TimeBudget,
        FfmpegPath = string.IsNullOrWhiteSpace(FfmpegPath) ? null : FfmpegPath,
        FfmpegFormats = FfmpegFormats.ToHashSet(),
        SpoolDirectory = string.IsNullOrWhiteSpace(SpoolDirectory) ? null : SpoolDirectory,
    }.Validate();
}
