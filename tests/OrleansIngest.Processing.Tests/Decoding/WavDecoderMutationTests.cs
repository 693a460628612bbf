using System.Buffers.Binary;
using OrleansIngest.Processing.Decoding;
using Xunit.Abstractions;

namespace OrleansIngest.Processing.Tests.Decoding;

[Trait("Category", "Unit")]
public sealed class WavDecoderMutationTests(ITestOutputHelper output)
{
    private const int Iterations = 400;

    [Fact]
    public async Task WavDecoder_RandomMutationsEitherDecodeOrThrowInvalidMedia()
    {
        var valid = ValidFiles();
        var random = new Random(20240601);
        int decoded = 0, rejected = 0;
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var original = valid[random.Next(valid.Length)];
            var (file, declaredLength, description) = Mutate(original, random);
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
                    Assert.Fail($"iteration {iteration} ({description}) threw {outcome.GetType().Name}: {outcome.Message}");
                    break;
            }
        }

        output.WriteLine($"{Iterations} mutations: {decoded} decoded, {rejected} rejected with InvalidMediaException");
        Assert.Equal(Iterations, decoded + rejected);
        Assert.True(rejected > 0 && decoded > 0, "the mutations should produce both outcomes");
    }

    // Decodes to the end; returns the exception, or null on success. The time limit only guards
    // against a hang (an infinite loop would otherwise stall the test run), it measures nothing.
    private static async Task<Exception?> DecodeGuardedAsync(byte[] file, long declaredLength)
    {
        var decode = Task.Run(async () =>
        {
            using var source = await WavDecoder.OpenAsync(new ForwardOnlyStream(file, maxRead: 1000), declaredLength, "test://mutant.wav");
            var block = new float[777];
            long total = 0;
            int n;
            while ((n = await source.ReadAsync(block)) > 0)
            {
                total += n;
            }

            Assert.Equal(source.Format.TotalFrames, total);
        });
        try
        {
            await decode.WaitAsync(TimeSpan.FromSeconds(30));
            return null;
        }
        catch (TimeoutException)
        {
            throw new Xunit.Sdk.XunitException("decoder did not finish within 30 s (hang)");
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private static byte[][] ValidFiles()
    {
        var random = new Random(1);
        var pcm = new byte[2 * 2 * 500];
        random.NextBytes(pcm);
        var stereo = new WavFileBuilder { Channels = 2, SampleRate = 44100, Data = pcm };
        stereo.ChunksBeforeFmt.Add(("junk", [1, 2, 3]));
        stereo.ChunksAfterData.Add(("LIST", new byte[30]));

        var floats = WavFileBuilder.Float32([.. Enumerable.Range(0, 300).Select(i => MathF.Sin(i * 0.1f))]);
        var extensible = new WavFileBuilder { ExtensibleSubFormat = 3, BitsPerSample = 32, Channels = 1, Data = floats };

        var rf64 = new WavFileBuilder { Rf64 = true, Channels = 3, BitsPerSample = 24, Data = pcm[..(9 * 100)] };
        return [stereo.Build(), extensible.Build(), rf64.Build()];
    }

    private static (byte[] File, long DeclaredLength, string Description) Mutate(byte[] original, Random random)
    {
        var file = (byte[])original.Clone();
        switch (random.Next(6))
        {
            case 0:
                {
                    var flips = random.Next(1, 9);
                    for (var i = 0; i < flips; i++)
                    {
                        file[random.Next(Math.Min(file.Length, 120))] = (byte)random.Next(256);
                    }

                    return (file, file.Length, $"{flips} header bytes replaced");
                }

            case 1:
                {
                    var offset = random.Next(0, Math.Min(file.Length, 100) - 4) & ~1;
                    uint[] values = [0, 1, 2, 3, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 0xFFFFFFFE, (uint)random.Next()];
                    var value = values[random.Next(values.Length)];
                    BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(offset), value);
                    return (file, file.Length, $"uint32 0x{value:X8} at {offset}");
                }

            case 2:
                {
                    var length = random.Next(0, file.Length);
                    return (file[..length], length, $"truncated to {length} bytes");
                }

            case 3:
                {
                    var length = random.Next(0, file.Length);
                    return (file[..length], file.Length, $"body cut at {length} bytes, length claims {file.Length}");
                }

            case 4:
                {
                    var insertAt = random.Next(file.Length);
                    var extra = new byte[random.Next(1, 64)];
                    random.NextBytes(extra);
                    byte[] grown = [.. file[..insertAt], .. extra, .. file[insertAt..]];
                    return (grown, grown.Length, $"{extra.Length} random bytes inserted at {insertAt}");
                }

            default:
                {
                    var flips = random.Next(1, 40);
                    for (var i = 0; i < flips; i++)
                    {
                        file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                    }

                    return (file, file.Length, $"{flips} bit flips anywhere");
                }
        }
    }
}
