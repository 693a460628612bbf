using System.Text.Json.Serialization;

namespace OrleansIngest.TestSupport.Browser;

/// <summary>
/// How a step finds an element, in Playwright's terms: exactly one of a CSS selector, an ARIA role (with its
/// accessible name), visible text, a label, a placeholder or a <c>data-testid</c>.
/// </summary>
public sealed record BrowserTarget
{
    [JsonPropertyName("selector")]
    public string? Selector { get; init; }

    [JsonPropertyName("role")]
    public string? Role { get; init; }

    [JsonPropertyName("name")]
    public string? Name { get; init; }

    [JsonPropertyName("text")]
    public string? Text { get; init; }

    [JsonPropertyName("label")]
    public string? Label { get; init; }

    [JsonPropertyName("placeholder")]
    public string? Placeholder { get; init; }

    [JsonPropertyName("testId")]
    public string? TestId { get; init; }

    /// <summary>Whole-string, case-sensitive matching of name, text, label and placeholder (default: substring).</summary>
    [JsonPropertyName("exact")]
    public bool? Exact { get; init; }

    /// <summary>Elements matching a CSS selector (<c>#count</c>, <c>form button[type=submit]</c>).</summary>
    public static BrowserTarget Css(string selector) => new() { Selector = selector };

    /// <summary>Elements with an ARIA role (<c>button</c>, <c>link</c>, <c>heading</c>…) and, when given, that accessible name.</summary>
    public static BrowserTarget ByRole(string role, string? name = null, bool exact = false) =>
        new() { Role = role, Name = name, Exact = exact ? true : null };

    /// <summary>Elements whose visible text contains <paramref name="text"/> (equals it with <paramref name="exact"/>).</summary>
    public static BrowserTarget ByText(string text, bool exact = false) => new() { Text = text, Exact = exact ? true : null };

    /// <summary>Form controls labelled <paramref name="label"/> (<c>&lt;label&gt;</c> or <c>aria-label</c>).</summary>
    public static BrowserTarget ByLabel(string label, bool exact = false) => new() { Label = label, Exact = exact ? true : null };

    /// <summary>Inputs with that placeholder text.</summary>
    public static BrowserTarget ByPlaceholder(string placeholder) => new() { Placeholder = placeholder };

    /// <summary>Elements with that <c>data-testid</c> attribute.</summary>
    public static BrowserTarget ByTestId(string testId) => new() { TestId = testId };
}
