using System.Text.Json.Serialization;

namespace OrleansIngest.TestSupport.Browser;

/// <summary>
/// One step of a <see cref="BrowserScenario"/>, as <c>tests/tools/browser/run-scenario.mjs</c> reads it; build
/// steps with the scenario's methods rather than by hand.
/// </summary>
public sealed record BrowserStep
{
    [JsonPropertyName("action")]
    public required string Action { get; init; }

    [JsonPropertyName("target")]
    public BrowserTarget? Target { get; init; }

    [JsonPropertyName("url")]
    public string? Url { get; init; }

    [JsonPropertyName("value")]
    public string? Value { get; init; }

    [JsonPropertyName("key")]
    public string? Key { get; init; }

    [JsonPropertyName("state")]
    public string? State { get; init; }

    [JsonPropertyName("text")]
    public string? Text { get; init; }

    [JsonPropertyName("pattern")]
    public string? Pattern { get; init; }

    [JsonPropertyName("attribute")]
    public string? Attribute { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("expression")]
    public string? Expression { get; init; }

    [JsonPropertyName("fullPage")]
    public bool? FullPage { get; init; }

    /// <summary>This step's bound in milliseconds, instead of the scenario's <see cref="BrowserScenario.StepTimeout"/>.</summary>
    [JsonPropertyName("timeoutMs")]
    public int? TimeoutMs { get; init; }
}
