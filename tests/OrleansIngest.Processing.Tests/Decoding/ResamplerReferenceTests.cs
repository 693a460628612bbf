using OrleansIngest.Processing.Decoding;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport.Speech;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// Our polyphase resampler (through <see cref="ResamplingAudioSource"/>) against sox's very-high-quality
/// linear-phase <c>rate -v</c>, 44.1 and 48 kHz to 16 kHz. Both inputs are band-limited to 7 kHz first (sox
/// <c>sinc -7000</c>), inside both pass bands, so the comparison measures accuracy, not filter-edge choices.
/// </summary>
[Trait("Category", "Unit")]
public sealed class ResamplerReferenceTests(ITestOutputHelper output)
{
    private const double Seconds = 4;

    [Theory]
    [InlineData(44100, "speech")]
    [InlineData(48000, "speech")]
    [InlineData(44100, "sweep")]
    [InlineData(48000, "sweep")]
    public async Task ResamplingAudioSource_MatchesSoxVeryHighQualityTo16kHzWithin60Db(int rate, string signal)
    {
        var folder = Directory.CreateTempSubdirectory("orleansingest-resample-").FullName;
        try
        {
            var samples = signal == "speech"
                ? (await SpeechSynth.SpeakAsync("Resampling keeps the speech intact from one rate to another.", rate)).AsSpan(0, (int)(rate * Seconds * 0.8)).ToArray()
                : [.. Enumerable.Range(0, (int)(rate * Seconds)).Select(i => 0.5f * EncodedMedia.Sweep(i, rate, 50, 7000, Seconds))];
            var raw = Path.Combine(folder, "raw.wav");
            var band = Path.Combine(folder, "band.wav");
            var sox = Path.Combine(folder, "sox.wav");
            await using (var file = File.Create(raw))
            {
                WavEncoder.Write(file, samples, rate, 1, WavSampleFormat.Float32);
            }

            await ReferenceTools.RunAsync("sox", raw, "-e", "floating-point", "-b", "32", band, "sinc", "-7000");
            await ReferenceTools.RunAsync("sox", band, "-e", "floating-point", "-b", "32", sox, "rate", "-v", "16000");
            var reference = (await ReferenceTools.DecodeChannelsAsync(sox))[0];

            var ours = await ResampleAsync(band);

            var snr = ReferenceTools.SnrDb(reference, ours);
            output.WriteLine($"{signal} {rate} Hz → 16 kHz: ours {ours.Length} samples, sox {reference.Length}, SNR {snr:F1} dB");
            Assert.InRange(ours.Length - reference.Length, -1, 1);
            Assert.True(snr >= 60, $"SNR {snr:F1} dB");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<float[]> ResampleAsync(string path)
    {
        await using var file = File.OpenRead(path);
        using var source = new ResamplingAudioSource(await AudioDecoder.OpenAsync(file, file.Length, path), 16000);
        var result = new List<float>();
        var block = new float[3000];
        int n;
        while ((n = await source.ReadAsync(block)) > 0)
        {
            result.AddRange(block.AsSpan(0, n));
        }

        return [.. result];
    }
}
