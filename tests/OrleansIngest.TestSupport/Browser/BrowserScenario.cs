namespace OrleansIngest.TestSupport.Browser;

/// <summary>
/// A list of browser steps against one site on 127.0.0.1, built fluently and run by <see cref="BrowserRunner"/>.
/// Steps stop at the first failure; waits are bounded by <see cref="StepTimeout"/> (or a step's own bound).
/// </summary>
/// <example>
/// <code>
/// var scenario = new BrowserScenario(host.Address)
///     .Goto("/")
///     .Fill(BrowserTarget.ByLabel("Admin token"), token)
///     .Click(BrowserTarget.ByRole("button", "Sign in"))
///     .WaitForText(BrowserTarget.Css("#progress"), pattern: "[1-9][0-9]* %")
///     .Screenshot("job");
/// var result = await BrowserRunner.RunAsync(scenario, nameof(MyTest));
/// Assert.True(result.Succeeded, result.Describe());
/// </code>
/// </example>
public sealed class BrowserScenario
{
    private readonly List<BrowserStep> _steps = [];

    /// <param name="baseUrl">The site under test; relative <see cref="Goto"/> URLs resolve against it.</param>
    public BrowserScenario(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        BaseUrl = baseUrl;
    }

    /// <summary>The site under test.</summary>
    public Uri BaseUrl { get; }

    /// <summary>The bound on each step's waiting (navigation, finding an element, a text to appear). Default 10 s.</summary>
    public TimeSpan StepTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The page size in CSS pixels; screenshots have this size unless full-page.</summary>
    public (int Width, int Height) Viewport { get; init; } = (1280, 800);

    /// <summary>The steps in order.</summary>
    public IReadOnlyList<BrowserStep> Steps => _steps;

    /// <summary>Adds any step (for the options the helpers below do not expose).</summary>
    public BrowserScenario Add(BrowserStep step)
    {
        ArgumentNullException.ThrowIfNull(step);
        _steps.Add(step);
        return this;
    }

    /// <summary>Navigates to <paramref name="url"/> (relative to <see cref="BaseUrl"/> or absolute) and waits for load; the step's value is the HTTP status.</summary>
    public BrowserScenario Goto(string url) => Add(new BrowserStep { Action = "goto", Url = url });

    /// <summary>Types <paramref name="value"/> into the input, replacing what was there.</summary>
    public BrowserScenario Fill(BrowserTarget target, string value) => Add(new BrowserStep { Action = "fill", Target = target, Value = value });

    /// <summary>Clicks the element once it is visible, enabled and stable.</summary>
    public BrowserScenario Click(BrowserTarget target) => Add(new BrowserStep { Action = "click", Target = target });

    /// <summary>Presses a key (<c>Enter</c>, <c>Tab</c>, <c>Control+A</c>) in the element.</summary>
    public BrowserScenario Press(BrowserTarget target, string key) => Add(new BrowserStep { Action = "press", Target = target, Key = key });

    /// <summary>Waits until the first match reaches <paramref name="state"/>: <c>visible</c>, <c>hidden</c>, <c>attached</c> or <c>detached</c>.</summary>
    public BrowserScenario WaitFor(BrowserTarget target, string state = "visible") =>
        Add(new BrowserStep { Action = "waitFor", Target = target, State = state });

    /// <summary>
    /// Waits until the first match's text contains <paramref name="text"/> or matches the JavaScript regular
    /// expression <paramref name="pattern"/> (give one); the step's value is the text seen.
    /// </summary>
    public BrowserScenario WaitForText(BrowserTarget target, string? text = null, string? pattern = null, TimeSpan? timeout = null)
    {
        if ((text is null) == (pattern is null))
        {
            throw new ArgumentException("Give either a text or a pattern to wait for.", nameof(text));
        }

        return Add(new BrowserStep { Action = "waitFor", Target = target, Text = text, Pattern = pattern, TimeoutMs = Milliseconds(timeout) });
    }

    /// <summary>Waits until the page URL matches the JavaScript regular expression (after a redirect or a form post).</summary>
    public BrowserScenario WaitForUrl(string pattern) => Add(new BrowserStep { Action = "waitForUrl", Pattern = pattern });

    /// <summary>Fails unless the element (default: the whole page) shows <paramref name="text"/> now.</summary>
    public BrowserScenario AssertText(string text, BrowserTarget? target = null) =>
        Add(new BrowserStep { Action = "assertText", Text = text, Target = target });

    /// <summary>
    /// Stores the element's text (an input's value, or <paramref name="attribute"/> when given) under
    /// <paramref name="name"/> in <see cref="BrowserResult.Values"/>.
    /// </summary>
    public BrowserScenario Read(string name, BrowserTarget target, string? attribute = null) =>
        Add(new BrowserStep { Action = "read", Name = name, Target = target, Attribute = attribute });

    /// <summary>
    /// Evaluates a JavaScript expression in the page (a promise is awaited) and stores its JSON value under
    /// <paramref name="name"/> in <see cref="BrowserResult.Values"/>.
    /// </summary>
    public BrowserScenario Evaluate(string name, string expression) =>
        Add(new BrowserStep { Action = "evaluate", Name = name, Expression = expression });

    /// <summary>Saves <c>&lt;name&gt;.png</c> in the test's artefacts folder: the viewport, the full page, or one element.</summary>
    public BrowserScenario Screenshot(string name, BrowserTarget? target = null, bool fullPage = false) =>
        Add(new BrowserStep { Action = "screenshot", Name = name, Target = target, FullPage = fullPage ? true : null });

    private static int? Milliseconds(TimeSpan? timeout) => timeout is { } value ? (int)Math.Ceiling(value.TotalMilliseconds) : null;
}
