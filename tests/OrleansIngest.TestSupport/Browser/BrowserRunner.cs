using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.TestSupport.Browser;

/// <summary>
/// Runs a <see cref="BrowserScenario"/> in Debian's <c>chromium</c>, driven by npm <c>playwright-core</c> through
/// <c>tests/tools/browser/run-scenario.mjs</c>. The browser reaches nothing but 127.0.0.1 (host-resolver and
/// proxy switches, DESIGN §12). Screenshots and <c>result.json</c> go to
/// <c>artifacts/test-results/screenshots/&lt;Class.Test&gt;/</c>, which CI keeps.
/// </summary>
public static class BrowserRunner
{
    /// <summary>Environment variable naming the chromium executable when it is not <c>chromium</c> on the PATH.</summary>
    public const string ChromiumVariable = "ORLEANSINGEST_CHROMIUM";

    private const string DebianChromium = "/usr/lib/chromium/chromium";
    private const string ScriptPath = "browser/run-scenario.mjs";
    private const string SetupHint = "run scripts/setup.sh (it installs them with apt-get: nodejs, npm, chromium)";

    private static readonly TimeSpan LaunchAllowance = TimeSpan.FromSeconds(60);

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>The folder for one test's screenshots: <c>artifacts/test-results/screenshots/&lt;testName&gt;</c> under the repository root.</summary>
    public static string ArtifactsDirectoryFor(string testName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(testName);
        var safe = string.Concat(testName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '_'));
        return Path.Combine(TestTools.RepositoryRoot, "artifacts", "test-results", "screenshots", safe);
    }

    /// <summary>
    /// The chromium executable: <see cref="ChromiumVariable"/>, else Debian's <c>/usr/lib/chromium/chromium</c>,
    /// else <c>chromium</c> or <c>chromium-browser</c> on the PATH.
    /// </summary>
    /// <exception cref="InvalidOperationException">No chromium is installed.</exception>
    public static string FindChromium()
    {
        var configured = Environment.GetEnvironmentVariable(ChromiumVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{ChromiumVariable} names {configured}, which does not exist.");
        }

        // Debian's /usr/bin/chromium is a shell launcher that adds its own switches (remote extensions, Google API
        // keys from /etc/chromium.d); the binary behind it runs with only the harness's switches.
        if (File.Exists(DebianChromium))
        {
            return DebianChromium;
        }

        return FindOnPath("chromium") ?? FindOnPath("chromium-browser")
            ?? throw new InvalidOperationException($"chromium is not installed (browser tests drive Debian's chromium); {SetupHint}.");
    }

    /// <summary>
    /// Runs the scenario and returns its result; a failed step is a result with <see cref="BrowserResult.Succeeded"/>
    /// false (assert on it with <see cref="BrowserResult.Describe"/>), not an exception.
    /// </summary>
    /// <param name="scenario">The steps to run.</param>
    /// <param name="timeout">Kills the browser and Node after this; default 60 s plus every step's bound.</param>
    /// <param name="testName">Names the artefacts folder; defaults to <c>&lt;file&gt;.&lt;caller&gt;</c>, i.e. <c>TestClass.TestMethod</c>.</param>
    /// <param name="callerFile">Filled in by the compiler.</param>
    /// <param name="cancellationToken">Cancels the run (the browser is killed).</param>
    /// <exception cref="InvalidOperationException">Node, npm or chromium is missing, or the scenario could not be run at all.</exception>
    /// <exception cref="TimeoutException">The run took longer than <paramref name="timeout"/>.</exception>
    public static async Task<BrowserResult> RunAsync(
        BrowserScenario scenario,
        TimeSpan? timeout = null,
        [CallerMemberName] string testName = "",
        [CallerFilePath] string callerFile = "",
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var chromium = FindChromium();
        if (FindOnPath("node") is null)
        {
            throw new InvalidOperationException($"Node.js is not installed (it runs Playwright for the browser tests); {SetupHint}.");
        }

        await TestTools.EnsureNodePackagesAsync(cancellationToken);
        var artifacts = ArtifactsDirectoryFor($"{Path.GetFileNameWithoutExtension(callerFile)}.{testName}".TrimStart('.'));
        Directory.CreateDirectory(artifacts);

        var stepBound = scenario.StepTimeout;
        var limit = timeout ?? LaunchAllowance + scenario.Steps.Aggregate(
            TimeSpan.Zero, (sum, step) => sum + (step.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : stepBound));

        // The scenario may carry secrets (an admin token): it goes through a private temp file, not the artefacts.
        using var temp = new TempDirectory("oi-browser");
        var scenarioFile = temp.Combine("scenario.json");
        await File.WriteAllTextAsync(scenarioFile, JsonSerializer.Serialize(new ScenarioDocument(
            scenario.BaseUrl.AbsoluteUri,
            artifacts,
            chromium,
            (int)Math.Ceiling(stepBound.TotalMilliseconds),
            new ViewportDocument(scenario.Viewport.Width, scenario.Viewport.Height),
            scenario.Steps), JsonOptions), cancellationToken);

        var toolsDirectory = TestTools.ToolsDirectory;
        var run = await TestTools.RunAsync("node", [Path.Combine(toolsDirectory, ScriptPath), scenarioFile], toolsDirectory, limit, cancellationToken);
        var output = run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        if (run.ExitCode != 0 || output is null)
        {
            throw new InvalidOperationException(
                $"The browser scenario could not be run (exit code {run.ExitCode}): {run.StandardError.Trim()}");
        }

        var result = JsonSerializer.Deserialize<BrowserResult>(output, JsonOptions)
            ?? throw new InvalidOperationException($"run-scenario.mjs printed no result: {output}");
        return result with { ArtifactsDirectory = artifacts };
    }

    private static string? FindOnPath(string program)
    {
        foreach (var folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, program);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private sealed record ViewportDocument(
        [property: JsonPropertyName("width")] int Width,
        [property: JsonPropertyName("height")] int Height);

    private sealed record ScenarioDocument(
        [property: JsonPropertyName("baseUrl")] string BaseUrl,
        [property: JsonPropertyName("artifactsDir")] string ArtifactsDir,
        [property: JsonPropertyName("chromiumPath")] string ChromiumPath,
        [property: JsonPropertyName("stepTimeoutMs")] int StepTimeoutMs,
        [property: JsonPropertyName("viewport")] ViewportDocument Viewport,
        [property: JsonPropertyName("steps")] IReadOnlyList<BrowserStep> Steps);
}
