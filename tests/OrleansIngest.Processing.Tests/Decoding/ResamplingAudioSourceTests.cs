using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Dsp;
using OrleansIngest.Processing.Tests.Dsp;

namespace OrleansIngest.Processing.Tests.Decoding;

[Trait("Category", "Unit")]
public sealed class ResamplingAudioSourceTests
{
    [Theory]
    [InlineData(44100, 2)]
    [InlineData(8000, 1)]
    [InlineData(48000, 6)]
    public async Task ResamplingAudioSource_EqualsResamplerOverTheDecodedSamples(int rate, int channels)
    {
        var raw = new short[rate * channels * 3 / 2];
        var random = new Random(rate);
        for (var i = 0; i < raw.Length; i++)
        {
            raw[i] = (short)random.Next(-20000, 20000);
        }

        var file = new WavFileBuilder { SampleRate = (uint)rate, Channels = (ushort)channels, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var (_, mono) = await WavDecoderTests.DecodeAsync(file);
        var expected = PolyphaseResamplerTests.ResampleAll(new PolyphaseResampler(rate, 16000), mono);

        var inner = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, "test://a.wav");
        using var source = new ResamplingAudioSource(inner);
        var actual = await ReadAllAsync(source, 1000);

        Assert.Equal(expected, actual);
        Assert.Equal(expected.Length, source.Format.TotalFrames);
    }

    [Fact]
    public async Task ResamplingAudioSource_ReportsTargetRateAndKeepsCodecAndChannels()
    {
        var file = new WavFileBuilder { SampleRate = 44100, Channels = 2, BitsPerSample = 24, Data = new byte[6 * 44100] }.Build();
        var inner = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, "test://a.wav");
        using var source = new ResamplingAudioSource(inner);
        Assert.Equal(new AudioFormatInfo("pcm_s24le", 16000, 2, 24, 16000), source.Format);
    }

    [Fact]
    public async Task ResamplingAudioSource_PassesThroughWhenRatesMatch()
    {
        var raw = Enumerable.Range(0, 5000).Select(i => (short)((i * 37) % 30000)).ToArray();
        var file = new WavFileBuilder { SampleRate = 16000, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var inner = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, "test://a.wav");
        using var source = new ResamplingAudioSource(inner);
        Assert.Equal(inner.Format, source.Format);
        Assert.Equal(raw.Select(v => v / 32768f), await ReadAllAsync(source, 333));
    }

    [Fact]
    public async Task ResamplingAudioSource_DisposesTheInnerSource()
    {
        var file = new WavFileBuilder { SampleRate = 22050, Data = new byte[100] }.Build();
        var inner = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, "test://a.wav");
        new ResamplingAudioSource(inner).Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await inner.ReadAsync(new float[4]));
    }

    private static async Task<float[]> ReadAllAsync(IAudioSource source, int blockSize)
    {
        var samples = new List<float>();
        var block = new float[blockSize];
        int n;
        while ((n = await source.ReadAsync(block)) > 0)
        {
            samples.AddRange(block[..n]);
        }

        return [.. samples];
    }
}
