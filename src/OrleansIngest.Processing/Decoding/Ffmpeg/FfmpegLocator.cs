using System.Collections.Concurrent;
using System.ComponentModel;
using System.Diagnostics;

namespace OrleansIngest.Processing.Decoding.Ffmpeg;

/// <summary>
/// Finds ffmpeg (a configured path, or the first <c>ffmpeg</c> on <c>PATH</c>) and proves it runs. The answer is
/// cached per configured path, so decoders can ask on every unit.
/// </summary>
public static class FfmpegLocator
{
    private const string ExecutableName = "ffmpeg";
    private static readonly TimeSpan VersionTimeout = TimeSpan.FromSeconds(15);
    private static readonly ConcurrentDictionary<string, FfmpegInstallation> Found = new(StringComparer.Ordinal);

    /// <summary>The installation at <paramref name="configuredPath"/> (or on <c>PATH</c>), or null when there is none that runs.</summary>
    public static async Task<FfmpegInstallation?> TryLocateAsync(string? configuredPath = null, CancellationToken cancellationToken = default)
    {
        var key = configuredPath ?? "";
        if (Found.TryGetValue(key, out var cached))
        {
            return cached;
        }

        var path = Resolve(configuredPath);
        if (path is null || await ProbeAsync(path, cancellationToken) is not { } version)
        {
            return null;
        }

        return Found.GetOrAdd(key, new FfmpegInstallation(path, version));
    }

    /// <summary>The installation at <paramref name="configuredPath"/> (or on <c>PATH</c>).</summary>
    /// <exception cref="InvalidOperationException">ffmpeg is missing or does not run; the message says how to fix it.</exception>
    public static async Task<FfmpegInstallation> LocateAsync(string? configuredPath = null, CancellationToken cancellationToken = default) =>
        await TryLocateAsync(configuredPath, cancellationToken) ?? throw new InvalidOperationException(
            configuredPath is null
                ? "ffmpeg was not found on PATH, but the pipeline decodes formats only ffmpeg handles (M4A/MP4/AAC). Install it (apt-get install -y ffmpeg) or set the ffmpeg path in the decoder options."
                : $"ffmpeg at '{configuredPath}' does not exist or does not run (`{configuredPath} -version` failed). Fix the configured ffmpeg path or install ffmpeg (apt-get install -y ffmpeg).");

    private static string? Resolve(string? configuredPath)
    {
        if (!string.IsNullOrEmpty(configuredPath))
        {
            return File.Exists(configuredPath) ? Path.GetFullPath(configuredPath) : null;
        }

        var searchPath = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var directory in searchPath.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, ExecutableName);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static async Task<string?> ProbeAsync(string path, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("-hide_banner");
        startInfo.ArgumentList.Add("-version");
        try
        {
            using var process = Process.Start(startInfo);
            if (process is null)
            {
                return null;
            }

            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(VersionTimeout);
            string banner;
            try
            {
                // Both pipes are drained so the child never blocks on them.
                var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
                var errors = process.StandardError.ReadToEndAsync(timeout.Token);
                await process.WaitForExitAsync(timeout.Token);
                banner = await output;
                await errors;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                return null;
            }

            var firstLine = banner.Split('\n', 2)[0].Trim();
            return process.ExitCode == 0 && firstLine.StartsWith("ffmpeg version", StringComparison.Ordinal) ? firstLine : null;
        }
        catch (Win32Exception)
        {
            return null;
        }
    }
}
