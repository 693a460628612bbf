using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.TestSupport.Browser;

/// <summary>What happened to one step: <c>passed</c>, <c>failed</c> (with the error) or <c>skipped</c> after a failure.</summary>
public sealed record BrowserStepResult(
    [property: JsonPropertyName("index")] int Index,
    [property: JsonPropertyName("action")] string Action,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("error")] string? Error,
    [property: JsonPropertyName("value")] JsonElement? Value)
{
    /// <summary>Whether the step ran and succeeded.</summary>
    public bool Passed => Status == "passed";
}

/// <summary>A screenshot file the scenario saved (<c>failure</c> is taken automatically when a step fails).</summary>
public sealed record BrowserScreenshot(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("bytes")] long Bytes);

/// <summary>A request the browser could not complete (refused, blocked by the isolation, aborted).</summary>
public sealed record BrowserFailedRequest(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("error")] string Error);

/// <summary>A response with status 400 or more.</summary>
public sealed record BrowserHttpError(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("status")] int Status);

/// <summary>The outcome of a <see cref="BrowserScenario"/>, as printed by <c>run-scenario.mjs</c>.</summary>
public sealed record BrowserResult
{
    /// <summary>Every step passed.</summary>
    [JsonPropertyName("ok")]
    public bool Succeeded { get; init; }

    [JsonPropertyName("browserVersion")]
    public string? BrowserVersion { get; init; }

    /// <summary>The page URL after the last step that ran.</summary>
    [JsonPropertyName("finalUrl")]
    public string? FinalUrl { get; init; }

    [JsonPropertyName("steps")]
    public IReadOnlyList<BrowserStepResult> Steps { get; init; } = [];

    /// <summary>What <c>Read</c> and <c>Evaluate</c> steps stored, by name.</summary>
    [JsonPropertyName("values")]
    public IReadOnlyDictionary<string, JsonElement> Values { get; init; } = new Dictionary<string, JsonElement>();

    [JsonPropertyName("screenshots")]
    public IReadOnlyList<BrowserScreenshot> Screenshots { get; init; } = [];

    /// <summary><c>console.error</c> messages and resource-load errors the page logged.</summary>
    [JsonPropertyName("consoleErrors")]
    public IReadOnlyList<string> ConsoleErrors { get; init; } = [];

    /// <summary>Uncaught exceptions in the page's scripts.</summary>
    [JsonPropertyName("pageErrors")]
    public IReadOnlyList<string> PageErrors { get; init; } = [];

    [JsonPropertyName("failedRequests")]
    public IReadOnlyList<BrowserFailedRequest> FailedRequests { get; init; } = [];

    [JsonPropertyName("httpErrors")]
    public IReadOnlyList<BrowserHttpError> HttpErrors { get; init; } = [];

    /// <summary>The folder holding this run's screenshots and <c>result.json</c>.</summary>
    [JsonIgnore]
    public string ArtifactsDirectory { get; init; } = "";

    /// <summary>The value a <c>Read</c> step stored as text (a JSON string's content, or the raw JSON otherwise).</summary>
    /// <exception cref="KeyNotFoundException">No step stored a value under <paramref name="name"/>.</exception>
    public string? Text(string name) => Values.TryGetValue(name, out var value)
        ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Null => null,
            _ => value.GetRawText(),
        }
        : throw new KeyNotFoundException($"No step stored a value named '{name}'; stored: {string.Join(", ", Values.Keys)}.");

    /// <summary>The saved screenshot with that name.</summary>
    /// <exception cref="KeyNotFoundException">The scenario saved no such screenshot.</exception>
    public BrowserScreenshot Screenshot(string name) => Screenshots.FirstOrDefault(shot => shot.Name == name)
        ?? throw new KeyNotFoundException($"No screenshot named '{name}'; saved: {string.Join(", ", Screenshots.Select(shot => shot.Name))}.");

    /// <summary>A readable account of the run for assertion messages: each step, then the page's errors.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"browser scenario {(Succeeded ? "passed" : "FAILED")} (chromium {BrowserVersion}, final URL {FinalUrl}, artefacts {ArtifactsDirectory})");
        foreach (var step in Steps)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  {step.Index}. {step.Action}: {step.Status}{(step.Error is null ? "" : " — " + step.Error)}");
        }

        foreach (var error in PageErrors)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  page error: {error}");
        }

        foreach (var error in ConsoleErrors)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  console error: {error}");
        }

        foreach (var request in FailedRequests)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  failed request: {request.Method} {request.Url} — {request.Error}");
        }

        foreach (var response in HttpErrors)
        {
            text.AppendLine().Append(CultureInfo.InvariantCulture, $"  HTTP {response.Status}: {response.Url}");
        }

        return text.ToString();
    }
}
