namespace OrleansIngest.Processing.Parquet;

/// <summary>Parquet type of a model column.</summary>
public enum ModelColumnKind
{
    /// <summary>Nullable <c>float</c>; values are <see cref="float"/>.</summary>
    Float,

    /// <summary>Nullable <c>double</c>; values are <see cref="double"/>.</summary>
    Double,

    /// <summary>Nullable <c>int64</c>; values are <see cref="long"/>.</summary>
    Int64,

    /// <summary>Nullable <c>list&lt;float&gt;</c> of exactly <see cref="ModelColumn.Length"/> values; values are <see cref="float"/> arrays.</summary>
    FloatList,

    /// <summary>Nullable <c>string</c>; values are <see cref="string"/>.</summary>
    String,
}

/// <summary>
/// An extra column that model steps add after a table's built-in columns. A row holds its values in
/// <c>ModelColumns</c> by column name; a missing name or a null value is written as null.
/// </summary>
/// <param name="Name">Column name.</param>
/// <param name="Kind">Parquet type.</param>
/// <param name="Length">Values per row of a <see cref="ModelColumnKind.FloatList"/>; 0 otherwise.</param>
public sealed record ModelColumn(string Name, ModelColumnKind Kind, int Length = 0);
