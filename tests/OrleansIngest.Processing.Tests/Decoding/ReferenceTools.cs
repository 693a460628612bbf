using System.Globalization;
using System.Runtime.InteropServices;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// The reference tools the format tests compare against: ffmpeg, ffprobe and sox (Debian packages that
/// scripts/setup.sh installs). A missing tool fails the test with the command to install it; it never skips.
/// </summary>
internal static class ReferenceTools
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    /// <summary>Runs a tool to completion; fails on a non-zero exit.</summary>
    public static async Task<ToolResult> RunAsync(string tool, params string[] arguments)
    {
        ToolResult result;
        try
        {
            result = await TestTools.RunAsync(tool, arguments, Path.GetTempPath(), Timeout);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidOperationException(
                $"`{tool}` is required by the audio format tests and could not be started: install it with `apt-get install -y ffmpeg sox` (scripts/setup.sh does).", ex);
        }

        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"`{tool} {string.Join(' ', arguments)}` failed with exit code {result.ExitCode}: {result.StandardError.Trim()}");
        }

        return result;
    }

    /// <summary>Runs ffmpeg quietly, overwriting outputs.</summary>
    public static Task<ToolResult> FfmpegAsync(params string[] arguments) =>
        RunAsync("ffmpeg", ["-hide_banner", "-nostdin", "-loglevel", "error", "-y", .. arguments]);

    /// <summary>
    /// Decodes <paramref name="path"/> with ffmpeg to 32-bit float per channel, at the file's own rate and channel
    /// count (no <c>-ac</c>: its downmix is not a mean). <paramref name="decoder"/> forces a decoder (e.g. <c>libopus</c>).
    /// </summary>
    public static async Task<float[][]> DecodeChannelsAsync(string path, string? decoder = null)
    {
        var channels = int.Parse((await ProbeAsync(path, "stream=channels")).Split('\n')[0].Trim(), CultureInfo.InvariantCulture);
        var raw = Path.Combine(Path.GetTempPath(), $"reference-{Guid.NewGuid():N}.f32");
        try
        {
            string[] input = decoder is null ? ["-i", path] : ["-c:a", decoder, "-i", path];
            await FfmpegAsync([.. input, "-map", "0:a:0", "-f", "f32le", "-c:a", "pcm_f32le", raw]);
            var interleaved = MemoryMarshal.Cast<byte, float>(await File.ReadAllBytesAsync(raw));
            var frames = interleaved.Length / channels;
            var result = new float[channels][];
            for (var c = 0; c < channels; c++)
            {
                result[c] = new float[frames];
                for (var i = 0; i < frames; i++)
                {
                    result[c][i] = interleaved[(i * channels) + c];
                }
            }

            return result;
        }
        finally
        {
            File.Delete(raw);
        }
    }

    /// <summary>The arithmetic mean of the channels, computed here in double precision.</summary>
    public static float[] Mean(float[][] channels)
    {
        var mono = new float[channels[0].Length];
        for (var i = 0; i < mono.Length; i++)
        {
            double sum = 0;
            foreach (var channel in channels)
            {
                sum += channel[i];
            }

            mono[i] = (float)(sum / channels.Length);
        }

        return mono;
    }

    /// <summary>One ffprobe entry of the first audio stream (e.g. <c>stream=channels</c>).</summary>
    public static async Task<string> ProbeAsync(string path, string entries)
    {
        var result = await RunAsync("ffprobe", "-v", "error", "-select_streams", "a:0", "-show_entries", entries, "-of", "csv=p=0", path);
        return result.StandardOutput;
    }

    /// <summary>Signal-to-noise ratio of <paramref name="actual"/> against <paramref name="reference"/>, in dB.</summary>
    public static double SnrDb(ReadOnlySpan<float> reference, ReadOnlySpan<float> actual)
    {
        double signal = 0, noise = 0;
        var n = Math.Min(reference.Length, actual.Length);
        for (var i = 0; i < n; i++)
        {
            signal += (double)reference[i] * reference[i];
            var d = (double)reference[i] - actual[i];
            noise += d * d;
        }

        return noise == 0 ? double.PositiveInfinity : 10 * Math.Log10(signal / noise);
    }
}
