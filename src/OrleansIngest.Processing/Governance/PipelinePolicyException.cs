namespace OrleansIngest.Processing.Governance;

/// <summary>
/// A pipeline asks for something its sensitivity tier forbids (a column class, an unencrypted output). A
/// <see cref="FormatException"/>, so every place that rejects a malformed pipeline at submit time rejects this too.
/// </summary>
public sealed class PipelinePolicyException : FormatException
{
    /// <summary>Creates the exception for <paramref name="column"/> of <paramref name="table"/> at <paramref name="tier"/>.</summary>
    public PipelinePolicyException(string table, string column, ColumnClass columnClass, SensitivityTier tier, string rule)
        : base($"Table '{table}' is {SensitivityPolicy.Name(tier)}: column '{column}' ({SensitivityPolicy.Name(columnClass)}) is not allowed at tier {SensitivityPolicy.Name(tier)}. {rule}")
    {
        Table = table;
        Column = column;
        ColumnClass = columnClass;
        Tier = tier;
    }

    /// <summary>The table whose route asked for the column.</summary>
    public string Table { get; }

    /// <summary>The forbidden column.</summary>
    public string Column { get; }

    /// <summary>Its class.</summary>
    public ColumnClass ColumnClass { get; }

    /// <summary>The tier that forbids it.</summary>
    public SensitivityTier Tier { get; }
}
