using System.Buffers.Binary;
using BenchmarkDotNet.Attributes;
using OrleansIngest.Benchmarks.Dsp;
using OrleansIngest.Processing.Decoding;

namespace OrleansIngest.Benchmarks.Decoding;

/// <summary>
/// Decode and mean-downmix 60 s of 16-bit stereo 44.1 kHz WAV from memory, in 8192-sample reads.
/// × real time = 60 s / mean.
/// </summary>
[MemoryDiagnoser]
[RealTimeFactorColumn(Seconds)]
public class WavDecoderBenchmarks
{
    public const double Seconds = 60;
    private const int Rate = 44100;
    private readonly float[] _block = new float[8192];
    private byte[] _file = [];

    [GlobalSetup]
    public void Setup()
    {
        var left = BenchmarkAudio.Signal(Rate, Seconds, seed: 1);
        var right = BenchmarkAudio.Signal(Rate, Seconds, seed: 2);
        var dataBytes = left.Length * 4;
        _file = new byte[44 + dataBytes];
        var header = _file.AsSpan();
        "RIFF"u8.CopyTo(header);
        BinaryPrimitives.WriteUInt32LittleEndian(header[4..], (uint)(36 + dataBytes));
        "WAVEfmt "u8.CopyTo(header[8..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[16..], 16);
        BinaryPrimitives.WriteUInt16LittleEndian(header[20..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(header[22..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(header[24..], Rate);
        BinaryPrimitives.WriteUInt32LittleEndian(header[28..], Rate * 4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[32..], 4);
        BinaryPrimitives.WriteUInt16LittleEndian(header[34..], 16);
        "data"u8.CopyTo(header[36..]);
        BinaryPrimitives.WriteUInt32LittleEndian(header[40..], (uint)dataBytes);
        for (var i = 0; i < left.Length; i++)
        {
            BinaryPrimitives.WriteInt16LittleEndian(header[(44 + (4 * i))..], (short)(left[i] * 32767));
            BinaryPrimitives.WriteInt16LittleEndian(header[(46 + (4 * i))..], (short)(right[i] * 32767));
        }
    }

    [Benchmark(Description = "WAV s16 stereo 44.1k decode+downmix, 60 s")]
    public async Task<long> Decode()
    {
        using var stream = new MemoryStream(_file, writable: false);
        using var source = await WavDecoder.OpenAsync(stream, _file.Length, "bench://60s.wav");
        long total = 0;
        int n;
        while ((n = await source.ReadAsync(_block)) > 0)
        {
            total += n;
        }

        return total;
    }
}
