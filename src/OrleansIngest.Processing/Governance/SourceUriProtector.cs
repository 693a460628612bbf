using System.Security.Cryptography;
using System.Text;

namespace OrleansIngest.Processing.Governance;

/// <summary>
/// Replaces source URIs of restricted tables with <c>hmac-sha256:&lt;hex&gt;</c>, keyed, so that a reader of the
/// table cannot confirm a guessed URI without the key. Thread-safe.
/// </summary>
public sealed class SourceUriProtector
{
    /// <summary>Prefix of every protected value, so readers and the eraser tell them from raw URIs.</summary>
    public const string Prefix = "hmac-sha256:";

    /// <summary>Smallest key accepted (bytes): HMAC-SHA256 keys shorter than its output weaken it.</summary>
    public const int MinKeyBytes = 32;

    private readonly byte[] _key;

    /// <summary>Creates a protector with <paramref name="key"/> (at least <see cref="MinKeyBytes"/> bytes) named <paramref name="keyId"/>.</summary>
    public SourceUriProtector(ReadOnlySpan<byte> key, string keyId)
    {
        if (key.Length < MinKeyBytes)
        {
            throw new ArgumentException($"The source HMAC key must be at least {MinKeyBytes} bytes (was {key.Length}).", nameof(key));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        _key = key.ToArray();
        KeyId = keyId;
    }

    /// <summary>Names the key (a hash of it, never the key), for the source map and audit.</summary>
    public string KeyId { get; }

    /// <summary>The protected form of <paramref name="sourceUri"/>.</summary>
    public string Protect(string sourceUri)
    {
        ArgumentNullException.ThrowIfNull(sourceUri);
        return Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(sourceUri)));
    }

    /// <summary>The id of a key: the first 16 hex digits of SHA-256 over "orleans-ingest key id" and the key.</summary>
    public static string IdOf(ReadOnlySpan<byte> key)
    {
        var label = Encoding.UTF8.GetBytes("orleans-ingest key id\n");
        var buffer = new byte[label.Length + key.Length];
        label.CopyTo(buffer, 0);
        key.CopyTo(buffer.AsSpan(label.Length));
        return Convert.ToHexStringLower(SHA256.HashData(buffer))[..16];
    }
}
