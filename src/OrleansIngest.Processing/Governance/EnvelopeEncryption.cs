using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Governance;

/// <summary>A key-encryption key (KEK): wraps and unwraps the random data key of each encrypted file.</summary>
public interface IKeyEncryptionKey
{
    /// <summary>Names the key (never the key itself); recorded in every file it wraps a key for.</summary>
    string KeyId { get; }

    /// <summary>Wraps a data key.</summary>
    byte[] Wrap(ReadOnlySpan<byte> dataKey);

    /// <summary>Unwraps a data key; throws <see cref="CryptographicException"/> when it was not wrapped by this key.</summary>
    byte[] Unwrap(ReadOnlySpan<byte> wrappedKey);
}

/// <summary>A KEK held locally (the embedded default: a 32-byte key file): wraps with AES-256-GCM.</summary>
public sealed class LocalKeyEncryptionKey : IKeyEncryptionKey
{
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private readonly byte[] _key;

    /// <summary>Creates the KEK from 32 bytes of key material.</summary>
    public LocalKeyEncryptionKey(ReadOnlySpan<byte> key)
    {
        if (key.Length != 32)
        {
            throw new ArgumentException($"A key-encryption key is 32 bytes (was {key.Length}).", nameof(key));
        }

        _key = key.ToArray();
        KeyId = "local:" + SourceUriProtector.IdOf(key);
    }

    /// <inheritdoc />
    public string KeyId { get; }

    /// <inheritdoc />
    public byte[] Wrap(ReadOnlySpan<byte> dataKey)
    {
        var wrapped = new byte[NonceBytes + dataKey.Length + TagBytes];
        RandomNumberGenerator.Fill(wrapped.AsSpan(0, NonceBytes));
        using var aes = new AesGcm(_key, TagBytes);
        aes.Encrypt(wrapped.AsSpan(0, NonceBytes), dataKey, wrapped.AsSpan(NonceBytes, dataKey.Length), wrapped.AsSpan(NonceBytes + dataKey.Length), System.Text.Encoding.UTF8.GetBytes(KeyId));
        return wrapped;
    }

    /// <inheritdoc />
    public byte[] Unwrap(ReadOnlySpan<byte> wrappedKey)
    {
        if (wrappedKey.Length <= NonceBytes + TagBytes)
        {
            throw new CryptographicException("The wrapped data key is too short.");
        }

        var dataKey = new byte[wrappedKey.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(_key, TagBytes);
        aes.Decrypt(wrappedKey[..NonceBytes], wrappedKey.Slice(NonceBytes, dataKey.Length), wrappedKey[^TagBytes..], dataKey, System.Text.Encoding.UTF8.GetBytes(KeyId));
        return dataKey;
    }
}

/// <summary>The header of an encrypted file: who wrapped its data key, and how it is chunked.</summary>
public sealed record EnvelopeHeader(
    [property: JsonPropertyName("alg")] string Algorithm,
    [property: JsonPropertyName("kek_id")] string KeyEncryptionKeyId,
    [property: JsonPropertyName("wrapped_key")] string WrappedKey,
    [property: JsonPropertyName("nonce_prefix")] string NoncePrefix,
    [property: JsonPropertyName("chunk_bytes")] int ChunkBytes);

/// <summary>
/// Client-side envelope encryption of data files (<c>*.parquet.enc</c>): a random AES-256 data key per file, wrapped by
/// a key-encryption key; the content in chunks of <see cref="EnvelopeHeader.ChunkBytes"/>, each sealed with AES-256-GCM
/// under a nonce of the file's random prefix and the chunk index, and bound to the header, its index and whether it
/// is the last chunk, so that reordering, truncation, extension and header swaps fail authentication. Streams in
/// bounded memory (one chunk).
/// <code>
/// "OIENC1\0\0" | header length (int32 LE) | header JSON | chunk 0 ciphertext | tag 0 | chunk 1 … | last chunk | tag
/// </code>
/// Parquet.Net 6.1.0 carries the Thrift structures of Parquet modular encryption but cannot write encrypted files,
/// hence this format rather than encrypted Parquet; readers decrypt with <c>orleans-ingest decrypt</c>.
/// </summary>
public static class EnvelopeEncryption
{
    /// <summary>The name suffix of encrypted files.</summary>
    public const string FileSuffix = ".enc";

    /// <summary>The algorithm named in headers.</summary>
    public const string Algorithm = "AES-256-GCM-CHUNKED-1";

    internal const int TagBytes = 16;
    private const int MaxHeaderBytes = 64 * 1024;
    private const int MaxChunkBytes = 16 * 1024 * 1024;
    internal static readonly byte[] Magic = "OIENC1\0\0"u8.ToArray();
    internal static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Encrypts <paramref name="plain"/> into <paramref name="output"/> under a fresh data key wrapped by <paramref name="kek"/>.</summary>
    public static async Task EncryptAsync(Stream plain, Stream output, IKeyEncryptionKey kek, int chunkBytes = 1024 * 1024, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plain);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(kek);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(chunkBytes, MaxChunkBytes);
        var dataKey = RandomNumberGenerator.GetBytes(32);
        try
        {
            var prefix = RandomNumberGenerator.GetBytes(8);
            var header = new EnvelopeHeader(Algorithm, kek.KeyId, Convert.ToBase64String(kek.Wrap(dataKey)), Convert.ToHexStringLower(prefix), chunkBytes);
            var headerBytes = JsonSerializer.SerializeToUtf8Bytes(header, Options);
            var lead = new byte[Magic.Length + 4];
            Magic.CopyTo(lead, 0);
            BinaryPrimitives.WriteInt32LittleEndian(lead.AsSpan(Magic.Length), headerBytes.Length);
            await output.WriteAsync(lead, cancellationToken);
            await output.WriteAsync(headerBytes, cancellationToken);

            using var aes = new AesGcm(dataKey, TagBytes);
            var current = new byte[chunkBytes];
            var next = new byte[chunkBytes];
            var sealedChunk = new byte[chunkBytes + TagBytes];
            var currentLength = await FillAsync(plain, current, cancellationToken);
            for (var index = 0L; ; index++)
            {
                // One chunk of look-ahead tells whether this chunk is the last (an empty file is one empty last chunk).
                var nextLength = currentLength == chunkBytes ? await FillAsync(plain, next, cancellationToken) : 0;
                var last = nextLength == 0;
                Seal(aes, prefix, headerBytes, index, last, current.AsSpan(0, currentLength), sealedChunk);
                await output.WriteAsync(sealedChunk.AsMemory(0, currentLength + TagBytes), cancellationToken);
                if (last)
                {
                    break;
                }

                (current, next) = (next, current);
                currentLength = nextLength;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Reads the header of an encrypted file (to find its key) and leaves the stream after it.</summary>
    /// <exception cref="InvalidDataException">Not an encrypted file, or a damaged header.</exception>
    public static async Task<(EnvelopeHeader Header, byte[] HeaderBytes)> ReadHeaderAsync(Stream input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var lead = new byte[Magic.Length + 4];
        if (await FillAsync(input, lead, cancellationToken) != lead.Length || !lead.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("Not an orleans-ingest encrypted file (bad magic).");
        }

        var length = BinaryPrimitives.ReadInt32LittleEndian(lead.AsSpan(Magic.Length));
        if (length is <= 0 or > MaxHeaderBytes || (input.CanSeek && length > input.Length - input.Position))
        {
            throw new InvalidDataException($"The encrypted file declares a header of {length} bytes, more than it holds or than {MaxHeaderBytes}.");
        }

        var headerBytes = new byte[length];
        if (await FillAsync(input, headerBytes, cancellationToken) != length)
        {
            throw new InvalidDataException("The encrypted file ends inside its header.");
        }

        EnvelopeHeader? header;
        try
        {
            header = JsonSerializer.Deserialize<EnvelopeHeader>(headerBytes, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"The encrypted file's header is not valid JSON: {ex.Message}", ex);
        }

        if (header is null || header.Algorithm != Algorithm || header.ChunkBytes is < 1 or > MaxChunkBytes || header.NoncePrefix is not { Length: 16 } || header.WrappedKey is null || header.KeyEncryptionKeyId is null)
        {
            throw new InvalidDataException($"The encrypted file's header is not one this build reads ({header?.Algorithm}).");
        }

        return (header, headerBytes);
    }

    /// <summary>
    /// Decrypts <paramref name="input"/> into <paramref name="output"/>, finding the KEK by the id in the header.
    /// Throws <see cref="CryptographicException"/> when any chunk, the order of chunks, the end, or the header was tampered with.
    /// </summary>
    public static async Task<EnvelopeHeader> DecryptAsync(Stream input, Stream output, Func<string, IKeyEncryptionKey> resolveKey, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(resolveKey);
        var (header, headerBytes) = await ReadHeaderAsync(input, cancellationToken);
        var dataKey = resolveKey(header.KeyEncryptionKeyId).Unwrap(Convert.FromBase64String(header.WrappedKey));
        try
        {
            var prefix = Convert.FromHexString(header.NoncePrefix);
            using var aes = new AesGcm(dataKey, TagBytes);
            var sealedSize = header.ChunkBytes + TagBytes;
            var current = new byte[sealedSize];
            var next = new byte[sealedSize];
            var plain = new byte[header.ChunkBytes];
            var currentLength = await FillAsync(input, current, cancellationToken);
            for (var index = 0L; ; index++)
            {
                if (currentLength < TagBytes)
                {
                    throw new CryptographicException($"The encrypted file ends inside chunk {index}.");
                }

                var nextLength = currentLength == sealedSize ? await FillAsync(input, next, cancellationToken) : 0;
                var last = nextLength == 0;
                var plainLength = currentLength - TagBytes;
                Open(aes, prefix, headerBytes, index, last, current.AsSpan(0, currentLength), plain.AsSpan(0, plainLength));
                await output.WriteAsync(plain.AsMemory(0, plainLength), cancellationToken);
                if (last)
                {
                    return header;
                }

                (current, next) = (next, current);
                currentLength = nextLength;
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    internal static void Seal(AesGcm aes, byte[] prefix, byte[] header, long index, bool last, ReadOnlySpan<byte> plain, Span<byte> destination)
    {
        Span<byte> nonce = stackalloc byte[12];
        var aad = ChunkAad(header, index, last);
        Nonce(prefix, index, nonce);
        aes.Encrypt(nonce, plain, destination[..plain.Length], destination.Slice(plain.Length, TagBytes), aad);
    }

    private static void Open(AesGcm aes, byte[] prefix, byte[] header, long index, bool last, ReadOnlySpan<byte> sealedChunk, Span<byte> plain)
    {
        Span<byte> nonce = stackalloc byte[12];
        var aad = ChunkAad(header, index, last);
        Nonce(prefix, index, nonce);
        aes.Decrypt(nonce, sealedChunk[..plain.Length], sealedChunk.Slice(plain.Length, TagBytes), plain, aad);
    }

    private static void Nonce(byte[] prefix, long index, Span<byte> nonce)
    {
        if (index > uint.MaxValue)
        {
            throw new CryptographicException("Too many chunks for one data key.");
        }

        prefix.CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce[8..], (uint)index);
    }

    private static byte[] ChunkAad(byte[] header, long index, bool last)
    {
        var aad = new byte[header.Length + 9];
        header.CopyTo(aad, 0);
        BinaryPrimitives.WriteInt64BigEndian(aad.AsSpan(header.Length), index);
        aad[^1] = last ? (byte)1 : (byte)0;
        return aad;
    }

    private static async ValueTask<int> FillAsync(Stream stream, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await stream.ReadAsync(buffer[filled..], cancellationToken);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
