using OrleansIngest.Processing.Decoding;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Decoding;

/// <summary>
/// Random damage to valid files of every managed format (bytes replaced, truncation, a body shorter than its
/// declared length, junk inserted): the decoder either decodes or throws <see cref="InvalidMediaException"/>;
/// never another exception, never a hang.
/// </summary>
[Trait("Category", "Unit")]
public sealed class AudioDecoderMutationTests(ITestOutputHelper output)
{
    private const int Iterations = 150;

    [Theory]
    [InlineData("flac")]
    [InlineData("mp3")]
    [InlineData("mp2")]
    [InlineData("vorbis")]
    [InlineData("opus")]
    public async Task AudioDecoder_RandomMutationsEitherDecodeOrThrowInvalidMedia(string format)
    {
        var valid = await EncodedMedia.ShortClipAsync(format);
        var random = new Random(format.Length * 7919);
        int decoded = 0, rejected = 0;
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var (file, declaredLength, description) = format is "vorbis" or "opus" && iteration % 2 == 0
                ? DamageOggPacketsKeepingCrcs(valid, random)
                : Mutate(valid, random);
            var outcome = await DecodeGuardedAsync(file, declaredLength);
            switch (outcome)
            {
                case null:
                    decoded++;
                    break;
                case InvalidMediaException:
                    rejected++;
                    break;
                default:
                    Assert.Fail($"{format} iteration {iteration} ({description}) threw {outcome.GetType().Name}: {outcome}");
                    break;
            }
        }

        output.WriteLine($"{format}: {Iterations} mutations, {decoded} decoded, {rejected} rejected with InvalidMediaException");
        Assert.True(rejected > 0, "the mutations should be rejected at least sometimes");
    }

    [Theory]
    [InlineData("flac")]
    [InlineData("mp3")]
    [InlineData("mp2")]
    [InlineData("vorbis")]
    [InlineData("opus")]
    public async Task AudioDecoder_DecodesUndamagedClipFromForwardOnlyStreamInSmallReads(string format)
    {
        var valid = await EncodedMedia.ShortClipAsync(format);

        var outcome = await DecodeGuardedAsync(valid, valid.Length);

        Assert.Null(outcome);
    }

    // The time limit only guards against a hang; it measures nothing.
    private static async Task<Exception?> DecodeGuardedAsync(byte[] file, long declaredLength)
    {
        var decode = Task.Run(async () =>
        {
            using var source = await AudioDecoder.OpenAsync(new ForwardOnlyStream(file, maxRead: 1500), declaredLength, "test://mutant");
            var block = new float[1111];
            while (await source.ReadAsync(block) > 0)
            {
            }
        });
        try
        {
            await decode.WaitAsync(TimeSpan.FromSeconds(60));
            return null;
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException("decoder did not finish within 60 s (hang)");
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    // Every Ogg page is CRC-protected, so plain damage never reaches the codec. This damages packet bytes and
    // recomputes each page's CRC, so the Vorbis and Opus decoders themselves see garbage.
    private static (byte[] File, long DeclaredLength, string Description) DamageOggPacketsKeepingCrcs(byte[] original, Random random)
    {
        var file = (byte[])original.Clone();
        var flips = 0;
        for (var page = 0; page + 27 <= file.Length;)
        {
            var segments = file[page + 26];
            var body = page + 27 + segments;
            var length = 0;
            for (var i = 0; i < segments; i++)
            {
                length += file[page + 27 + i];
            }

            // Leave the first two pages (identification and comment headers) alone half of the time.
            if (length > 0 && (page > 200 || random.Next(2) == 0))
            {
                for (var i = random.Next(0, 4); i > 0; i--, flips++)
                {
                    file[body + random.Next(length)] = (byte)random.Next(256);
                }
            }

            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(page + 22), 0);
            var crc = Processing.Decoding.Ogg.OggCrc.Update(0, file.AsSpan(page, 27 + segments + length));
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(page + 22), crc);
            page = body + length;
        }

        return (file, file.Length, $"{flips} packet bytes replaced, page CRCs recomputed");
    }

    private static (byte[] File, long DeclaredLength, string Description) Mutate(byte[] original, Random random)
    {
        var file = (byte[])original.Clone();
        switch (random.Next(5))
        {
            case 0:
                {
                    var flips = random.Next(1, 6);
                    for (var i = 0; i < flips; i++)
                    {
                        file[random.Next(Math.Min(file.Length, 200))] = (byte)random.Next(256);
                    }

                    return (file, file.Length, $"{flips} header bytes replaced");
                }

            case 1:
                {
                    var length = random.Next(0, file.Length);
                    return (file[..length], length, $"truncated to {length} bytes");
                }

            case 2:
                {
                    var length = random.Next(0, file.Length);
                    return (file[..length], file.Length, $"body cut at {length} bytes, length claims {file.Length}");
                }

            case 3:
                {
                    var insertAt = random.Next(file.Length);
                    var extra = new byte[random.Next(1, 64)];
                    random.NextBytes(extra);
                    byte[] grown = [.. file[..insertAt], .. extra, .. file[insertAt..]];
                    return (grown, grown.Length, $"{extra.Length} random bytes inserted at {insertAt}");
                }

            default:
                {
                    var flips = random.Next(1, 20);
                    for (var i = 0; i < flips; i++)
                    {
                        file[random.Next(file.Length)] = (byte)random.Next(256);
                    }

                    return (file, file.Length, $"{flips} bytes replaced anywhere");
                }
        }
    }
}
