using OrleansIngest.Processing.Decoding;
using OrleansIngest.TestSupport;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// The committed malformed WAV corpus (Corpus/wav/, made by make-wav-corpus.py): the header damage listed in the
/// hardening issue, each failing with <see cref="InvalidMediaException"/> and its own reason, never anything else —
/// except a data size of 0xFFFFFFFF, the mark of a streaming writer, which is read to the end of the file.
/// </summary>
[Trait("Category", "Unit")]
public sealed class WavCorpusTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("fmt-size-0.wav", "fmt chunk is 0 bytes, shorter than the 16 bytes of WAVEFORMAT")]
    [InlineData("odd-chunk-without-padding.wav", "truncated file: chunk 0xE1062B50 declares 3837762165 bytes but only 3179 remain")]
    [InlineData("riff-size-larger-than-file.wav", "truncated file: RIFF chunk declares 103236 bytes but only 3236 remain")]
    [InlineData("rf64-without-ds64.wav", "RF64 file lacks the ds64 chunk (found 'fmt ')")]
    [InlineData("block-align-0.wav", "block align 0 is inconsistent with 1 channels × 16 bits (expected 2)")]
    [InlineData("channels-65.wav", "fmt chunk declares 65 channels, more than the supported 64")]
    [InlineData("sample-rate-0.wav", "sample rate 0 Hz is outside the supported range")]
    [InlineData("data-truncated.wav", "truncated file: data chunk declares 3200 bytes but only 1000 remain")]
    public async Task AudioDecoder_RejectsMalformedWavWithItsSpecificReason(string name, string reason)
    {
        var path = Path.Combine(TestTools.RepositoryRoot, "tests", "OrleansIngest.Processing.Tests", "Decoding", "Corpus", "wav", name);

        var exception = await Assert.ThrowsAsync<InvalidMediaException>(() => AudioDecoderReferenceTests.DecodeAllAsync(path));

        output.WriteLine($"{name}: {exception.Reason} (at byte {exception.Offset})");
        Assert.Equal(path, exception.SourceUri);
        Assert.Contains(reason, exception.Reason, StringComparison.Ordinal);
        Assert.InRange(exception.Offset, 0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task AudioDecoder_ReadsAWavWhoseDataSizeAStreamingWriterNeverPatchedToTheEndOfTheFile()
    {
        // 0xFFFFFFFF is what streaming writers (ffmpeg to a pipe, sox, recorders) leave when the length was unknown;
        // ffmpeg and sox read such a file to its end, and quarantining it would throw good audio away.
        var path = Path.Combine(TestTools.RepositoryRoot, "tests", "OrleansIngest.Processing.Tests", "Decoding", "Corpus", "wav", "data-size-ffffffff.wav");

        var (samples, format) = await AudioDecoderReferenceTests.DecodeAllAsync(path);

        Assert.Equal(1_600, samples.Length);
        Assert.Equal(16_000, format.SampleRate);
    }
}
