using System.Diagnostics;
using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// The ffmpeg child process under failure: hung, crashed, or abandoned. Stand-in "ffmpeg" scripts answer
/// <c>-version</c> like ffmpeg and then misbehave; each records its process id so the test can see it is gone.
/// </summary>
[Trait("Category", "Unit")]
public sealed class FfmpegAudioSourceTests : IDisposable
{
    // One frame of silence from a valid AU header: ".snd", data at 24, unknown size, float32, 44100 Hz, 1 channel.
    private const string AuHeader = @"\056\163\156\144\000\000\000\030\377\377\377\377\000\000\000\006\000\000\254\104\000\000\000\001\000\000\000\000";

    private readonly string _folder = Directory.CreateTempSubdirectory("orleansingest-fake-ffmpeg-").FullName;

    [Fact]
    public async Task FfmpegAudioSource_KillsAHungFfmpegAfterTheStallTimeout()
    {
        var clock = new FakeTimeProvider();
        var (ffmpeg, pidFile) = FakeFfmpeg("exec sleep 600");
        var options = new AudioDecoderOptions { FfmpegPath = ffmpeg, FfmpegStallTimeout = TimeSpan.FromSeconds(30), TimeProvider = clock };

        var open = OpenM4aAsync(options);
        var pid = await WaitForPidAsync(pidFile);
        while (!open.IsCompleted)
        {
            clock.Advance(TimeSpan.FromSeconds(10));
            await Task.WhenAny(open, Task.Delay(20));
        }

        var error = await Assert.ThrowsAsync<InvalidMediaException>(() => open);
        Assert.Equal("ffmpeg produced no output for 30 s and was stopped as hung", error.Reason);
        AssertExited(pid);
    }

    [Fact]
    public async Task FfmpegAudioSource_KillsFfmpegWhenTheSourceIsDisposedMidStream()
    {
        var (ffmpeg, pidFile) = FakeFfmpeg($"echo '  Stream #0:0: Audio: aac (LC), 44100 Hz, mono' >&2; printf '{AuHeader}'; exec sleep 600");
        var options = new AudioDecoderOptions { FfmpegPath = ffmpeg };

        var source = await OpenM4aAsync(options);
        var pid = await WaitForPidAsync(pidFile);
        Assert.Equal("aac", source.Format.Codec);
        Assert.Equal(44100, source.Format.SampleRate);
        Assert.Equal(1, await source.ReadAsync(new float[1]));

        source.Dispose();

        AssertExited(pid);
    }

    [Fact]
    public async Task FfmpegAudioSource_TurnsAnFfmpegCrashIntoInvalidMediaWithTheExitCode()
    {
        var (ffmpeg, _) = FakeFfmpeg("echo 'decoder exploded' >&2; kill -SEGV $$");
        var options = new AudioDecoderOptions { FfmpegPath = ffmpeg };

        var error = await Assert.ThrowsAsync<InvalidMediaException>(() => OpenM4aAsync(options));

        Assert.Contains("exit code 139", error.Reason, StringComparison.Ordinal);
        Assert.Contains("decoder exploded", error.Reason, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static async Task<IAudioSource> OpenM4aAsync(AudioDecoderOptions options)
    {
        // A minimal ISO BMFF head (ftyp, then moov) so the content routes to ffmpeg through the pipe.
        byte[] file = [0, 0, 0, 16, .. "ftypM4A \0\0\0\0"u8, 0, 0, 0, 8, .. "moov"u8, .. new byte[64]];
        return await AudioDecoder.OpenAsync(new MemoryStream(file), file.Length, "test://fake.m4a", options);
    }

    private (string Path, string PidFile) FakeFfmpeg(string behaviour)
    {
        var name = Guid.NewGuid().ToString("N");
        var path = Path.Combine(_folder, $"ffmpeg-{name}");
        var pidFile = Path.Combine(_folder, $"{name}.pid");
        File.WriteAllText(path, $"""
            #!/bin/sh
            case "$*" in *-version*) echo "ffmpeg version fake-1"; exit 0;; esac
            echo $$ > '{pidFile}'
            {behaviour}
            """);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The stand-in ffmpeg is a POSIX shell script.");
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return (path, pidFile);
    }

    private static async Task<int> WaitForPidAsync(string pidFile)
    {
        for (var attempt = 0; attempt < 500; attempt++)
        {
            if (File.Exists(pidFile) && File.ReadAllText(pidFile).Trim() is { Length: > 0 } text)
            {
                return int.Parse(text, CultureInfo.InvariantCulture);
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException("the fake ffmpeg never started");
    }

    private static void AssertExited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            Assert.True(process.WaitForExit(TimeSpan.FromSeconds(30)), $"process {pid} is still running");
        }
        catch (ArgumentException)
        {
            // Already gone and reaped.
        }
    }
}
