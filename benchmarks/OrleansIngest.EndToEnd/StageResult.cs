using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.EndToEnd;

/// <summary>One measured figure, written as a JSON line that benchmarks/e2e/report.mjs puts into the table.</summary>
/// <param name="Stage">Stable key shared with the peers' lines (<c>logmel</c>, <c>vad.batch32</c>, …).</param>
/// <param name="Implementation">Who was measured (<c>orleans-ingest</c> or the peer's name).</param>
/// <param name="Description">What was measured, in words.</param>
/// <param name="Value">The figure.</param>
/// <param name="Unit"><c>x_realtime</c> (media seconds per second, one core), <c>mb_per_s</c>, <c>files_per_s</c>, <c>mb</c>, <c>share</c>.</param>
/// <param name="Detail">Supporting numbers (media seconds, best run seconds, sizes).</param>
internal sealed record StageResult(
    string Stage,
    string Implementation,
    string Description,
    double Value,
    string Unit,
    IReadOnlyDictionary<string, double>? Detail = null)
{
    public const string Ours = "orleans-ingest";

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static StageResult RealTime(string stage, string description, double mediaSeconds, double seconds) =>
        new(stage, Ours, description, mediaSeconds / seconds, "x_realtime", new Dictionary<string, double> { ["media_s"] = mediaSeconds, ["best_s"] = seconds });

    public string ToJsonLine() => JsonSerializer.Serialize(this, Json);
}
