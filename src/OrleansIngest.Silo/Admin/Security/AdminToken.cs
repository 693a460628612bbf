using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// The one-time admin token: 32 random bytes (base64url) made when the process starts, with role operator. The host
/// prints it once at start-up and can write it to a file readable by its owner only. A restart makes a new one and ends
/// every browser session signed in with the old one.
/// </summary>
public sealed class AdminToken
{
    private const int TokenBytes = 32;

    private readonly byte[] _hash;

    /// <summary>Makes a new random token.</summary>
    public AdminToken()
    {
        Value = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(TokenBytes));
        _hash = SHA256.HashData(Encoding.UTF8.GetBytes(Value));
        // Sessions carry this instead of the token: it names the process's token without revealing it.
        Fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes("orleans-ingest-session:" + Value)));
    }

    /// <summary>The token. Print it once; never log it.</summary>
    public string Value { get; }

    /// <summary>A value derived one-way from the token that a session cookie carries, so that sessions end with the process.</summary>
    public string Fingerprint { get; }

    /// <summary>Whether <paramref name="presented"/> is the token, in time that does not depend on where they differ.</summary>
    public bool Matches(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        // Equal-length hashes: FixedTimeEquals then leaks neither the token nor its length.
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        return CryptographicOperations.FixedTimeEquals(presentedHash, _hash);
    }

    /// <summary>
    /// Writes the token (one line) to <paramref name="path"/>, readable and writable by the owner only (mode 600 on
    /// Unix). An existing file is narrowed to mode 600 before the token is written into it.
    /// </summary>
    public async Task WriteToFileAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = ownerOnly;
        }

        var stream = new FileStream(path, options);
        await using (stream.ConfigureAwait(false))
        {
            if (!OperatingSystem.IsWindows())
            {
                // UnixCreateMode applies to a new file only; an existing one keeps its mode unless narrowed here.
                File.SetUnixFileMode(stream.SafeFileHandle, ownerOnly);
            }

            var bytes = Encoding.UTF8.GetBytes(Value + "\n");
            await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
            await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
