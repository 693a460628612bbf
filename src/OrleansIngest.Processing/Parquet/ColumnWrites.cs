using System.Buffers;
using global::Parquet;
using global::Parquet.Schema;
using OrleansIngest.Processing.Memory;

namespace OrleansIngest.Processing.Parquet;

/// <summary>
/// Writes one column of a row group from a list of row records through Parquet.Net's low-level API. Values are
/// gathered into pooled arrays; list columns get their repetition and definition levels built here. For ~1 MB
/// float lists this takes ~40% less CPU and ~6× less allocation than ParquetSerializer, which stripes every list
/// element through compiled expressions (ParquetWriterApiBenchmarks); it also streams row groups to a
/// non-seekable stream, which the serializer's append mode cannot.
/// </summary>
internal static class ColumnWrites
{
    // Levels of a list column whose list is optional and whose elements are required:
    // 0 = null list, 1 = empty list, 2 = an element; repetition 0 starts a row, 1 continues its list.
    internal const int NullListLevel = 0;
    internal const int EmptyListLevel = 1;
    internal const int ElementLevel = 2;

    public static async Task ValuesAsync<TRow, T>(
        ParquetRowGroupWriter writer,
        DataField field,
        IReadOnlyList<TRow> rows,
        Func<TRow, T> select,
        CancellationToken cancellationToken)
        where T : struct
    {
        var buffer = ArrayPool<T>.Shared.Rent(rows.Count);
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                buffer[i] = select(rows[i]);
            }

            await writer.WriteAsync(field, new ReadOnlyMemory<T>(buffer, 0, rows.Count), null, null, cancellationToken);
        }
        finally
        {
            ArrayPool<T>.Shared.Return(buffer);
        }
    }

    public static Task TimestampsAsync<TRow>(
        ParquetRowGroupWriter writer,
        DataField field,
        IReadOnlyList<TRow> rows,
        Func<TRow, DateTimeOffset> select,
        CancellationToken cancellationToken) =>
        // UtcDateTime has Kind=Utc, so Parquet.Net stores the instant itself whatever the offset was.
        ValuesAsync(writer, field, rows, row => select(row).UtcDateTime, cancellationToken);

    public static async Task StringsAsync<TRow>(
        ParquetRowGroupWriter writer,
        DataField field,
        IReadOnlyList<TRow> rows,
        Func<TRow, string> select,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<ReadOnlyMemory<char>>.Shared.Rent(rows.Count);
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                buffer[i] = RequireValue(select(rows[i]), field, i).AsMemory();
            }

            await writer.WriteAsync(field, new ReadOnlyMemory<ReadOnlyMemory<char>>(buffer, 0, rows.Count), null, null, cancellationToken);
        }
        finally
        {
            ArrayPool<ReadOnlyMemory<char>>.Shared.Return(buffer, clearArray: true);
        }
    }

    public static async Task NullableStringsAsync<TRow>(
        ParquetRowGroupWriter writer,
        DataField field,
        IReadOnlyList<TRow> rows,
        Func<TRow, string?> select,
        CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<ReadOnlyMemory<char>?>.Shared.Rent(rows.Count);
        try
        {
            for (var i = 0; i < rows.Count; i++)
            {
                // Not `value is null ? null : value.AsMemory()`: that null converts through char[] to an empty
                // ReadOnlyMemory, and the row would hold "" instead of null.
                buffer[i] = select(rows[i])?.AsMemory();
            }

            await writer.WriteAsync(field, new ReadOnlyMemory<ReadOnlyMemory<char>?>(buffer, 0, rows.Count), null, null, cancellationToken);
        }
        finally
        {
            ArrayPool<ReadOnlyMemory<char>?>.Shared.Return(buffer, clearArray: true);
        }
    }

    /// <summary>Writes a <c>list&lt;T&gt;</c> column; a null array is written as a null list.</summary>
    public static Task ListAsync<TRow, T>(
        ParquetRowGroupWriter writer,
        DataField elementField,
        IReadOnlyList<TRow> rows,
        Func<TRow, T[]?> select,
        CancellationToken cancellationToken)
        where T : struct =>
        ListAsync(writer, elementField, rows, select, static (T value, int _, DataField _) => value, cancellationToken);

    /// <summary>Writes a <c>list&lt;string&gt;</c> column; elements must not be null.</summary>
    public static Task StringListAsync<TRow>(
        ParquetRowGroupWriter writer,
        DataField elementField,
        IReadOnlyList<TRow> rows,
        Func<TRow, string[]?> select,
        CancellationToken cancellationToken) =>
        ListAsync(
            writer,
            elementField,
            rows,
            select,
            static (string value, int row, DataField field) => RequireValue(value, field, row).AsMemory(),
            cancellationToken);

    private static async Task ListAsync<TRow, TItem, T>(
        ParquetRowGroupWriter writer,
        DataField elementField,
        IReadOnlyList<TRow> rows,
        Func<TRow, TItem[]?> select,
        Func<TItem, int, DataField, T> convert,
        CancellationToken cancellationToken)
        where T : struct
    {
        var valueCount = 0;
        var levelCount = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var length = select(rows[i])?.Length ?? 0;
            valueCount = checked(valueCount + length);
            levelCount = checked(levelCount + Math.Max(length, 1));
        }

        var values = LargeArrayPool.Columns<T>().Rent(Math.Max(valueCount, 1));
        var repetition = LargeArrayPool.Columns<int>().Rent(Math.Max(levelCount, 1));
        var definition = LargeArrayPool.Columns<int>().Rent(Math.Max(levelCount, 1));
        try
        {
            FillLevelsAndValues(rows, select, convert, elementField, values, repetition, definition);
            await writer.WriteAllPartsAsync(
                elementField,
                new ReadOnlyMemory<T>(values, 0, valueCount),
                new ReadOnlyMemory<int>(definition, 0, levelCount),
                new ReadOnlyMemory<int>(repetition, 0, levelCount),
                cancellationToken);
        }
        finally
        {
            LargeArrayPool.Columns<T>().Return(values, clearArray: System.Runtime.CompilerServices.RuntimeHelpers.IsReferenceOrContainsReferences<T>());
            LargeArrayPool.Columns<int>().Return(repetition);
            LargeArrayPool.Columns<int>().Return(definition);
        }
    }

    private static void FillLevelsAndValues<TRow, TItem, T>(
        IReadOnlyList<TRow> rows,
        Func<TRow, TItem[]?> select,
        Func<TItem, int, DataField, T> convert,
        DataField elementField,
        T[] values,
        int[] repetition,
        int[] definition)
    {
        var valueIndex = 0;
        var levelIndex = 0;
        for (var i = 0; i < rows.Count; i++)
        {
            var items = select(rows[i]);
            if (items is null || items.Length == 0)
            {
                repetition[levelIndex] = 0;
                definition[levelIndex] = items is null ? NullListLevel : EmptyListLevel;
                levelIndex++;
                continue;
            }

            if (typeof(TItem) == typeof(T))
            {
                // Bulk copy for primitive lists: this is the ~1 MB log-mel path.
                Array.Copy(items, 0, values, valueIndex, items.Length);
            }
            else
            {
                for (var j = 0; j < items.Length; j++)
                {
                    values[valueIndex + j] = convert(items[j], i, elementField);
                }
            }

            valueIndex += items.Length;
            repetition.AsSpan(levelIndex, items.Length).Fill(1);
            repetition[levelIndex] = 0;
            definition.AsSpan(levelIndex, items.Length).Fill(ElementLevel);
            levelIndex += items.Length;
        }
    }

    private static string RequireValue(string? value, DataField field, int row) =>
        value ?? throw new ArgumentException($"Column '{field.Path}' is required, but row {row} of the row group has null.");
}
