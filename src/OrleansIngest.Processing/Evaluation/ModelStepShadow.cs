using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Parquet;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Evaluation;

/// <summary>
/// Shadow runs of model steps: every candidate of the evaluation block that shadows a model step (not <c>vad</c>),
/// loaded as a model step of the same kind (through the same catalog, so the same location, hash and provider rules)
/// and run by <see cref="ModelStepRunner"/> on the same rows of a sampled unit as the production step. Each shadowed
/// step has its own table, <c>eval_&lt;step&gt;</c>: one row per production row per model (the baseline's values are
/// the production step's own outputs), with the step's output columns typed as in the production table. Shared by all
/// lanes of a job; the sessions belong to the catalog.
/// </summary>
public sealed class ModelStepShadow
{
    private readonly EvaluationDefinition _definition;
    private readonly Dictionary<string, IReadOnlyList<ModelStep>> _candidates;
    private readonly Dictionary<string, EvalTableLayout> _layouts;
    private readonly Dictionary<string, RouteKind> _kinds;
    private readonly TimeProvider _timeProvider;

    private ModelStepShadow(
        EvaluationDefinition definition,
        Dictionary<string, IReadOnlyList<ModelStep>> candidates,
        Dictionary<string, EvalTableLayout> layouts,
        Dictionary<string, RouteKind> kinds,
        TimeProvider timeProvider)
    {
        _definition = definition;
        _candidates = candidates;
        _layouts = layouts;
        _kinds = kinds;
        _timeProvider = timeProvider;
    }

    /// <summary>
    /// The candidates of <paramref name="pipeline"/> that shadow a model step, as model step declarations (see
    /// <see cref="CandidateDefinition.StepDefinition"/>) ready for the model catalog; empty when nothing is sampled.
    /// </summary>
    public static IReadOnlyList<ModelStepDefinition> CandidateSteps(PipelineDefinition pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        if (pipeline.Evaluation is not { Sample: > 0 } evaluation)
        {
            return [];
        }

        return [.. evaluation.Candidates
            .Where(c => c.Shadows != CandidateDefinition.VadStep)
            .Select(c => c.StepDefinition(pipeline.Models.FirstOrDefault(m => m.Name == c.Shadows)
                ?? throw new FormatException($"evaluation.candidates[{c.Name}] shadows '{c.Shadows}', which is not a model step.")))];
    }

    /// <summary>
    /// The shadow of <paramref name="pipeline"/>'s model steps; <see langword="null"/> when nothing is sampled or no
    /// candidate shadows a model step.
    /// </summary>
    /// <param name="pipeline">The job's pipeline.</param>
    /// <param name="production">The loaded production steps.</param>
    /// <param name="candidates">The loaded <see cref="CandidateSteps"/>, in the same order.</param>
    /// <param name="timeProvider">Clock of <see cref="EvalRow.IngestedAt"/>.</param>
    /// <exception cref="ArgumentException">A candidate is missing, or a production step it shadows is not loaded.</exception>
    public static ModelStepShadow? Create(PipelineDefinition pipeline, ModelSteps production, IReadOnlyList<ModelStep> candidates, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(production);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(timeProvider);
        var declared = CandidateSteps(pipeline);
        if (declared.Count == 0)
        {
            return null;
        }

        var byStep = new Dictionary<string, IReadOnlyList<ModelStep>>(StringComparer.Ordinal);
        var layouts = new Dictionary<string, EvalTableLayout>(StringComparer.Ordinal);
        var kinds = new Dictionary<string, RouteKind>(StringComparer.Ordinal);
        foreach (var candidate in pipeline.Evaluation!.Candidates.Where(c => c.Shadows != CandidateDefinition.VadStep))
        {
            var model = candidates.FirstOrDefault(m => m.Definition.Name == candidate.Name)
                ?? throw new ArgumentException($"Evaluation candidate '{candidate.Name}' is not among the loaded candidates.", nameof(candidates));
            var step = production.All.FirstOrDefault(s => s.Definition.Name == candidate.Shadows)
                ?? throw new ArgumentException($"Model step '{candidate.Shadows}' (shadowed by '{candidate.Name}') is not loaded.", nameof(production));
            if (!layouts.ContainsKey(step.Definition.Name))
            {
                layouts[step.Definition.Name] = LayoutOf(step.Definition.Name, step.Columns);
                kinds[step.Definition.Name] = step.Definition.AppliesTo == ModelAppliesTo.Audio ? RouteKind.Audio : RouteKind.Sensor;
                byStep[step.Definition.Name] = [];
            }

            byStep[step.Definition.Name] = [.. byStep[step.Definition.Name], model];
        }

        return new ModelStepShadow(pipeline.Evaluation, byStep, layouts, kinds, timeProvider);
    }

    /// <summary>The shadowed steps whose rows are of <paramref name="kind"/>, in pipeline order of their first candidate.</summary>
    public IReadOnlyList<string> StepsOf(RouteKind kind) => [.. _kinds.Where(k => k.Value == kind).Select(k => k.Key)];

    /// <summary>Whether a candidate of an audio step binds the segment's samples (so the caller must keep them).</summary>
    public bool NeedsPcm => _candidates.Values.SelectMany(c => c).Any(c => c.Definition.Inputs.Values.Contains(ModelBindings.Pcm));

    /// <summary>Whether the unit is in the evaluation sample (<see cref="EvaluationDefinition.IsSampled(string)"/>).</summary>
    public bool IsSampled(string unitId) => _definition.IsSampled(unitId);

    /// <summary>The loaded candidates of <paramref name="step"/> (empty when it is not shadowed).</summary>
    public IReadOnlyList<ModelStep> CandidatesOf(string step) => _candidates.TryGetValue(step, out var list) ? list : [];

    /// <summary>The table of <paramref name="step"/>'s rows: <c>eval_&lt;step&gt;</c>.</summary>
    public static string TableNameOf(string step) => EvalTableLayout.TableNameOf(step);

    /// <summary>Output columns of <c>eval_&lt;step&gt;</c>: the step's model columns with the same names and types.</summary>
    public static IReadOnlyList<EvalOutputColumn> OutputColumnsOf(IReadOnlyList<ModelColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        return [.. columns.Select(c => new EvalOutputColumn(c.Name, c.Kind switch
        {
            ModelColumnKind.Float => EvalColumnType.Float,
            ModelColumnKind.Double => EvalColumnType.Double,
            ModelColumnKind.Int64 => EvalColumnType.Int64,
            ModelColumnKind.String => EvalColumnType.String,
            _ => EvalColumnType.FloatList,
        }))];
    }

    /// <summary>Starts collecting the shadow outputs of one batch of <paramref name="rows"/> rows for <paramref name="steps"/>.</summary>
    public ModelShadowBatch StartBatch(int rows, IReadOnlyCollection<string> steps) => new(this, rows, steps);

    /// <summary>
    /// The eval rows of production row <paramref name="row"/> of <paramref name="batch"/> for <paramref name="step"/>:
    /// the baseline first, then each candidate, each only when that model scored the row (a row a model cannot be fed
    /// gets null model columns in production and no eval row).
    /// </summary>
    public IReadOnlyList<EvalRow> RowsFor(ModelShadowBatch batch, string step, int row, EvalRowKey key)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var layout = _layouts[step];
        var now = _timeProvider.GetUtcNow();
        var rows = new List<EvalRow>();
        foreach (var scored in batch.ModelsOf(step))
        {
            if (scored.Outputs[row] is not { } outputs)
            {
                continue;
            }

            rows.Add(new EvalRow
            {
                RowId = key.RowId,
                UnitId = key.UnitId,
                SourceUri = key.SourceUri,
                SourceEtag = key.SourceEtag,
                StartS = key.StartS,
                EndS = key.EndS,
                ModelName = scored.Model.Definition.Name,
                ModelVersion = scored.Model.Definition.Version,
                ModelSha256 = scored.Model.Sha256,
                Role = scored.Role,
                Provider = scored.Model.ActualProvider,
                ComputeSeconds = scored.ComputeSeconds[row],
                MediaSeconds = key.MediaSeconds,
                Outputs = [.. layout.Outputs.Select(c => outputs.TryGetValue(c.Name, out var value) ? value : null)],
                PipelineVersion = key.PipelineVersion,
                IngestedAt = now,
            });
        }

        return rows;
    }

    internal EvalTableLayout LayoutFor(string step) => _layouts[step];

    internal static EvalTableLayout LayoutOf(string step, IReadOnlyList<ModelColumn> columns) => new(step, OutputColumnsOf(columns));
}

/// <summary>The keys and lineage an eval row copies from its production row.</summary>
/// <param name="RowId">The production row's id.</param>
/// <param name="UnitId">Unit id.</param>
/// <param name="SourceUri">Source URI.</param>
/// <param name="SourceEtag">Source ETag.</param>
/// <param name="StartS">Start, seconds from the start of the source (sensor: from the unit's first window).</param>
/// <param name="EndS">End, seconds.</param>
/// <param name="MediaSeconds">Segment or window seconds.</param>
/// <param name="PipelineVersion">Pipeline lineage version.</param>
public readonly record struct EvalRowKey(string RowId, string UnitId, string SourceUri, string SourceEtag, double StartS, double EndS, double MediaSeconds, string PipelineVersion);

/// <summary>
/// The outputs of the production steps and their candidates on one batch of rows, as <see cref="ModelStepRunner"/>
/// records them: per step and model, each row's column values (null when the model was not fed the row) and the
/// model time of its batch divided by the batch's rows.
/// </summary>
public sealed class ModelShadowBatch
{
    private readonly ModelStepShadow _shadow;
    private readonly int _rows;
    private readonly HashSet<string> _steps;
    private readonly Dictionary<string, List<ScoredModel>> _scored = new(StringComparer.Ordinal);

    internal ModelShadowBatch(ModelStepShadow shadow, int rows, IReadOnlyCollection<string> steps)
    {
        _shadow = shadow;
        _rows = rows;
        _steps = new HashSet<string>(steps, StringComparer.Ordinal);
    }

    /// <summary>Whether <paramref name="step"/>'s outputs are recorded in this batch.</summary>
    public bool Shadows(string step) => _steps.Contains(step);

    /// <summary>The candidates to run next to <paramref name="step"/>.</summary>
    public IReadOnlyList<ModelStep> CandidatesOf(string step) => _steps.Contains(step) ? _shadow.CandidatesOf(step) : [];

    /// <summary>The steps recorded.</summary>
    public IReadOnlyCollection<string> Steps => _steps;

    /// <summary>
    /// Records one model call of <paramref name="model"/> (the step itself or one of its candidates) on
    /// <paramref name="rows"/>, which took <paramref name="elapsed"/>.
    /// </summary>
    public void Record(string step, ModelStep model, IReadOnlyList<int> rows, IReadOnlyList<Dictionary<string, object?>> outputs, TimeSpan elapsed)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(outputs);
        if (!_steps.Contains(step) || rows.Count == 0)
        {
            return;
        }

        if (!_scored.TryGetValue(step, out var list))
        {
            _scored[step] = list = [];
        }

        var scored = list.FirstOrDefault(s => ReferenceEquals(s.Model, model));
        if (scored is null)
        {
            scored = new ScoredModel(model, model.Definition.Name == step ? EvalRoles.Baseline : EvalRoles.Candidate, _rows);
            list.Add(scored);
        }

        var perRow = elapsed.TotalSeconds / rows.Count;
        for (var i = 0; i < rows.Count; i++)
        {
            scored.Outputs[rows[i]] = outputs[i];
            scored.ComputeSeconds[rows[i]] = perRow;
        }
    }

    internal IEnumerable<ScoredModel> ModelsOf(string step) =>
        _scored.TryGetValue(step, out var list) ? list.OrderBy(s => s.Role == EvalRoles.Baseline ? 0 : 1) : [];

    internal sealed class ScoredModel(ModelStep model, string role, int rows)
    {
        public ModelStep Model { get; } = model;

        public string Role { get; } = role;

        public Dictionary<string, object?>?[] Outputs { get; } = new Dictionary<string, object?>?[rows];

        public double[] ComputeSeconds { get; } = new double[rows];
    }
}

/// <summary>Where a sampled unit's model-step shadow rows go.</summary>
/// <param name="Shadow">The job's model-step shadow.</param>
/// <param name="Steps">The shadowed steps whose rows this unit still needs (a retry skips steps whose eval rows are committed).</param>
/// <param name="Sink">Receives each eval row with its step's name.</param>
public sealed record ModelShadowSink(ModelStepShadow Shadow, IReadOnlyCollection<string> Steps, Func<string, EvalRow, ValueTask> Sink);
