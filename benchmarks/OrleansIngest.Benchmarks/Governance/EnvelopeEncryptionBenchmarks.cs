using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using OrleansIngest.Processing.Governance;

namespace OrleansIngest.Benchmarks.Governance;

/// <summary>
/// Envelope encryption of a 64 MiB data file (1 MiB chunks, AES-256-GCM) against a plain copy, in memory: the
/// overhead an encrypted table adds per byte written or read back. MB/s = 64 / mean seconds.
/// </summary>
[MemoryDiagnoser]
public class EnvelopeEncryptionBenchmarks
{
    private const int Bytes = 64 * 1024 * 1024;
    private readonly LocalKeyEncryptionKey _kek = new(RandomNumberGenerator.GetBytes(32));
    private byte[] _plain = [];
    private byte[] _encrypted = [];
    private MemoryStream _sink = new();

    [GlobalSetup]
    public void Setup()
    {
        _plain = RandomNumberGenerator.GetBytes(Bytes);
        using var output = new MemoryStream();
        EnvelopeEncryption.EncryptAsync(new MemoryStream(_plain), output, _kek).GetAwaiter().GetResult();
        _encrypted = output.ToArray();
        _sink = new MemoryStream(Bytes + (Bytes / 1000));
    }

    [Benchmark(Baseline = true)]
    public async Task<long> Copy()
    {
        _sink.SetLength(0);
        await new MemoryStream(_plain).CopyToAsync(_sink);
        return _sink.Length;
    }

    [Benchmark]
    public async Task<long> Encrypt()
    {
        _sink.SetLength(0);
        await EnvelopeEncryption.EncryptAsync(new MemoryStream(_plain), _sink, _kek);
        return _sink.Length;
    }

    [Benchmark]
    public async Task<long> EncryptThroughWriteStream()
    {
        _sink.SetLength(0);
        await using (var stream = new EnvelopeWriteStream(_sink, _kek, leaveOpen: true))
        {
            await stream.WriteAsync(_plain);
        }

        return _sink.Length;
    }

    [Benchmark]
    public async Task<long> Decrypt()
    {
        _sink.SetLength(0);
        await EnvelopeEncryption.DecryptAsync(new MemoryStream(_encrypted), _sink, _ => _kek);
        return _sink.Length;
    }
}
