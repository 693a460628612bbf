using OrleansIngest.Processing.Decoding;
using OrleansIngest.TestSupport;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// The committed malformed corpus (Corpus/, made by Corpus/make-corpus.sh and Corpus/wav/make-wav-corpus.py): every
/// damaged file fails with <see cref="InvalidMediaException"/> and its specific reason, never another exception, a
/// hang or a crash — except a WAV data size of 0xFFFFFFFF, the mark of a streaming writer, read to the end.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AudioDecoderCorpusTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("flac-corrupt-frame.flac", "CRC-16 mismatch")]
    [InlineData("flac-truncated.flac", "truncated file: the stream ends inside frame")]
    [InlineData("mp3-junk-after-first-frame.mp3", "lost MPEG frame sync after frame 1")]
    [InlineData("mp3-truncated.mp3", "truncated file: MPEG frame")]
    [InlineData("vorbis-truncated.ogg", "truncated file: Ogg page")]
    [InlineData("vorbis-bad-page-crc.ogg", "fails its CRC-32 check")]
    [InlineData("opus-truncated.opus", "truncated file: Ogg page")]
    // Before VorbisHeaderCheck, NVorbis allocated what these headers declare (out of memory under the fuzzer's
    // 512 MiB heap) or, for the unending ordered lengths (seen while reading NVorbis for the fix), looped forever.
    // All but that one were found by fuzzing (tests/fuzz), as was the stream that decoded to NaN.
    [InlineData("vorbis-comment-vendor-length.ogg", "Vorbis comment header declares a 808464432-byte vendor string but only 5 bytes follow")]
    [InlineData("vorbis-comment-count.ogg", "Vorbis comment header declares 808464432 comments but only 1 bytes follow")]
    [InlineData("vorbis-codebook-too-large.ogg", "Vorbis codebook 0 declares 65536 entries of 4096 dimensions, more than 2^24 values")]
    [InlineData("vorbis-codebook-lengths-unending.ogg", "Vorbis setup header ends inside codebook 0")]
    [InlineData("vorbis-nan-sample.ogg", "Vorbis audio packet 4 decoded to a non-finite sample (NaN)")]
    [InlineData("m4a-truncated.m4a", "ffmpeg could not decode the Mp4 file (exit code 1): [mov,mp4,m4a,3gp,3g2,mj2] Packet corrupt")]
    [InlineData("adts-truncated.aac", "Input buffer exhausted before END element found")]
    [InlineData("wav-truncated.wav", "truncated file: RIFF chunk declares 32070 bytes but only 9992 remain")]
    [InlineData("wrong-magic.wav", "unrecognised audio format (first bytes 0x69642C76616C75650A312C320A332C34 'id,value.1,2.3,4')")]
    [InlineData("wav/fmt-size-0.wav", "fmt chunk is 0 bytes, shorter than the 16 bytes of WAVEFORMAT")]
    [InlineData("wav/odd-chunk-without-padding.wav", "truncated file: chunk 0xE1062B50 declares 3837762165 bytes but only 3179 remain")]
    [InlineData("wav/riff-size-larger-than-file.wav", "truncated file: RIFF chunk declares 103236 bytes but only 3236 remain")]
    [InlineData("wav/rf64-without-ds64.wav", "RF64 file lacks the ds64 chunk (found 'fmt ')")]
    [InlineData("wav/block-align-0.wav", "block align 0 is inconsistent with 1 channels × 16 bits (expected 2)")]
    [InlineData("wav/channels-65.wav", "fmt chunk declares 65 channels, more than the supported 64")]
    [InlineData("wav/sample-rate-0.wav", "sample rate 0 Hz is outside the supported range")]
    [InlineData("wav/data-truncated.wav", "truncated file: data chunk declares 3200 bytes but only 1000 remain")]
    public async Task AudioDecoder_RejectsCorpusFileWithItsSpecificReason(string name, string reason)
    {
        var path = Path.Combine(TestTools.RepositoryRoot, "tests", "OrleansIngest.Processing.Tests", "Decoding", "Corpus", name);

        var exception = await Assert.ThrowsAsync<InvalidMediaException>(() => AudioDecoderReferenceTests.DecodeAllAsync(path));

        output.WriteLine($"{name}: {exception.Reason} (at byte {exception.Offset})");
        Assert.Equal(path, exception.SourceUri);
        Assert.Contains(reason, exception.Reason, StringComparison.Ordinal);
        Assert.InRange(exception.Offset, 0, new FileInfo(path).Length);
    }

    [Fact]
    public async Task AudioDecoder_DecodesVorbisWhoseFinalGranuleLiesFarBeyondItsSamples()
    {
        // Found by fuzzing: NVorbis trimmed the last packet by (int)(granule - samples), which went negative for a
        // granule 2^32 - 2^24 + 144 and left it looping forever. The trim is ours now; nothing is cut.
        var path = Path.Combine(TestTools.RepositoryRoot, "tests", "OrleansIngest.Processing.Tests", "Decoding", "Corpus", "vorbis-final-granule-huge.ogg");

        var (samples, format) = await AudioDecoderReferenceTests.DecodeAllAsync(path);

        Assert.Equal("vorbis", format.Codec);
        Assert.Equal(512, samples.Length);
        Assert.All(samples, sample => Assert.True(float.IsFinite(sample)));
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
