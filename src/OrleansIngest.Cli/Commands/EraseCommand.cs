using System.CommandLine;
using System.Globalization;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;
using OrleansIngest.Storage.Governance;
using OrleansIngest.Storage.Local;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>erase</c>: removes every row derived from a source (or a prefix of sources) from every table of an output.</summary>
internal static class EraseCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var output = new Option<string>("--output") { Description = "Output folder or blob container URL.", Required = true };
        var sourceUri = new Option<string?>("--source-uri") { Description = "The source to erase (a blob URL, file:// URI or local path), as ingested." };
        var sourcePrefix = new Option<string?>("--source-prefix") { Description = "Erase every source whose URI starts with this prefix." };
        var table = new Option<string?>("--table") { Description = "Erase from this table only (default: every table)." };
        var allowReingest = new Option<bool>("--allow-reingest") { Description = "Leave no tombstone (and lift earlier ones): a later ingest of the same blob version brings its rows back." };
        var keyFile = new Option<string?>("--key-file") { Description = "Source HMAC key of restricted tables (default ~/.orleans-ingest/keys/source-hmac.key when it exists)." };
        var kekFile = new Option<string?>("--kek-file") { Description = "Key-encryption key of encrypted tables (default ~/.orleans-ingest/keys/data-kek.key when it exists)." };
        var command = new Command("erase", "Erase the rows of a source from every table: only files holding them are rewritten, one log entry per table, old files deleted; resumable.")
        {
            output, sourceUri, sourcePrefix, table, allowReingest, keyFile, kekFile,
        };
        shared.AddTo(command, cluster: false);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var uri = parse.GetValue(sourceUri);
            var prefix = parse.GetValue(sourcePrefix);
            if (string.IsNullOrEmpty(uri) == string.IsNullOrEmpty(prefix))
            {
                Console.Error.WriteLine("Give exactly one of --source-uri and --source-prefix.");
                return 2;
            }

            var root = Locations.Normalize(parse.GetValue(output)!);
            if (!Locations.IsRemote(root) && !Directory.Exists(LocalPaths.ToFullPath(root)))
            {
                Console.Error.WriteLine($"Output folder not found: {parse.GetValue(output)}");
                return 2;
            }

            var keyPath = parse.GetValue(keyFile);
            var protector = keyPath is not null
                ? SourceKeyFile.Load(keyPath, create: false)
                : File.Exists(SourceKeyFile.DefaultPath) ? SourceKeyFile.Load(SourceKeyFile.DefaultPath, create: false) : null;
            var kekPath = parse.GetValue(kekFile);
            var kek = kekPath is not null
                ? SourceKeyFile.LoadKeyEncryptionKey(kekPath, create: false)
                : File.Exists(SourceKeyFile.DefaultKeyEncryptionKeyPath) ? SourceKeyFile.LoadKeyEncryptionKey(SourceKeyFile.DefaultKeyEncryptionKeyPath, create: false) : null;
            var storage = new StorageResolver(new AzureStorageSettings(shared.Storage(parse)));
            var governance = storage.GetGovernanceStore(root);
            var request = new ErasureRequest
            {
                SourceUri = string.IsNullOrEmpty(uri) ? null : AsSourceUri(uri),
                SourcePrefix = string.IsNullOrEmpty(prefix) ? null : AsSourceUri(prefix),
                AllowReingest = parse.GetValue(allowReingest),
                Actor = $"cli/{Environment.UserName}",
            };
            var only = parse.GetValue(table);
            var tables = new List<string>();
            await foreach (var name in storage.ListTablesAsync(root, cancellationToken))
            {
                if (only is null || string.Equals(name, only, StringComparison.Ordinal))
                {
                    tables.Add(name);
                }
            }

            if (only is not null && tables.Count == 0)
            {
                Console.Error.WriteLine($"Table '{only}' not found under {parse.GetValue(output)}.");
                return 2;
            }

            var audit = new AuditLog(governance, TimeProvider.System);
            var target = request.SourceUri ?? request.SourcePrefix + "*";
            var failed = 0;
            foreach (var name in tables)
            {
                try
                {
                    var eraser = new TableEraser(storage.GetTable(root, name), TimeProvider.System, protector, new SourceMap(governance)) { KeyEncryptionKey = kek };
                    var result = await eraser.EraseAsync(request, cancellationToken);
                    await audit.AppendAsync(request.Actor, "erase", $"{name}:{target}", "ok", new Dictionary<string, string>
                    {
                        ["rows_removed"] = result.RowsRemoved.ToString(CultureInfo.InvariantCulture),
                        ["entry"] = result.Sequence.ToString(CultureInfo.InvariantCulture),
                        ["allow_reingest"] = request.AllowReingest ? "true" : "false",
                    }, cancellationToken);
                    Console.WriteLine(string.Create(
                        CultureInfo.InvariantCulture,
                        $"{name}\terased {result.Erased.Count} source version(s), {result.RowsRemoved} row(s); rewrote {result.FilesRewritten} file(s), dropped {result.FilesDropped}; entry {(result.Sequence < 0 ? "none" : result.Sequence.ToString(CultureInfo.InvariantCulture))}; lifted {result.TombstonesLifted} tombstone(s)"));
                }
                catch (Exception ex) when (ex is InvalidDataException or IOException)
                {
                    failed++;
                    Console.Error.WriteLine($"{name}\tnot erased: {ex.Message}");
                    await audit.AppendAsync(request.Actor, "erase", $"{name}:{target}", "failed", new Dictionary<string, string> { ["error"] = ex.Message }, cancellationToken);
                }
            }

            return failed == 0 ? 0 : 1;
        });
        return command;
    }

    // The commit log records sources as ingested: blob URLs as given, local files as file:// URIs.
    private static string AsSourceUri(string location)
    {
        if (Locations.IsRemote(location) || location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return location;
        }

        var uri = LocalPaths.ToUri(LocalPaths.ToFullPath(location));
        return location.EndsWith('/') && !uri.EndsWith('/') ? uri + "/" : uri;
    }
}
