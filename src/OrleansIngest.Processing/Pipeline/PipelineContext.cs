namespace OrleansIngest.Processing.Pipeline;

/// <summary>What every unit of a job shares: the pipeline, its lineage version and who is writing.</summary>
public sealed record PipelineContext(PipelineDefinition Pipeline, string PipelineVersion, string Writer);

/// <summary>Totals of one processed unit.</summary>
public readonly record struct UnitStats(long Rows, double MediaSeconds);
