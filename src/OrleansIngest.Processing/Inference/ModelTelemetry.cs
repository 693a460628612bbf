using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using OrleansIngest.Processing.Diagnostics;

namespace OrleansIngest.Processing.Inference;

/// <summary>
/// The <c>orleans_ingest.model.sessions</c> gauge: one series per loaded model session (value 1), tagged with the model,
/// its version, the provider asked for and the provider it really runs on, so a dashboard shows which node runs what where.
/// </summary>
public static class ModelTelemetry
{
    /// <summary>Gauge name.</summary>
    public const string SessionsMetric = "orleans_ingest.model.sessions";

    /// <summary>Tag: model name.</summary>
    public const string ModelTag = "model";

    /// <summary>Tag: model lineage version.</summary>
    public const string VersionTag = "model_version";

    /// <summary>Tag: provider asked for.</summary>
    public const string RequestedProviderTag = "requested_provider";

    /// <summary>Tag: provider the session runs on.</summary>
    public const string ProviderTag = "provider";

    private static readonly ConcurrentDictionary<string, TagList> Sessions = new(StringComparer.Ordinal);

    private static readonly ObservableGauge<int> SessionsGauge = PipelineTelemetry.Meter.CreateObservableGauge(
        SessionsMetric,
        static () => Sessions.Values.Select(static tags => new Measurement<int>(1, tags)),
        "{session}",
        "Model sessions loaded on this process, by model and the execution provider they really run on.");

    /// <summary>Records a created session (idempotent per model version and provider).</summary>
    public static void RecordSession(string model, string modelVersion, string requestedProvider, string actualProvider)
    {
        _ = SessionsGauge;
        Sessions[$"{model}|{modelVersion}|{actualProvider}"] = new TagList
        {
            { ModelTag, model },
            { VersionTag, modelVersion },
            { RequestedProviderTag, requestedProvider },
            { ProviderTag, actualProvider },
        };
    }

    /// <summary>The sessions recorded so far as (model, version, requested, actual) tuples.</summary>
    public static IReadOnlyList<(string Model, string Version, string RequestedProvider, string ActualProvider)> Snapshot() =>
        [.. Sessions.Values.Select(static t => (Tag(t, ModelTag), Tag(t, VersionTag), Tag(t, RequestedProviderTag), Tag(t, ProviderTag)))];

    private static string Tag(TagList tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value as string ?? "";
            }
        }

        return "";
    }
}
