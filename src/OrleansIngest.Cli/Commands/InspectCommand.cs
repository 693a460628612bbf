using System.CommandLine;
using System.Globalization;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;
using OrleansIngest.Processing.Commit;
using OrleansIngest.Storage;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>inspect</c>: schema, row count and the first rows of a table (or one Parquet file).</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var shared = new ClusterOptionsBinding();
        var target = new Argument<string>("table") { Description = "A table folder or blob URL (reads its committed part-*.parquet files), or one .parquet file." };
        var rows = new Option<int>("--rows") { Description = "Rows to show.", DefaultValueFactory = _ => 5 };
        var command = new Command("inspect", "Show the schema, row count and a few rows of a table.") { target, rows };
        shared.AddTo(command, cluster: false);
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(target)!, parse.GetValue(rows), shared.Storage(parse), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string target, int rowsToShow, string? storageConnectionString, CancellationToken cancellationToken)
    {
        var files = await OpenersAsync(target, storageConnectionString, cancellationToken);
        if (files.Count == 0)
        {
            Console.Error.WriteLine($"No Parquet files at {target}");
            return 2;
        }

        long total = 0;
        ParquetSchema? schema = null;
        var shown = new List<Dictionary<string, object>>();
        foreach (var open in files)
        {
            await using var stream = await open(cancellationToken);
            await using (var reader = await ParquetReader.CreateAsync(stream, leaveStreamOpen: true, cancellationToken: cancellationToken))
            {
                schema ??= reader.Schema;
                total += reader.Metadata?.NumRows ?? 0;
            }

            if (shown.Count < rowsToShow)
            {
                // Only the first row group is read: a group of audio rows is megabytes, a file can be gigabytes.
                stream.Position = 0;
                var firstGroup = await ParquetSerializer.DeserializeUntypedAsync(stream, rowGroupIndex: 0, cancellationToken: cancellationToken);
                shown.AddRange(firstGroup.Data.Take(rowsToShow - shown.Count));
            }
        }

        var inv = CultureInfo.InvariantCulture;
        // Plain lines, not a wide table: a table has too many columns for any terminal, and lines can be grepped.
        Console.WriteLine(string.Create(inv, $"{target}: {files.Count} file(s), {total} rows"));
        Console.WriteLine();
        Console.WriteLine("schema:");
        foreach (var field in schema!.Fields)
        {
            Console.WriteLine($"  {field.Name}: {Describe(field)}");
        }

        for (var i = 0; i < shown.Count; i++)
        {
            Console.WriteLine();
            Console.WriteLine(string.Create(inv, $"row {i}:"));
            foreach (var field in schema.Fields)
            {
                Console.WriteLine($"  {field.Name} = {Format(shown[i].GetValueOrDefault(field.Name))}");
            }
        }

        return 0;
    }

    /// <summary>Openers of the files to read: a committed table (local or blob) or one local file.</summary>
    private static async Task<List<Func<CancellationToken, Task<Stream>>>> OpenersAsync(string target, string? storageConnectionString, CancellationToken cancellationToken)
    {
        if (!Locations.IsRemote(target))
        {
            var paths = File.Exists(target)
                ? [target]
                : Directory.Exists(target) ? Directory.GetFiles(target, "*.parquet").Order(StringComparer.Ordinal).ToArray() : [];
            return [.. paths.Select(p => (Func<CancellationToken, Task<Stream>>)(_ => Task.FromResult<Stream>(File.OpenRead(p))))];
        }

        var url = target.TrimEnd('/');
        var slash = url.LastIndexOf('/');
        var storage = new StorageResolver(new AzureStorageSettings(storageConnectionString));
        var table = storage.GetTable(url[..slash], url[(slash + 1)..]);
        var committer = new TableCommitter(table, TimeProvider.System);
        await committer.RefreshAsync(cancellationToken);
        return [.. committer.State.Files.Select(f => (Func<CancellationToken, Task<Stream>>)(ct => table.OpenPublishedFileAsync(f.Path, ct)))];
    }

    private static string Describe(Field field) => field switch
    {
        ListField list => $"list<{Describe(list.Item)}>",
        DataField data => TypeName(data.ClrType) + (data.IsNullable ? " (nullable)" : ""),
        _ => field.SchemaType.ToString().ToLowerInvariant(),
    };

    private static string TypeName(Type type) => type switch
    {
        _ when type == typeof(string) || type == typeof(ReadOnlyMemory<char>) => "string",
        _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => "timestamp",
        _ when type == typeof(int) => "int32",
        _ when type == typeof(long) => "int64",
        _ when type == typeof(float) => "float",
        _ when type == typeof(double) => "double",
        _ when type == typeof(bool) => "bool",
        _ => type.Name.ToLowerInvariant(),
    };

    private static string Format(object? value) => value switch
    {
        null => "null",
        float f => f.ToString("0.####", CultureInfo.InvariantCulture),
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        string s when s.Length > 120 => s[..117] + "…",
        string s => s,
        System.Collections.IEnumerable list => FormatList(list),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static string FormatList(System.Collections.IEnumerable list)
    {
        var items = list.Cast<object?>().ToList();
        var head = string.Join(", ", items.Take(4).Select(Format));
        return items.Count > 4 ? $"[{head}, … ({items.Count} items)]" : $"[{head}]";
    }
}
