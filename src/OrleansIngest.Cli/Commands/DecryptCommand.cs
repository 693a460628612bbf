using System.CommandLine;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage.Governance;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>decrypt</c>: turns encrypted data files (<c>*.parquet.enc</c>) back into Parquet for an authorised reader.</summary>
internal static class DecryptCommand
{
    public static Command Create()
    {
        var input = new Option<string>("--input") { Description = "An encrypted file, or a folder of them (*.enc, not recursive).", Required = true };
        var output = new Option<string>("--output") { Description = "Folder for the readable files (created if missing).", Required = true };
        var keyFile = new Option<string?>("--key-file") { Description = "Key-encryption key file (default ~/.orleans-ingest/keys/data-kek.key)." };
        var command = new Command("decrypt", "Decrypt encrypted data files into readable Parquet with the key-encryption key.") { input, output, keyFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var kek = SourceKeyFile.LoadKeyEncryptionKey(parse.GetValue(keyFile) ?? SourceKeyFile.DefaultKeyEncryptionKeyPath, create: false);
            var source = parse.GetValue(input)!;
            var files = Directory.Exists(source) ? Directory.GetFiles(source, "*" + EnvelopeEncryption.FileSuffix).Order(StringComparer.Ordinal).ToArray() : [source];
            Directory.CreateDirectory(parse.GetValue(output)!);
            var failed = 0;
            foreach (var file in files)
            {
                var name = Path.GetFileName(file);
                var target = Path.Combine(parse.GetValue(output)!, name.EndsWith(EnvelopeEncryption.FileSuffix, StringComparison.Ordinal) ? name[..^EnvelopeEncryption.FileSuffix.Length] : name + ".dec");
                try
                {
                    await using (var encrypted = File.OpenRead(file))
                    await using (var plain = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                    {
                        await EnvelopeEncryption.DecryptAsync(encrypted, plain, id => id == kek.KeyId
                            ? kek
                            : throw new System.Security.Cryptography.CryptographicException($"'{name}' was encrypted under key {id}, not {kek.KeyId}."), cancellationToken);
                    }

                    Console.WriteLine(target);
                }
                catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException or InvalidDataException)
                {
                    failed++;
                    File.Delete(target);
                    Console.Error.WriteLine($"{name}: not decrypted: {ex.Message}");
                }
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }
}
