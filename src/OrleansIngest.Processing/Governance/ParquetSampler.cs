using System.Globalization;
using System.Reflection;
using global::Parquet;
using global::Parquet.Data;
using global::Parquet.Schema;

namespace OrleansIngest.Processing.Governance;

/// <summary>
/// The first rows of a table file as text, for a dashboard preview: flat columns as their values, list columns as
/// their length (a log-mel is not a preview). Reads the first row group only.
/// </summary>
public static class ParquetSampler
{
    private static readonly MethodInfo ReadColumnMethod =
        typeof(ParquetSampler).GetMethod(nameof(ReadColumnAsync), BindingFlags.NonPublic | BindingFlags.Static)!;

    /// <summary>Up to <paramref name="take"/> rows of <paramref name="input"/>, column name → value text (null for null).</summary>
    public static async Task<IReadOnlyList<IReadOnlyDictionary<string, string?>>> ReadAsync(Stream input, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(take);
        await using var reader = await ParquetReader.CreateAsync(input, cancellationToken: cancellationToken);
        if (reader.RowGroupCount == 0)
        {
            return [];
        }

        using var rowGroup = reader.OpenRowGroupReader(0);
        var count = (int)Math.Min(take, rowGroup.RowCount);
        var rows = Enumerable.Range(0, count).Select(_ => new Dictionary<string, string?>(StringComparer.Ordinal)).ToList();
        foreach (var field in reader.Schema.GetDataFields())
        {
            var name = field.Path.ToList()[0];
            var values = await (Task<string?[]>)ReadColumnMethod.MakeGenericMethod(field.ClrType).Invoke(null, [rowGroup, field, count, cancellationToken])!;
            for (var i = 0; i < count; i++)
            {
                rows[i][name] = values[i];
            }
        }

        return rows;
    }

    private static async Task<string?[]> ReadColumnAsync<T>(ParquetRowGroupReader rowGroup, DataField field, int count, CancellationToken cancellationToken)
        where T : struct
    {
        using var raw = await rowGroup.ReadRawColumnDataBaseAsync(field, cancellationToken);
        return Texts((RawColumnData<T>)raw, field, count);
    }

    private static string?[] Texts<T>(RawColumnData<T> raw, DataField field, int count)
        where T : struct
    {
        var result = new string?[count];
        var values = raw.Values;
        var hasDefinition = field.MaxDefinitionLevel > 0;
        var hasRepetition = field.MaxRepetitionLevel > 0;
        if (!hasDefinition && !hasRepetition)
        {
            for (var i = 0; i < count; i++)
            {
                result[i] = Text(values[i]);
            }

            return result;
        }

        ReadOnlySpan<int> definition = hasDefinition ? raw.DefinitionLevels : default;
        ReadOnlySpan<int> repetition = hasRepetition ? raw.RepetitionLevels : default;
        var slots = hasDefinition ? definition.Length : repetition.Length;
        var row = -1;
        var next = 0;
        var length = 0;
        for (var slot = 0; slot < slots; slot++)
        {
            if (!hasRepetition || repetition[slot] == 0)
            {
                if (row >= 0 && row < count && hasRepetition)
                {
                    result[row] = string.Create(CultureInfo.InvariantCulture, $"[{length} values]");
                }

                row++;
                length = 0;
            }

            var defined = !hasDefinition || definition[slot] == field.MaxDefinitionLevel;
            if (defined)
            {
                if (!hasRepetition && row < count)
                {
                    result[row] = Text(values[next]);
                }

                length++;
                next++;
            }
        }

        if (hasRepetition && row >= 0 && row < count)
        {
            result[row] = string.Create(CultureInfo.InvariantCulture, $"[{length} values]");
        }

        return result;
    }

    private static string? Text<T>(T value) => value switch
    {
        ReadOnlyMemory<char> chars => chars.ToString(),
        DateTime time => time.ToString("O", CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value?.ToString(),
    };
}
