using System.Buffers.Binary;
using OrleansIngest.TestSupport.Speech;

namespace OrleansIngest.Processing.Tests.Inference;

/// <summary>The speech helper must be right for the VAD tests to mean anything.</summary>
public sealed class SpeechSynthTests
{
    [Fact]
    [Trait("Category", "Unit")]
    public void SpeechSynth_ResamplePreservesAToneBelowTheCutoff()
    {
        var input = Tone(1000, 22050, 22050);

        var output = SpeechSynth.Resample(input, 22050, 16000);

        var expected = Tone(1000, 16000, output.Length);
        Assert.Equal(16000, output.Length);

        // Away from the edges, where the kernel runs off the signal.
        for (var i = 200; i < output.Length - 200; i++)
        {
            Assert.True(Math.Abs(output[i] - expected[i]) < 1e-4, $"sample {i}: {output[i]} vs {expected[i]}");
        }
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void SpeechSynth_ResampleRemovesAToneAboveTheNewNyquist()
    {
        var output = SpeechSynth.Resample(Tone(9500, 22050, 22050), 22050, 16000);

        var rms = Math.Sqrt(output[200..^200].Average(x => (double)x * x));
        Assert.True(rms < 2e-4, $"aliased energy rms {rms}");
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void SpeechSynth_ReadWavRejectsDataChunkLargerThanFile()
    {
        var wav = Wav(sampleRate: 16000, samples: 10);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), 1000);

        var error = Assert.Throws<InvalidDataException>(() => SpeechSynth.ReadPcm16MonoWav(wav));

        Assert.Contains("declares 1000 bytes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void SpeechSynth_ReadWavReturnsSamplesAndRate()
    {
        var wav = Wav(sampleRate: 22050, samples: 3);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(44), short.MinValue);
        BinaryPrimitives.WriteInt16LittleEndian(wav.AsSpan(46), 16384);

        var (samples, rate) = SpeechSynth.ReadPcm16MonoWav(wav);

        Assert.Equal(22050, rate);
        Assert.Equal([-1f, 0.5f, 0f], samples);
    }

    [Fact]
    [Trait("Category", "Integration")]
    public async Task SpeechSynth_SpeaksAtTheRequestedRate()
    {
        var at16k = await SpeechSynth.SpeakAsync("Hello world, this is a test.");
        var native = await SpeechSynth.SpeakAsync("Hello world, this is a test.", 22050);

        // espeak-ng writes 22050 Hz: the same utterance, resampled, is shorter by 16000/22050.
        Assert.Equal(native.Length * 16000L / 22050, at16k.Length);
        Assert.InRange(at16k.Length / 16000.0, 0.8, 5.0);
        Assert.True(at16k.Max(Math.Abs) > 0.05f);
    }

    private static float[] Tone(double frequency, int sampleRate, int length) =>
        Enumerable.Range(0, length).Select(i => (float)(0.5 * Math.Sin(2 * Math.PI * frequency * i / sampleRate))).ToArray();

    private static byte[] Wav(int sampleRate, int samples)
    {
        var wav = new byte[44 + (2 * samples)];
        "RIFF"u8.CopyTo(wav);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(4), (uint)(wav.Length - 8));
        "WAVEfmt "u8.CopyTo(wav.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(22), 1);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(24), (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(28), (uint)(sampleRate * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(32), 2);
        BinaryPrimitives.WriteUInt16LittleEndian(wav.AsSpan(34), 16);
        "data"u8.CopyTo(wav.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), (uint)(2 * samples));
        return wav;
    }
}
