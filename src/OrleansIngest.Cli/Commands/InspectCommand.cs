using System.CommandLine;
using System.Globalization;
using Parquet;
using Parquet.Schema;
using Parquet.Serialization;
using Spectre.Console;

namespace OrleansIngest.Cli.Commands;

/// <summary><c>inspect</c>: schema, row count and the first rows of a table (or one Parquet file).</summary>
internal static class InspectCommand
{
    public static Command Create()
    {
        var target = new Argument<string>("table-dir") { Description = "A table folder (reads its published part-*.parquet) or one .parquet file." };
        var rows = new Option<int>("--rows") { Description = "Rows to show.", DefaultValueFactory = _ => 5 };
        var command = new Command("inspect", "Show the schema, row count and a few rows of a table.") { target, rows };
        command.SetAction((parse, cancellationToken) => RunAsync(parse.GetValue(target)!, parse.GetValue(rows), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string target, int rowsToShow, CancellationToken cancellationToken)
    {
        var files = File.Exists(target)
            ? [target]
            : Directory.Exists(target) ? Directory.GetFiles(target, "*.parquet").Order(StringComparer.Ordinal).ToArray() : [];
        if (files.Length == 0)
        {
            Console.Error.WriteLine($"No Parquet files at {target}");
            return 2;
        }

        long total = 0;
        ParquetSchema? schema = null;
        var shown = new List<Dictionary<string, object>>();
        foreach (var file in files)
        {
            await using (var stream = File.OpenRead(file))
            {
                await using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
                schema ??= reader.Schema;
                total += reader.Metadata?.NumRows ?? 0;
            }

            if (shown.Count < rowsToShow)
            {
                // Only the first row group is read: a group of audio rows is tens of MB, a file can be GBs.
                await using var stream = File.OpenRead(file);
                var firstGroup = await ParquetSerializer.DeserializeUntypedAsync(stream, rowGroupIndex: 0, cancellationToken: cancellationToken);
                shown.AddRange(firstGroup.Data.Take(rowsToShow - shown.Count));
            }
        }

        var inv = CultureInfo.InvariantCulture;
        AnsiConsole.MarkupLineInterpolated($"[bold]{target}[/]: {files.Length} file(s), {total.ToString(inv)} rows");
        var schemaView = new Table().Border(TableBorder.Rounded).AddColumns("column", "type", "nullable", "list");
        foreach (var field in schema!.GetDataFields())
        {
            schemaView.AddRow(field.Path.ToString(), field.ClrType.Name, field.IsNullable.ToString(inv), field.IsArray.ToString(inv));
        }

        AnsiConsole.Write(schemaView);
        var names = schema.Fields.Select(f => f.Name).ToList();
        var rowsView = new Table().Border(TableBorder.Rounded);
        foreach (var name in names)
        {
            rowsView.AddColumn(Markup.Escape(name));
        }

        foreach (var row in shown)
        {
            rowsView.AddRow(names.Select(n => Markup.Escape(Format(row.GetValueOrDefault(n)))).ToArray());
        }

        AnsiConsole.Write(rowsView);
        return 0;
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        float f => f.ToString("0.####", CultureInfo.InvariantCulture),
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        string s when s.Length > 60 => s[..57] + "…",
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
