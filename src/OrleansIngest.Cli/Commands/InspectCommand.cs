using System.CommandLine;
using System.Globalization;
using System.Text;
using Parquet;
using Parquet.Schema;
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
        var shown = new List<string[]>();
        foreach (var file in files)
        {
            await using var stream = File.OpenRead(file);
            using var reader = await ParquetReader.CreateAsync(stream, cancellationToken: cancellationToken);
            schema ??= reader.Schema;
            total += reader.Metadata?.NumRows ?? 0;
            for (var g = 0; g < reader.RowGroupCount && shown.Count < rowsToShow; g++)
            {
                using var group = reader.OpenRowGroupReader(g);
                var columns = new List<Parquet.Data.DataColumn>();
                foreach (var field in reader.Schema.GetDataFields())
                {
                    columns.Add(await group.ReadColumnAsync(field, cancellationToken));
                }

                AppendRows(reader.Schema, columns, group.RowCount, shown, rowsToShow);
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
        var rowsView = new Table().Border(TableBorder.Rounded);
        foreach (var field in schema.GetDataFields())
        {
            rowsView.AddColumn(Markup.Escape(field.Path.ToString()));
        }

        foreach (var row in shown)
        {
            rowsView.AddRow(row.Select(Markup.Escape).ToArray());
        }

        AnsiConsole.Write(rowsView);
        return 0;
    }

    private static void AppendRows(ParquetSchema schema, List<Parquet.Data.DataColumn> columns, long rowCount, List<string[]> shown, int limit)
    {
        var fields = schema.GetDataFields();
        var take = (int)Math.Min(rowCount, limit - shown.Count);
        var cells = new string[take][];
        for (var r = 0; r < take; r++)
        {
            cells[r] = new string[fields.Length];
        }

        for (var c = 0; c < fields.Length; c++)
        {
            var column = columns[c];
            var values = column.Data;
            if (column.RepetitionLevels is { } repetition)
            {
                // A list column: rows start where the repetition level is 0.
                var row = -1;
                var builders = new StringBuilder[take];
                var counts = new int[take];
                for (var i = 0; i < repetition.Length; i++)
                {
                    if (repetition[i] == 0)
                    {
                        row++;
                    }

                    if (row >= take)
                    {
                        break;
                    }

                    builders[row] ??= new StringBuilder("[");
                    if (counts[row]++ < 4)
                    {
                        builders[row].Append(counts[row] > 1 ? ", " : "").Append(Format(values.GetValue(i)));
                    }
                }

                for (var r = 0; r < take; r++)
                {
                    cells[r][c] = builders[r] is null ? "[]" : builders[r].Append(counts[r] > 4 ? $", … ({counts[r]} items)]" : "]").ToString();
                }
            }
            else
            {
                for (var r = 0; r < take; r++)
                {
                    cells[r][c] = Format(values.GetValue(r));
                }
            }
        }

        shown.AddRange(cells);
    }

    private static string Format(object? value) => value switch
    {
        null => "null",
        float f => f.ToString("0.####", CultureInfo.InvariantCulture),
        double d => d.ToString("0.####", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        string s when s.Length > 60 => s[..57] + "…",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };
}
