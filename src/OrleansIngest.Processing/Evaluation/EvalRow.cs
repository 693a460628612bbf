namespace OrleansIngest.Processing.Evaluation;

/// <summary>Who produced an evaluation row.</summary>
public static class EvalRoles
{
    /// <summary>The production model (its outputs as written to the production table).</summary>
    public const string Baseline = "baseline";

    /// <summary>A shadow model under evaluation.</summary>
    public const string Candidate = "candidate";
}

/// <summary>Physical type of a step output column of an evaluation table.</summary>
public enum EvalColumnType
{
    /// <summary>32-bit float.</summary>
    Float,

    /// <summary>64-bit float.</summary>
    Double,

    /// <summary>32-bit integer.</summary>
    Int32,

    /// <summary>64-bit integer.</summary>
    Int64,

    /// <summary>UTF-8 string (a class label).</summary>
    String,

    /// <summary><c>list&lt;float&gt;</c> (per-frame scores, class probabilities).</summary>
    FloatList,
}

/// <summary>A step output column of an evaluation table, typed as in the production table.</summary>
/// <param name="Name">Column name.</param>
/// <param name="Type">Physical type; values in <see cref="EvalRow.Outputs"/> are <see cref="float"/>, <see cref="double"/>, <see cref="int"/>, <see cref="long"/>, <see cref="string"/> or <c>float[]</c>.</param>
public sealed record EvalOutputColumn(string Name, EvalColumnType Type);

/// <summary>
/// One row of an <c>eval_&lt;step&gt;</c> table: one production row (segment or window) as scored by one model.
/// The step's outputs are in <see cref="Outputs"/>, in the order of the table's <see cref="EvalOutputColumn"/>s.
/// </summary>
public sealed record EvalRow
{
    /// <summary>The production row's id (<c>segment_id</c> / <c>window_id</c>), the join key between models.</summary>
    public required string RowId { get; init; }

    /// <summary>Unit the row belongs to.</summary>
    public required string UnitId { get; init; }

    /// <summary>Source blob URI.</summary>
    public required string SourceUri { get; init; }

    /// <summary>Source ETag.</summary>
    public required string SourceEtag { get; init; }

    /// <summary>Start of the row in the source, seconds.</summary>
    public double StartS { get; init; }

    /// <summary>End of the row in the source, seconds.</summary>
    public double EndS { get; init; }

    /// <summary>Model (step or candidate) name.</summary>
    public required string ModelName { get; init; }

    /// <summary>Model version.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>SHA-256 of the model file (hex).</summary>
    public required string ModelSha256 { get; init; }

    /// <summary><see cref="EvalRoles.Baseline"/> or <see cref="EvalRoles.Candidate"/>.</summary>
    public required string Role { get; init; }

    /// <summary>Execution provider the model ran on (<c>cpu</c> or <c>cuda</c>).</summary>
    public required string Provider { get; init; }

    /// <summary>Model compute time attributed to this row, seconds.</summary>
    public double ComputeSeconds { get; init; }

    /// <summary>Media the row covers (audio or window seconds).</summary>
    public double MediaSeconds { get; init; }

    /// <summary>The step's output values, aligned with the table's output columns.</summary>
    public required IReadOnlyList<object?> Outputs { get; init; }

    /// <summary>Pipeline lineage version.</summary>
    public required string PipelineVersion { get; init; }

    /// <summary>When the row was produced.</summary>
    public DateTimeOffset IngestedAt { get; init; }
}
