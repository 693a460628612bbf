using System.Security.Cryptography;
using OrleansIngest.Processing.Governance;

namespace OrleansIngest.Storage.Governance;

/// <summary>
/// The source HMAC key of restricted tables in a local file (32 random bytes). The embedded default creates it on
/// first use with owner-only permissions; a cluster mounts the same file on every silo (a Kubernetes secret), since
/// the same source must map to the same HMAC on every node.
/// </summary>
public static class SourceKeyFile
{
    /// <summary>The embedded default: <c>~/.orleans-ingest/keys/source-hmac.key</c>.</summary>
    public static string DefaultPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".orleans-ingest", "keys", "source-hmac.key");

    /// <summary>The embedded default key-encryption key of encrypted outputs: <c>~/.orleans-ingest/keys/data-kek.key</c>.</summary>
    public static string DefaultKeyEncryptionKeyPath =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".orleans-ingest", "keys", "data-kek.key");

    /// <summary>Loads (or, when <paramref name="create"/>, creates) a 32-byte local key-encryption key.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="create"/> is false.</exception>
    /// <exception cref="InvalidDataException">The file does not hold exactly 32 bytes.</exception>
    public static LocalKeyEncryptionKey LoadKeyEncryptionKey(string path, bool create)
    {
        var bytes = ReadOrCreate(path, create);
        if (bytes.Length != 32)
        {
            throw new InvalidDataException($"Key-encryption key file '{path}' holds {bytes.Length} bytes; it must hold 32.");
        }

        return new LocalKeyEncryptionKey(bytes);
    }

    /// <summary>Loads the key at <paramref name="path"/>, creating it when <paramref name="create"/> and it does not exist.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist and <paramref name="create"/> is false.</exception>
    /// <exception cref="InvalidDataException">The file is shorter than <see cref="SourceUriProtector.MinKeyBytes"/> or over 4 KiB.</exception>
    public static SourceUriProtector Load(string path, bool create)
    {
        var bytes = ReadOrCreate(path, create);
        return new SourceUriProtector(bytes, SourceUriProtector.IdOf(bytes));
    }

    private static byte[] ReadOrCreate(string path, bool create)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path))
        {
            if (!create)
            {
                throw new FileNotFoundException($"Source HMAC key file '{path}' does not exist.", path);
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var key = RandomNumberGenerator.GetBytes(SourceUriProtector.MinKeyBytes);
            try
            {
                var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }

                using var stream = new FileStream(path, options);
                stream.Write(key);
                stream.Flush(flushToDisk: true);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process created it first: use theirs.
            }
        }

        var info = new FileInfo(path);
        if (info.Length is < SourceUriProtector.MinKeyBytes or > 4096)
        {
            throw new InvalidDataException($"Source HMAC key file '{path}' holds {info.Length} bytes; it must hold {SourceUriProtector.MinKeyBytes} to 4096.");
        }

        return File.ReadAllBytes(path);
    }
}
