using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Decoding.Ffmpeg;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Tests.Decoding;

[Trait("Category", "Unit")]
public sealed class AudioDecoderTests
{
    [Fact]
    public async Task AudioDecoder_ChoosesTheDecoderByContentNotByName()
    {
        var flac = await EncodedMedia.ShortClipAsync("flac");

        using var source = await AudioDecoder.OpenAsync(new MemoryStream(flac), flac.Length, "test://really-flac.mp3");

        Assert.Equal("flac", source.Format.Codec);
        Assert.Equal(22050, source.Format.SampleRate);
    }

    [Fact]
    public async Task AudioDecoder_SkipsAnId3v2TagAndItsPaddingBeforeFlac()
    {
        var flac = await EncodedMedia.ShortClipAsync("flac");
        byte[] tag = [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0, 20, .. new byte[20], .. new byte[7]];
        byte[] file = [.. tag, .. flac];

        var (samples, format) = await DecodeAsync(file);

        Assert.Equal("flac", format.Codec);
        Assert.Equal(format.TotalFrames, samples);
    }

    [Fact]
    public async Task AudioDecoder_RejectsId3v2TagLargerThanTheFile()
    {
        byte[] file = [(byte)'I', (byte)'D', (byte)'3', 4, 0, 0, 0, 0, 0x10, 0, .. new byte[100]];

        var error = await Assert.ThrowsAsync<InvalidMediaException>(() => DecodeAsync(file));

        Assert.Equal("truncated file: ID3v2 tag declares 2058 bytes but only 110 remain", error.Reason);
    }

    [Fact]
    public async Task AudioDecoder_RejectsEmptyFile()
    {
        var error = await Assert.ThrowsAsync<InvalidMediaException>(() => DecodeAsync([]));
        Assert.Equal("file is empty", error.Reason);
    }

    [Fact]
    public async Task AudioDecoder_RejectsMoreChannelsThanTheOptionsAllow()
    {
        var path = await EncodedMedia.EncodeAsync("vorbis");

        var error = await Assert.ThrowsAsync<InvalidMediaException>(
            () => AudioDecoderReferenceTests.DecodeAllAsync(path, new AudioDecoderOptions { MaxChannels = 1 }));

        Assert.Equal("vorbis stream has 2 channels; 1 to 1 are accepted", error.Reason);
    }

    [Fact]
    public async Task AudioDecoder_RejectsSampleRateOutsideTheOptionsRange()
    {
        var mp3 = await EncodedMedia.ShortClipAsync("mp3");

        var error = await Assert.ThrowsAsync<InvalidMediaException>(() => DecodeAsync(mp3, new AudioDecoderOptions { MinSampleRate = 32000 }));

        Assert.Equal("mp3 stream has a sample rate of 22050 Hz; 32000 to 384000 Hz are accepted", error.Reason);
    }

    [Fact]
    public async Task AudioDecoder_RejectsDeclaredDurationBeyondTheMaximumBeforeDecoding()
    {
        var flac = await EncodedMedia.ShortClipAsync("flac");

        var error = await Assert.ThrowsAsync<InvalidMediaException>(
            () => DecodeAsync(flac, new AudioDecoderOptions { MaxDuration = TimeSpan.FromSeconds(0.1) }));

        Assert.StartsWith("flac stream declares 0.4 s of audio, more than the maximum duration of 00:00:00.1", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AudioDecoder_StopsDecodingWhenTheAudioExceedsTheMaximumDuration()
    {
        var opus = await EncodedMedia.ShortClipAsync("opus");

        var error = await Assert.ThrowsAsync<InvalidMediaException>(
            () => DecodeAsync(opus, new AudioDecoderOptions { MaxDuration = TimeSpan.FromSeconds(0.1) }));

        Assert.Equal("decoded audio exceeds the maximum duration of 00:00:00.1000000", error.Reason);
    }

    [Fact]
    public async Task AudioDecoder_FailsAUnitThatExceedsItsTimeBudget()
    {
        var clock = new FakeTimeProvider();
        var flac = await EncodedMedia.ShortClipAsync("flac");
        var options = new AudioDecoderOptions { TimeBudget = TimeSpan.FromMinutes(5), TimeProvider = clock };
        using var source = await AudioDecoder.OpenAsync(new MemoryStream(flac), flac.Length, "test://slow.flac", options);
        Assert.True(await source.ReadAsync(new float[100]) > 0);

        clock.Advance(TimeSpan.FromMinutes(6));
        var error = await Assert.ThrowsAsync<InvalidMediaException>(async () => await source.ReadAsync(new float[100]));

        Assert.Equal("decoding exceeded the time budget of 00:05:00 after 100 samples", error.Reason);
    }

    [Theory]
    [InlineData(0, "MaxChannels")]
    [InlineData(65, "MaxChannels")]
    public void AudioDecoderOptions_ValidateRejectsChannelLimitsOutsideOneTo64(int channels, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => new AudioDecoderOptions { MaxChannels = channels }.Validate());
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AudioDecoderOptions_ValidateRejectsInvertedSampleRateRange()
    {
        var error = Assert.Throws<ArgumentException>(() => new AudioDecoderOptions { MinSampleRate = 48000, MaxSampleRate = 44100 }.Validate());
        Assert.Contains("MinSampleRate ≤ MaxSampleRate", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckTools_NeedsNoFfmpegWhenNoAudioRouteCanReceiveAnFfmpegFormat()
    {
        var pipeline = new PipelineDefinition
        {
            Routes = [new RouteDefinition { Match = ["calls/**/*.wav", "**/*.flac"], Table = "calls", Kind = RouteKind.Audio }],
        };

        var found = await AudioDecoder.CheckToolsAsync(pipeline, new AudioDecoderOptions { FfmpegPath = "/nonexistent/ffmpeg" });

        Assert.Null(found);
    }

    [Fact]
    public async Task CheckTools_FailsClearlyWhenARouteNeedsFfmpegAndItIsMissing()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => AudioDecoder.CheckToolsAsync(PipelineDefinition.Default, new AudioDecoderOptions { FfmpegPath = "/nonexistent/ffmpeg" }));

        Assert.Contains("audio_segments", error.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install -y ffmpeg", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckTools_FindsFfmpegForTheDefaultPipeline()
    {
        var found = await AudioDecoder.CheckToolsAsync(PipelineDefinition.Default);

        Assert.NotNull(found);
        Assert.StartsWith("ffmpeg version", found.Version, StringComparison.Ordinal);
    }

    [Fact]
    public void RoutesNeedingFfmpeg_IncludeMp3RoutesOnlyWhenMp3IsConfiguredForFfmpeg()
    {
        var pipeline = new PipelineDefinition { Routes = [new RouteDefinition { Match = ["**/*.mp3"], Table = "podcasts", Kind = RouteKind.Audio }] };

        Assert.Empty(AudioDecoder.RoutesNeedingFfmpeg(pipeline, AudioDecoderOptions.Default));
        Assert.Equal(["podcasts"], AudioDecoder.RoutesNeedingFfmpeg(pipeline, new AudioDecoderOptions { FfmpegFormats = new HashSet<AudioFormatKind> { AudioFormatKind.Mpeg } }));
    }

    [Fact]
    public async Task FfmpegLocator_ReturnsNullForAPathThatDoesNotExist()
    {
        Assert.Null(await FfmpegLocator.TryLocateAsync("/nonexistent/ffmpeg"));
    }

    private static async Task<(long Samples, AudioFormatInfo Format)> DecodeAsync(byte[] file, AudioDecoderOptions? options = null)
    {
        using var source = await AudioDecoder.OpenAsync(new MemoryStream(file), file.Length, "test://file", options);
        var block = new float[1000];
        long total = 0;
        int n;
        while ((n = await source.ReadAsync(block)) > 0)
        {
            total += n;
        }

        return (total, source.Format);
    }
}
