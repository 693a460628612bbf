using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace OrleansIngest.Processing.Synthetic;

/// <summary>
/// The fixed list of broken inputs, taken in turn (WAV and CSV interleaved so that a few files already cover
/// both readers); past the end of the list the kinds repeat with a numbered name.
/// </summary>
internal static class SyntheticBadFiles
{
    private static readonly BadKind[] Kinds =
    [
        new("audio/incoming/truncated", ".wav", "truncated", "header declares 2 s of 16 kHz PCM16 but only 0.5 s of data follows", WriteTruncatedWav),
        new("sensors/incoming/non-numeric", ".csv", "not a number", "line 17 has 'abc' in the co2 column", WriteNonNumericCsv),
        new("audio/incoming/random-bytes", ".wav", "unrecognised audio format", "4096 random bytes named .wav (no RIFF header)", WriteRandomBytes),
        new("sensors/incoming/ragged", ".csv", "cells", "line 12 has one cell fewer than the header", WriteRaggedCsv),
        new("audio/incoming/zero-channels", ".wav", "channel", "fmt chunk declares 0 channels", WriteZeroChannelWav),
        new("audio/incoming/absurd-rate", ".wav", "sample rate", "consistent PCM16 header with a 1 GHz sample rate", WriteAbsurdRateWav),
        new("audio/incoming/empty", ".wav", "empty", "zero-byte .wav file", static (_, _) => { }),
    ];

    /// <summary>Number of distinct broken kinds.</summary>
    public static int KindCount => Kinds.Length;

    public static CorpusFile Write(string directory, int seed, int index)
    {
        var kind = Kinds[index % Kinds.Length];
        var round = index / Kinds.Length;
        var relativePath = round == 0 ? kind.Stem + kind.Extension : $"{kind.Stem}-{round + 1}{kind.Extension}";
        var path = CorpusGenerator.FullPath(directory, relativePath);
        using (var stream = new FileStream(path, FileMode.Create, FileAccess.Write))
        {
            kind.Write(stream, DeterministicRandom.For(seed, relativePath));
        }

        return new CorpusFile(relativePath, CorpusFileKind.Bad, new FileInfo(path).Length)
        {
            ReasonKeyword = kind.ReasonKeyword,
            Description = kind.Description,
        };
    }

    private static void WriteTruncatedWav(Stream stream, DeterministicRandom random)
    {
        const int Rate = 16_000;
        var writer = new WavStreamWriter(stream, Rate, 1, WavSampleFormat.Pcm16, 2 * Rate);
        var samples = new float[Rate / 2];
        new SpeechLikeSynthesizer(Rate, random).Render(samples);
        writer.Write(samples);
    }

    private static void WriteRandomBytes(Stream stream, DeterministicRandom random)
    {
        var bytes = new byte[4096];
        random.NextBytes(bytes);

        // Random bytes could in principle start like a real container; make sure they do not.
        bytes[0] = (byte)'X';
        stream.Write(bytes);
    }

    private static void WriteZeroChannelWav(Stream stream, DeterministicRandom random) =>
        WriteRawPcm16Header(stream, channels: 0, sampleRate: 16_000, dataBytes: 3200, random);

    private static void WriteAbsurdRateWav(Stream stream, DeterministicRandom random) =>
        WriteRawPcm16Header(stream, channels: 1, sampleRate: 1_000_000_000, dataBytes: 3200, random);

    /// <summary>A hand-built header, because <see cref="WavStreamWriter"/> refuses exactly these values.</summary>
    private static void WriteRawPcm16Header(Stream stream, int channels, uint sampleRate, int dataBytes, DeterministicRandom random)
    {
        var header = new byte[44];
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(4), (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(header.AsSpan(8));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(16), 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(20), 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(22), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(24), sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(28), (uint)(sampleRate * (ulong)channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(32), (ushort)(channels * 2));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(34), 16);
        "data"u8.CopyTo(header.AsSpan(36));
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(40), (uint)dataBytes);
        stream.Write(header);
        var data = new byte[dataBytes];
        random.NextBytes(data);
        stream.Write(data);
    }

    private static void WriteNonNumericCsv(Stream stream, DeterministicRandom random) =>
        WriteCsv(stream, random, (line, cells) =>
        {
            if (line == 17)
            {
                cells[1] = "abc";
            }
        });

    private static void WriteRaggedCsv(Stream stream, DeterministicRandom random) =>
        WriteCsv(stream, random, (line, cells) =>
        {
            if (line == 12)
            {
                cells.RemoveAt(cells.Count - 1);
            }
        });

    /// <summary>30 valid 1 Hz rows (header is line 1) passed through <paramref name="spoil"/>.</summary>
    private static void WriteCsv(Stream stream, DeterministicRandom random, Action<int, List<string>> spoil)
    {
        var text = new StringBuilder("timestamp,co2,voc,temp,humidity\n");
        var start = new DateTimeOffset(2024, 3, 2, 8, 0, 0, TimeSpan.Zero);
        for (var row = 0; row < 30; row++)
        {
            var cells = new List<string>
            {
                start.AddSeconds(row).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                (420 + (10 * random.NextGaussian())).ToString("F1", CultureInfo.InvariantCulture),
                (0.2 + (0.05 * random.NextDouble())).ToString("F3", CultureInfo.InvariantCulture),
                (21 + (0.1 * random.NextGaussian())).ToString("F2", CultureInfo.InvariantCulture),
                (45 + random.NextGaussian()).ToString("F1", CultureInfo.InvariantCulture),
            };
            spoil(row + 2, cells);
            text.Append(string.Join(',', cells)).Append('\n');
        }

        stream.Write(new UTF8Encoding(false).GetBytes(text.ToString()));
    }

    private sealed record BadKind(string Stem, string Extension, string ReasonKeyword, string Description, Action<Stream, DeterministicRandom> Write);
}
