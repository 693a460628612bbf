using global::Parquet.Schema;

namespace OrleansIngest.Processing.Parquet;

/// <summary>The output tables and their Parquet schemas (the column contract of <see cref="AudioSegmentRow"/> and <see cref="SensorWindowRow"/>).</summary>
public static class TableSchemas
{
    /// <summary>Table of <see cref="AudioSegmentRow"/>.</summary>
    public const string AudioSegments = AudioSegmentLayout.Name;

    /// <summary>Table of <see cref="SensorWindowRow"/>.</summary>
    public const string SensorWindows = SensorWindowLayout.Name;

    /// <summary>Every table name, in a stable order.</summary>
    public static IReadOnlyList<string> TableNames { get; } = [AudioSegments, SensorWindows];

    /// <summary>The Parquet schema of <paramref name="tableName"/>.</summary>
    /// <exception cref="ArgumentException">The table is unknown.</exception>
    public static ParquetSchema GetSchema(string tableName) => tableName switch
    {
        AudioSegments => AudioSegmentLayout.Instance.Schema,
        SensorWindows => SensorWindowLayout.Instance.Schema,
        _ => throw new ArgumentException(
            $"Unknown table '{tableName}'; known tables are {string.Join(", ", TableNames)}.", nameof(tableName)),
    };

    /// <summary>The top-level column names of <paramref name="tableName"/>, in file order.</summary>
    /// <exception cref="ArgumentException">The table is unknown.</exception>
    public static IReadOnlyList<string> GetColumnNames(string tableName) =>
        [.. GetSchema(tableName).Fields.Select(field => field.Name)];

    /// <summary>The table that rows of <typeparamref name="TRow"/> belong to.</summary>
    /// <exception cref="NotSupportedException">The type is not a table row.</exception>
    public static string GetTableName<TRow>() => TableLayouts.For<TRow>().TableName;
}
