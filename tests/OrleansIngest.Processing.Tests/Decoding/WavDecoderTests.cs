using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Processing.Tests.Decoding;

[Trait("Category", "Unit")]
public sealed class WavDecoderTests
{
    private const string Uri = "test://clip.wav";

    [Fact]
    public async Task WavDecoder_DecodesPcm8Exactly()
    {
        var raw = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        var file = new WavFileBuilder { BitsPerSample = 8, Data = raw }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_u8", format.Codec);
        Assert.Equal(raw.Select(b => (b - 128) / 128f), samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesPcm16Exactly()
    {
        var raw = RandomInts(1001, -32768, 32768).Select(v => (short)v).Concat(new short[] { short.MinValue, short.MaxValue, 0 }).ToArray();
        var file = new WavFileBuilder { BitsPerSample = 16, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(new AudioFormatInfo("pcm_s16le", 16000, 1, 16, raw.Length), format);
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesPcm24Exactly()
    {
        var raw = RandomInts(999, -8388608, 8388608).Concat([-8388608, 8388607, -1]).ToArray();
        var file = new WavFileBuilder { BitsPerSample = 24, Data = WavFileBuilder.Pcm24(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_s24le", format.Codec);
        Assert.Equal(raw.Select(v => v / 8388608f), samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesPcm32Exactly()
    {
        var raw = RandomInts(500, int.MinValue, int.MaxValue).Concat([int.MinValue, int.MaxValue]).ToArray();
        var file = new WavFileBuilder { BitsPerSample = 32, Data = WavFileBuilder.Pcm32(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_s32le", format.Codec);
        Assert.Equal(raw.Select(v => (float)v / 2147483648f), samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesFloat32Exactly()
    {
        var raw = RandomInts(700, -100000, 100000).Select(v => v / 65536f).Concat([1.5f, -2f]).ToArray();
        var file = new WavFileBuilder { FormatTag = 3, BitsPerSample = 32, Data = WavFileBuilder.Float32(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_f32le", format.Codec);
        Assert.Equal(raw, samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesFloat64Exactly()
    {
        var raw = RandomInts(700, -100000, 100000).Select(v => v / 65536.0 + 1e-12).ToArray();
        var file = new WavFileBuilder { FormatTag = 3, BitsPerSample = 64, Data = WavFileBuilder.Float64(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_f64le", format.Codec);
        Assert.Equal(raw.Select(v => (float)v), samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesExtensiblePcm()
    {
        var raw = RandomInts(300, -8388608, 8388608).Select(v => v & ~0xF).ToArray();
        var file = new WavFileBuilder { ExtensibleSubFormat = 1, BitsPerSample = 24, ValidBitsPerSample = 20, Data = WavFileBuilder.Pcm24(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_s24le", format.Codec);
        Assert.Equal(raw.Select(v => v / 8388608f), samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesExtensibleFloat()
    {
        var raw = RandomInts(300, -1000, 1000).Select(v => v / 1024f).ToArray();
        var file = new WavFileBuilder { ExtensibleSubFormat = 3, BitsPerSample = 32, Data = WavFileBuilder.Float32(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal("pcm_f32le", format.Codec);
        Assert.Equal(raw, samples);
    }

    [Fact]
    public async Task WavDecoder_DecodesRf64WithDs64Sizes()
    {
        var raw = RandomInts(801, -32768, 32768).Select(v => (short)v).ToArray();
        var builder = new WavFileBuilder { Rf64 = true, Data = WavFileBuilder.Pcm16(raw) };
        builder.ChunksAfterData.Add(("LIST", new byte[10]));
        var file = builder.Build();
        Assert.Equal("RF64"u8.ToArray(), file[..4]);
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(raw.Length, format.TotalFrames);
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_DownmixesStereoByMean()
    {
        var raw = RandomInts(2000, -32768, 32768).Select(v => (short)v).ToArray();
        var file = new WavFileBuilder { Channels = 2, SampleRate = 44100, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(new AudioFormatInfo("pcm_s16le", 44100, 2, 16, 1000), format);
        var expected = Enumerable.Range(0, 1000).Select(i => ((raw[2 * i] / 32768f) + (raw[(2 * i) + 1] / 32768f)) / 2);
        Assert.Equal(expected, samples);
    }

    [Fact]
    public async Task WavDecoder_DownmixesSixChannelsByMean()
    {
        var raw = RandomInts(6 * 5000, -8388608, 8388608).ToArray();
        var file = new WavFileBuilder { Channels = 6, SampleRate = 48000, BitsPerSample = 24, Data = WavFileBuilder.Pcm24(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(6, format.Channels);
        Assert.Equal(5000, samples.Length);
        for (var i = 0; i < samples.Length; i++)
        {
            var mean = Enumerable.Range(0, 6).Sum(c => raw[(6 * i) + c] / 8388608.0) / 6;
            Assert.True(Math.Abs(samples[i] - mean) < 1e-6, $"frame {i}: {samples[i]} vs {mean}");
        }
    }

    [Theory]
    [InlineData(44100u)]
    [InlineData(8000u)]
    public async Task WavDecoder_ReportsSampleRate(uint rate)
    {
        var raw = RandomInts(100, -32768, 32768).Select(v => (short)v).ToArray();
        var file = new WavFileBuilder { SampleRate = rate, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal((int)rate, format.SampleRate);
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_SkipsOddSizedUnknownChunksBeforeFmtAndData()
    {
        var raw = RandomInts(50, -32768, 32768).Select(v => (short)v).ToArray();
        var builder = new WavFileBuilder { Data = WavFileBuilder.Pcm16(raw) };
        builder.ChunksBeforeFmt.Add(("junk", [1, 2, 3]));
        builder.ChunksBeforeData.Add(("abcd", [9, 9, 9, 9, 9]));
        builder.ChunksBeforeData.Add(("fact", [0, 0, 0, 0]));
        var (_, samples) = await DecodeAsync(builder.Build());
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_IgnoresListChunkAfterData()
    {
        var raw = RandomInts(51, 0, 256).Select(v => (byte)v).ToArray();
        var builder = new WavFileBuilder { BitsPerSample = 8, Data = raw };
        builder.ChunksAfterData.Add(("LIST", "INFOISFT\u0005\0\0\0test\0"u8.ToArray()));
        var (_, samples) = await DecodeAsync(builder.Build());
        Assert.Equal(raw.Select(b => (b - 128) / 128f), samples);
    }

    [Fact]
    public async Task WavDecoder_ReadsStreamingHeaderWithUnknownSizesToEndOfFile()
    {
        var raw = RandomInts(300, -32768, 32768).Select(v => (short)v).ToArray();
        var file = new WavFileBuilder { RiffSize = uint.MaxValue, DataSize = uint.MaxValue, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(raw.Length, format.TotalFrames);
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_ReadsUnknownDataSizeToEndOfRiffChunk()
    {
        var raw = RandomInts(40, -32768, 32768).Select(v => (short)v).ToArray();
        var builder = new WavFileBuilder { DataSize = uint.MaxValue, Data = WavFileBuilder.Pcm16(raw) };
        var honest = builder.Build();

        // Trailing bytes outside the RIFF chunk (e.g. an appended tag) are not audio.
        byte[] file = [.. honest, .. new byte[10]];
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(raw.Length, format.TotalFrames);
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_ReadsUnpatchedZeroSizesToEndOfFile()
    {
        var raw = RandomInts(77, -32768, 32768).Select(v => (short)v).ToArray();
        var file = new WavFileBuilder { RiffSize = 0, DataSize = 0, Data = WavFileBuilder.Pcm16(raw) }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(raw.Length, format.TotalFrames);
        Assert.Equal(raw.Select(v => v / 32768f), samples);
    }

    [Fact]
    public async Task WavDecoder_TreatsZeroDataSizeWithValidRiffSizeAsEmpty()
    {
        var file = new WavFileBuilder { DataSize = 0, Data = [] }.Build();
        var (format, samples) = await DecodeAsync(file);
        Assert.Equal(0, format.TotalFrames);
        Assert.Empty(samples);
    }

    [Fact]
    public async Task WavDecoder_ReadsForwardOnlyStreamInTinyPiecesAndSmallBlocks()
    {
        var raw = RandomInts(3 * 1234, -32768, 32768).Select(v => (short)v).ToArray();
        var builder = new WavFileBuilder { Channels = 3, Data = WavFileBuilder.Pcm16(raw) };
        builder.ChunksBeforeData.Add(("LIST", new byte[333]));
        var file = builder.Build();
        var stream = new ForwardOnlyStream(file, maxRead: 5);
        using var source = await WavDecoder.OpenAsync(stream, file.Length, Uri);
        var samples = new List<float>();
        var block = new float[7];
        int n;
        while ((n = await source.ReadAsync(block)) > 0)
        {
            samples.AddRange(block[..n]);
        }

        var expected = Enumerable.Range(0, 1234).Select(i => ((raw[3 * i] / 32768f) + (raw[(3 * i) + 1] / 32768f) + (raw[(3 * i) + 2] / 32768f)) * (1f / 3));
        Assert.Equal(expected, samples);
        Assert.Equal(file.Length, stream.BytesRead);
    }

    [Fact]
    public async Task WavDecoder_ReturnsZeroAtEndAndForEmptyData()
    {
        var file = new WavFileBuilder { Data = [] }.Build();
        using var source = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, Uri);
        Assert.Equal(0, source.Format.TotalFrames);
        Assert.Equal(0, await source.ReadAsync(new float[16]));
    }

    [Fact]
    public async Task WavDecoder_RejectsTruncatedDataWhileStreaming()
    {
        var file = new WavFileBuilder { Data = WavFileBuilder.Pcm16(new short[1000]) }.Build();

        // The blob size says the whole file, but the body ends early (a cut connection).
        var cut = file[..(file.Length - 300)];
        using var source = await WavDecoder.OpenAsync(new ForwardOnlyStream(cut), file.Length, Uri);
        var error = await Assert.ThrowsAsync<InvalidMediaException>(async () =>
        {
            var block = new float[256];
            while (await source.ReadAsync(block) > 0)
            {
            }
        });
        Assert.Contains("truncated data", error.Reason, StringComparison.Ordinal);
        Assert.Equal(cut.Length, error.Offset);
        Assert.Equal(Uri, error.SourceUri);
    }

    [Fact]
    public async Task WavDecoder_RejectsDataChunkLargerThanFile()
    {
        var file = new WavFileBuilder { DataSize = 1000, Data = new byte[100] }.Build();
        var error = await OpenFailsAsync(file);
        Assert.Equal("truncated file: data chunk declares 1000 bytes but only 100 remain", error.Reason);
        Assert.Equal(36, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsTruncatedFile()
    {
        var file = new WavFileBuilder { Data = new byte[2000] }.Build();
        var error = await OpenFailsAsync(file[..1000]);
        Assert.Contains("RIFF chunk declares 2036 bytes but only 992 remain", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WavDecoder_RejectsZeroChannels()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { Channels = 0, BlockAlign = 2, Data = new byte[4] }.Build());
        Assert.Equal("fmt chunk declares zero channels", error.Reason);
        Assert.Equal(22, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsTooManyChannels()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { Channels = 65, Data = new byte[130] }.Build());
        Assert.Contains("65 channels", error.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0u)]
    [InlineData(999u)]
    [InlineData(10_000_000u)]
    public async Task WavDecoder_RejectsAbsurdSampleRate(uint rate)
    {
        var error = await OpenFailsAsync(new WavFileBuilder { SampleRate = rate, Data = new byte[4] }.Build());
        Assert.Equal($"sample rate {rate} Hz is outside the supported range 1000..768000 Hz", error.Reason);
        Assert.Equal(24, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsBlockAlignMismatch()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { Channels = 2, BlockAlign = 2, Data = new byte[8] }.Build());
        Assert.Equal("block align 2 is inconsistent with 2 channels × 16 bits (expected 4)", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsUnsupportedFormatTag()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { FormatTag = 0x55, BitsPerSample = 0, BlockAlign = 1, Data = new byte[10] }.Build());
        Assert.StartsWith("unsupported format tag 0x0055 (MPEG Layer 3)", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WavDecoder_RejectsUnsupportedBitsPerSample()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { BitsPerSample = 12, BlockAlign = 2, Data = new byte[10] }.Build());
        Assert.Contains("unsupported PCM sample size of 12 bits", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WavDecoder_RejectsFmtChunkTooShort()
    {
        var builder = new WavFileBuilder { Data = new byte[10] };
        builder.FmtSize = 14;
        var error = await OpenFailsAsync(builder.Build());
        Assert.Equal("fmt chunk is 14 bytes, shorter than the 16 bytes of WAVEFORMAT", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsMissingDataChunk()
    {
        var builder = new WavFileBuilder { OmitData = true };
        builder.ChunksBeforeData.Add(("LIST", new byte[20]));
        var error = await OpenFailsAsync(builder.Build());
        Assert.StartsWith("missing data chunk", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WavDecoder_RejectsMissingFmtChunk()
    {
        var builder = new WavFileBuilder { OmitFmt = true, OmitData = true };
        builder.ChunksBeforeData.Add(("LIST", new byte[20]));
        var error = await OpenFailsAsync(builder.Build());
        Assert.StartsWith("missing fmt chunk", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WavDecoder_RejectsDataBeforeFmt()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { OmitFmt = true, Data = new byte[10] }.Build());
        Assert.Equal("data chunk comes before the fmt chunk", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsEmptyFile()
    {
        var error = await OpenFailsAsync([]);
        Assert.Equal("file is empty", error.Reason);
        Assert.Equal(0, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsRandomBytes()
    {
        var bytes = new byte[1024];
        new Random(42).NextBytes(bytes);
        var error = await OpenFailsAsync(bytes);
        Assert.StartsWith("missing RIFF magic (found 0x", error.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WavDecoder_RejectsMissingWaveFormType()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { FormType = "AVI ", Data = new byte[10] }.Build());
        Assert.Equal("missing WAVE form type (found 'AVI ')", error.Reason);
        Assert.Equal(8, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsRiffSizeLargerThanFile()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { RiffSize = 5000, Data = new byte[100] }.Build());
        Assert.Equal("truncated file: RIFF chunk declares 5000 bytes but only 136 remain", error.Reason);
        Assert.Equal(4, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsRiffSizeThatEndsBeforeTheData()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { RiffSize = 60, Data = new byte[100] }.Build());
        Assert.Equal("data chunk ends at byte 144, beyond the end of the RIFF chunk at byte 68 (RIFF size is wrong)", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsPartialFrameInData()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { Channels = 2, Data = new byte[10] }.Build());
        Assert.Equal("data chunk size 10 is not a multiple of the block align 4 (partial frame)", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsNonFiniteFloatSample()
    {
        var file = new WavFileBuilder { FormatTag = 3, BitsPerSample = 32, Data = WavFileBuilder.Float32(0.5f, float.NaN, 0.25f) }.Build();
        using var source = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, Uri);
        var error = await Assert.ThrowsAsync<InvalidMediaException>(async () => await source.ReadAsync(new float[8]));
        Assert.Equal("IEEE float sample NaN is not finite", error.Reason);
        Assert.Equal(48, error.Offset);
    }

    [Fact]
    public async Task WavDecoder_RejectsZeroBlockAlign()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { BlockAlign = 0, Data = new byte[4] }.Build());
        Assert.Equal("block align 0 is inconsistent with 1 channels × 16 bits (expected 2)", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsZeroSizedFmtChunk()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { FmtSize = 0, Data = new byte[4] }.Build());
        Assert.Equal("fmt chunk is 0 bytes, shorter than the 16 bytes of WAVEFORMAT", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsRf64WithoutDs64()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { Rf64 = true, OmitDs64 = true, Data = new byte[10] }.Build());
        Assert.Equal("RF64 file lacks the ds64 chunk (found 'fmt ')", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsRf64DataLargerThanFile()
    {
        var error = await OpenFailsAsync(new WavFileBuilder { Rf64 = true, Ds64DataSize = 1L << 40, Data = new byte[10] }.Build());
        Assert.Equal($"truncated file: data chunk declares {1L << 40} bytes but only 10 remain", error.Reason);
    }

    [Fact]
    public async Task WavDecoder_RejectsUnknownChunkLargerThanFile()
    {
        var builder = new WavFileBuilder { Data = new byte[10] };
        builder.ChunksBeforeFmt.Add(("junk", new byte[4]));
        var file = builder.Build();
        file[16] = 0xFF;
        file[17] = 0xFF;
        var error = await OpenFailsAsync(file);
        Assert.Equal("truncated file: chunk 'junk' declares 65535 bytes but only 46 remain", error.Reason);
        Assert.Equal(12, error.Offset);
    }

    [Fact]
    public void InvalidMediaException_MessageNamesSourceReasonAndOffset()
    {
        var error = new InvalidMediaException("blob://a/b.wav", 44, "data chunk declares 9 bytes but only 3 remain");
        Assert.Equal("blob://a/b.wav: data chunk declares 9 bytes but only 3 remain (at byte 44)", error.Message);
    }

    internal static async Task<(AudioFormatInfo Format, float[] Samples)> DecodeAsync(byte[] file, int blockSize = 4096)
    {
        using var source = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, Uri);
        var samples = new List<float>();
        var block = new float[blockSize];
        int n;
        while ((n = await source.ReadAsync(block)) > 0)
        {
            samples.AddRange(block[..n]);
        }

        Assert.Equal(source.Format.TotalFrames, samples.Count);
        return (source.Format, samples.ToArray());
    }

    private static async Task<InvalidMediaException> OpenFailsAsync(byte[] file)
    {
        var error = await Assert.ThrowsAsync<InvalidMediaException>(async () =>
        {
            using var source = await WavDecoder.OpenAsync(new MemoryStream(file), file.Length, Uri);
        });
        Assert.Equal(Uri, error.SourceUri);
        return error;
    }

    private static IEnumerable<int> RandomInts(int count, int min, int max)
    {
        var random = new Random(count);
        for (var i = 0; i < count; i++)
        {
            yield return random.Next(min, max);
        }
    }
}
