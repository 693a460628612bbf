using OrleansIngest.Processing.Decoding;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>Every format decoded by us against ffmpeg's decode of the same file: exact sample counts, high SNR.</summary>
[Trait("Category", "Unit")]
public sealed class AudioDecoderReferenceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("flac", "flac", null, 90)]
    [InlineData("mp3", "mp3", null, 60)]
    [InlineData("mp2", "mp2", null, 60)]
    [InlineData("vorbis", "vorbis", null, 60)]
    [InlineData("opus", "opus", "libopus", 60)]
    [InlineData("m4a", "aac", null, 90)]
    [InlineData("m4a-faststart", "aac", null, 90)]
    [InlineData("adts", "aac", null, 90)]
    public async Task AudioDecoder_MatchesFfmpegSampleForSample(string format, string codec, string? referenceDecoder, double minimumSnrDb)
    {
        var path = await EncodedMedia.EncodeAsync(format);
        var reference = ReferenceTools.Mean(await ReferenceTools.DecodeChannelsAsync(path, referenceDecoder));

        var (ours, info) = await DecodeAllAsync(path);

        var snr = ReferenceTools.SnrDb(reference, ours);
        output.WriteLine($"{format}: {ours.Length} samples (ffmpeg {reference.Length}), SNR {snr:F1} dB, codec {info.Codec}, {info.Channels} ch, {info.SampleRate} Hz");
        Assert.Equal(codec, info.Codec);
        Assert.Equal(2, info.Channels);
        Assert.Equal(reference.Length, ours.Length);
        Assert.True(snr >= minimumSnrDb, $"{format}: SNR {snr:F1} dB < {minimumSnrDb} dB");
    }

    [Fact]
    public async Task AudioDecoder_DecodesFlacBitExactly()
    {
        var path = await EncodedMedia.EncodeAsync("flac");
        var channels = await ReferenceTools.DecodeChannelsAsync(await EncodedMedia.SourceWavAsync());

        var (ours, info) = await DecodeAllAsync(path);

        // FLAC is lossless: the mean of the 16-bit source channels, exactly (both scale by 2^-15).
        var expected = ReferenceTools.Mean(channels);
        Assert.Equal(16, info.BitsPerSample);
        Assert.Equal(expected.Length, ours.Length);
        for (var i = 0; i < ours.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - ours[i]) <= 1e-7f, $"sample {i}: {ours[i]} vs {expected[i]}");
        }
    }

    internal static async Task<(float[] Samples, AudioFormatInfo Format)> DecodeAllAsync(string path, AudioDecoderOptions? options = null)
    {
        await using var file = File.OpenRead(path);
        using var source = await AudioDecoder.OpenAsync(file, file.Length, path, options);
        var samples = new List<float>();
        var block = new float[4000];
        int n;
        while ((n = await source.ReadAsync(block)) > 0)
        {
            samples.AddRange(block.AsSpan(0, n));
        }

        return ([.. samples], source.Format);
    }
}
