using System.Security.Cryptography;
using Microsoft.Extensions.Time.Testing;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage.Governance;
using OrleansIngest.Storage.Local;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Storage.Tests.Governance;

[Trait("Category", "Unit")]
public sealed class EnvelopeEncryptionTests : IDisposable
{
    private readonly TempDirectory _dir = new("envelope");
    private readonly LocalKeyEncryptionKey _kek = new(RandomNumberGenerator.GetBytes(32));

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(0)]
    [InlineData(999)]
    [InlineData(3000)]
    [InlineData(3501)]
    public async Task Envelope_RoundTripsAnyLengthAcrossChunks(int length)
    {
        var plain = RandomNumberGenerator.GetBytes(length);

        var encrypted = await EncryptAsync(plain);
        var decrypted = await DecryptAsync(encrypted, _kek);

        Assert.Equal(plain, decrypted);
        if (length >= 16)
        {
            Assert.Equal(-1, encrypted.AsSpan().IndexOf(plain.AsSpan(0, 16)));
        }
    }

    [Fact]
    public async Task Envelope_DetectsAFlippedByteADroppedChunkAndAnotherKey()
    {
        var encrypted = await EncryptAsync(RandomNumberGenerator.GetBytes(3500));
        var flipped = (byte[])encrypted.Clone();
        flipped[^1200] ^= 0x40;
        var truncated = encrypted[..^(500 + 16)];
        var (_, headerBytes) = await EnvelopeEncryption.ReadHeaderAsync(new MemoryStream(encrypted));

        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(flipped, _kek));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(truncated, _kek));
        await Assert.ThrowsAnyAsync<CryptographicException>(() => DecryptAsync(encrypted, new LocalKeyEncryptionKey(RandomNumberGenerator.GetBytes(32))));
        Assert.Contains(_kek.KeyId, System.Text.Encoding.UTF8.GetString(headerBytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Envelope_RejectsAHeaderLongerThanTheFile()
    {
        var bogus = "OIENC1\0\0"u8.ToArray().Concat(BitConverter.GetBytes(60_000)).Concat(new byte[10]).ToArray();

        await Assert.ThrowsAsync<InvalidDataException>(() => EnvelopeEncryption.ReadHeaderAsync(new MemoryStream(bogus)));
    }

    [Fact]
    public async Task Envelope_DuckDbReadsTheDecryptedFileAndNotTheEncryptedOne()
    {
        var store = new LocalTableStore(_dir.Combine("sensor_windows"));
        await ErasureTable.BuildAsync(store, new FakeTimeProvider(DateTimeOffset.UnixEpoch), files: 1, sourcesPerFile: 3);
        var plainPath = _dir.Combine("sensor_windows", "part-00000.parquet");
        var encryptedPath = _dir.Combine("part-00000.parquet.enc");
        var decryptedPath = _dir.Combine("part-00000.parquet");
        await File.WriteAllBytesAsync(encryptedPath, await EncryptAsync(await File.ReadAllBytesAsync(plainPath)));
        await File.WriteAllBytesAsync(decryptedPath, await DecryptAsync(await File.ReadAllBytesAsync(encryptedPath), _kek));

        var rows = await DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({DuckDbQuery.Literal(decryptedPath)})");
        Assert.Equal(3 * ErasureTable.RowsPerSource, rows[0].GetProperty("n").GetInt64());
        await Assert.ThrowsAsync<InvalidOperationException>(() => DuckDbQuery.QueryAsync($"SELECT count(*) AS n FROM read_parquet({DuckDbQuery.Literal(encryptedPath)})"));
    }

    [Fact]
    public async Task KeyFile_LoadsTheKeyItCreatedAndUnwrapsWhatItWrapped()
    {
        var path = _dir.Combine("keys", "kek.key");
        var created = SourceKeyFile.LoadKeyEncryptionKey(path, create: true);
        var loaded = SourceKeyFile.LoadKeyEncryptionKey(path, create: false);
        using var output = new MemoryStream();
        await EnvelopeEncryption.EncryptAsync(new MemoryStream([1, 2, 3]), output, created);

        Assert.Equal(created.KeyId, loaded.KeyId);
        Assert.Equal([1, 2, 3], await DecryptAsync(output.ToArray(), loaded));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        }
    }

    private async Task<byte[]> EncryptAsync(byte[] plain)
    {
        using var output = new MemoryStream();
        await EnvelopeEncryption.EncryptAsync(new MemoryStream(plain), output, _kek, chunkBytes: 1000);
        return output.ToArray();
    }

    private static async Task<byte[]> DecryptAsync(byte[] encrypted, IKeyEncryptionKey kek)
    {
        using var output = new MemoryStream();
        await EnvelopeEncryption.DecryptAsync(new MemoryStream(encrypted), output, id => id == kek.KeyId ? kek : throw new CryptographicException($"unknown key {id}"));
        return output.ToArray();
    }
}
