using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Governance;

/// <summary>
/// The effects of a sensitivity tier, in one place: which column classes a table may hold, whether source URIs are
/// masked, whether outputs must be encrypted, and which reader roles may see rows.
/// <list type="table">
/// <listheader><term>tier</term><description>columns · masking · encryption · row readers</description></listheader>
/// <item><term>public</term><description>no raw, no invertible · no · no · viewer, operator</description></item>
/// <item><term>internal</term><description>no raw · no · no · viewer, operator</description></item>
/// <item><term>confidential</term><description>all · no · yes · operator</description></item>
/// <item><term>restricted</term><description>all · source_uri → HMAC-SHA256 · yes · operator</description></item>
/// </list>
/// </summary>
public static class SensitivityPolicy
{
    /// <summary>The tier used when a pipeline names none.</summary>
    public const SensitivityTier DefaultTier = SensitivityTier.Internal;

    /// <summary>Whether a column of <paramref name="columnClass"/> may be written at <paramref name="tier"/>.</summary>
    public static bool Allows(SensitivityTier tier, ColumnClass columnClass) => columnClass switch
    {
        ColumnClass.RawContent => tier >= SensitivityTier.Confidential,
        ColumnClass.DerivedInvertible => tier >= SensitivityTier.Internal,
        _ => true,
    };

    /// <summary>Whether <c>source_uri</c> is replaced by a keyed HMAC (and the mapping kept apart).</summary>
    public static bool MasksSourceUri(SensitivityTier tier) => tier == SensitivityTier.Restricted;

    /// <summary>Whether data files must be encrypted at rest by the writer (beyond the storage service's own encryption).</summary>
    public static bool RequiresEncryption(SensitivityTier tier) => tier >= SensitivityTier.Confidential;

    /// <summary>Whether <paramref name="role"/> may read rows or sample data of a table at <paramref name="tier"/>.</summary>
    public static bool CanReadRows(ReaderRole role, SensitivityTier tier) =>
        role == ReaderRole.Operator || tier <= SensitivityTier.Internal;

    /// <summary>The tier of the table <paramref name="route"/> writes: its own, else the pipeline's, else internal.</summary>
    public static SensitivityTier TierOf(PipelineDefinition pipeline, RouteDefinition route)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        ArgumentNullException.ThrowIfNull(route);
        return route.Sensitivity ?? pipeline.Sensitivity ?? DefaultTier;
    }

    /// <summary>The tier of <paramref name="table"/> in <paramref name="pipeline"/>: the highest of the routes writing it.</summary>
    public static SensitivityTier TierOfTable(PipelineDefinition pipeline, string table)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        var tiers = pipeline.Routes.Where(r => string.Equals(r.Table, table, StringComparison.Ordinal)).Select(r => TierOf(pipeline, r)).ToList();
        return tiers.Count == 0 ? pipeline.Sensitivity ?? DefaultTier : tiers.Max();
    }

    /// <summary>
    /// Rejects a pipeline that asks for something its tiers forbid, naming the first offending column and tier.
    /// Routes writing one table must agree on its tier (a table has one tier).
    /// </summary>
    /// <exception cref="PipelinePolicyException">A route writes a column its tier forbids.</exception>
    /// <exception cref="FormatException">Declared columns clash with built-in ones or each other, or routes disagree on a table's tier.</exception>
    public static void Enforce(PipelineDefinition pipeline)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        foreach (var group in pipeline.Routes.GroupBy(r => r.Table, StringComparer.Ordinal))
        {
            if (group.Select(r => TierOf(pipeline, r)).Distinct().Count() > 1)
            {
                throw new FormatException($"Routes writing table '{group.Key}' give it different sensitivity tiers; a table has one tier.");
            }
        }

        foreach (var route in pipeline.Routes)
        {
            var tier = TierOf(pipeline, route);
            var columns = ColumnClassification.For(route);
            var duplicate = columns.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null)
            {
                throw new FormatException($"Table '{route.Table}': column '{duplicate.Key}' is declared twice or clashes with a built-in column.");
            }

            foreach (var (name, columnClass) in columns)
            {
                if (!Allows(tier, columnClass))
                {
                    var rule = columnClass == ColumnClass.RawContent
                        ? "Raw content needs tier confidential or restricted (encrypted, operators only)."
                        : "Invertible features (log-mel can be vocoded back to speech) need tier internal or above.";
                    throw new PipelinePolicyException(route.Table, name, columnClass, tier, rule);
                }
            }
        }
    }

    /// <summary>The tier's name as written in pipelines (<c>public</c>, <c>internal</c>, …).</summary>
    public static string Name(SensitivityTier tier) => tier.ToString().ToLowerInvariant();

    /// <summary>The class's name as written in pipelines (<c>rawContent</c> → <c>raw-content</c> in messages).</summary>
    public static string Name(ColumnClass columnClass) => columnClass switch
    {
        ColumnClass.RawContent => "raw content",
        ColumnClass.DerivedInvertible => "derived, invertible",
        _ => columnClass.ToString().ToLowerInvariant(),
    };
}
