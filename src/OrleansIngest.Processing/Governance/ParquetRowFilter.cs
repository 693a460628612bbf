using System.Reflection;
using global::Parquet;
using global::Parquet.Data;
using global::Parquet.Schema;
using OrleansIngest.Processing.Parquet;

namespace OrleansIngest.Processing.Governance;

/// <summary>Rows kept and dropped by one <see cref="ParquetRowFilter.RewriteAsync"/>.</summary>
public readonly record struct RowFilterResult(long RowsKept, long RowsRemoved);

/// <summary>
/// Copies a table file without the rows of some sources, column by column through Parquet.Net's raw API, so it works
/// for any table schema (lists and nullable columns included) without knowing the row type. One row group is held at
/// a time. Rows are matched on their <c>source_uri</c> and <c>source_etag</c> values (the HMAC in restricted tables).
/// </summary>
public static class ParquetRowFilter
{
    private const string SourceUriColumn = "source_uri";
    private const string SourceEtagColumn = "source_etag";

    private static readonly MethodInfo FilterColumnMethod =
        typeof(ParquetRowFilter).GetMethod(nameof(FilterColumnAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>
    /// Writes the rows of <paramref name="input"/> for which <paramref name="remove"/> (source_uri, source_etag) is false
    /// to <paramref name="output"/>, with the same schema. Row groups left empty are dropped.
    /// </summary>
    /// <exception cref="InvalidDataException">The file has no <c>source_uri</c>/<c>source_etag</c> string columns.</exception>
    public static async Task<RowFilterResult> RewriteAsync(
        Stream input,
        Stream output,
        Func<string, string, bool> remove,
        ParquetOutputSettings? settings = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(remove);
        await using var reader = await ParquetReader.CreateAsync(input, cancellationToken: cancellationToken);
        var fields = reader.Schema.GetDataFields();
        var uriField = FindStringColumn(fields, SourceUriColumn);
        var etagField = FindStringColumn(fields, SourceEtagColumn);
        var options = (settings ?? new ParquetOutputSettings()).ToParquetOptions();
        long kept = 0, removed = 0;
        await using (var writer = await ParquetWriter.CreateAsync(reader.Schema, output, options, append: false, cancellationToken))
        {
            for (var group = 0; group < reader.RowGroupCount; group++)
            {
                using var rowGroup = reader.OpenRowGroupReader(group);
                var uris = await ReadStringsAsync(rowGroup, uriField, cancellationToken);
                var etags = await ReadStringsAsync(rowGroup, etagField, cancellationToken);
                var keep = new bool[rowGroup.RowCount];
                var keptHere = 0;
                for (var row = 0; row < keep.Length; row++)
                {
                    keep[row] = !remove(uris[row], etags[row]);
                    keptHere += keep[row] ? 1 : 0;
                }

                kept += keptHere;
                removed += keep.Length - keptHere;
                if (keptHere == 0)
                {
                    continue;
                }

                using var target = writer.CreateRowGroup();
                foreach (var field in fields)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    await (Task)FilterColumnMethod.MakeGenericMethod(field.ClrType).Invoke(null, [rowGroup, target, field, keep, cancellationToken])!;
                }

                target.CompleteValidate();
            }
        }

        return new RowFilterResult(kept, removed);
    }

    private static DataField FindStringColumn(DataField[] fields, string name) =>
        fields.FirstOrDefault(f => f.Path.ToString() == name && f.ClrType == typeof(ReadOnlyMemory<char>) && f.MaxRepetitionLevel == 0)
        ?? throw new InvalidDataException($"The file has no '{name}' string column; only table files can be filtered by source.");

    private static async Task<string[]> ReadStringsAsync(ParquetRowGroupReader rowGroup, DataField field, CancellationToken cancellationToken)
    {
        using var raw = await rowGroup.ReadRawColumnDataBaseAsync(field, cancellationToken);
        return ToStrings((RawColumnData<ReadOnlyMemory<char>>)raw, field.MaxDefinitionLevel);
    }

    private static string[] ToStrings(RawColumnData<ReadOnlyMemory<char>> raw, int maxDefinitionLevel)
    {
        var values = raw.Values;
        if (maxDefinitionLevel == 0)
        {
            var result = new string[values.Length];
            for (var i = 0; i < values.Length; i++)
            {
                result[i] = values[i].ToString();
            }

            return result;
        }

        // A null source is never a match; it reads as "".
        var levels = raw.DefinitionLevels;
        var strings = new string[levels.Length];
        var next = 0;
        for (var i = 0; i < levels.Length; i++)
        {
            strings[i] = levels[i] == maxDefinitionLevel ? values[next++].ToString() : "";
        }

        return strings;
    }

    private static async Task FilterColumnAsync<T>(ParquetRowGroupReader source, ParquetRowGroupWriter target, DataField field, bool[] keep, CancellationToken cancellationToken)
        where T : struct
    {
        (T[] Values, int[]? Definition, int[]? Repetition) filtered;
        using (var raw = await source.ReadRawColumnDataBaseAsync(field, cancellationToken))
        {
            filtered = Filter((RawColumnData<T>)raw, field, keep);
        }

        if (filtered.Repetition is not null)
        {
            await target.WriteAllPartsAsync<T>(field, filtered.Values, filtered.Definition, filtered.Repetition, cancellationToken);
        }
        else if (filtered.Definition is not null)
        {
            // A flat optional column: Parquet.Net takes it as nullable values, one per row.
            var nullable = new T?[filtered.Definition.Length];
            var next = 0;
            for (var i = 0; i < nullable.Length; i++)
            {
                nullable[i] = filtered.Definition[i] == field.MaxDefinitionLevel ? filtered.Values[next++] : null;
            }

            await target.WriteAsync<T>(field, nullable, null, null, cancellationToken);
        }
        else
        {
            await target.WriteAsync<T>(field, filtered.Values, null, null, cancellationToken);
        }
    }

    // Levels hold one slot per value position; a slot starts a new row when it has no repetition level or level 0,
    // and carries a value only when it is defined at the field's maximum level.
    private static (T[] Values, int[]? Definition, int[]? Repetition) Filter<T>(RawColumnData<T> raw, DataField field, bool[] keep)
        where T : struct
    {
        var values = raw.Values;
        var hasDefinition = field.MaxDefinitionLevel > 0;
        var hasRepetition = field.MaxRepetitionLevel > 0;
        if (!hasDefinition && !hasRepetition)
        {
            var flat = new List<T>(values.Length);
            for (var i = 0; i < values.Length; i++)
            {
                if (keep[i])
                {
                    flat.Add(values[i]);
                }
            }

            return ([.. flat], null, null);
        }

        ReadOnlySpan<int> definition = hasDefinition ? raw.DefinitionLevels : default;
        ReadOnlySpan<int> repetition = hasRepetition ? raw.RepetitionLevels : default;
        var slots = hasDefinition ? definition.Length : repetition.Length;
        var keptValues = new List<T>(values.Length);
        var keptDefinition = hasDefinition ? new List<int>(slots) : null;
        var keptRepetition = hasRepetition ? new List<int>(slots) : null;
        var row = -1;
        var next = 0;
        for (var slot = 0; slot < slots; slot++)
        {
            if (!hasRepetition || repetition[slot] == 0)
            {
                row++;
            }

            var defined = !hasDefinition || definition[slot] == field.MaxDefinitionLevel;
            if (keep[row])
            {
                keptDefinition?.Add(definition[slot]);
                keptRepetition?.Add(repetition[slot]);
                if (defined)
                {
                    keptValues.Add(values[next]);
                }
            }

            if (defined)
            {
                next++;
            }
        }

        return ([.. keptValues], keptDefinition is null ? null : [.. keptDefinition], keptRepetition is null ? null : [.. keptRepetition]);
    }
}
