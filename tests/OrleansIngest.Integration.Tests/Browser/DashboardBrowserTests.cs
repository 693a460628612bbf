using System.Globalization;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.Silo.Admin;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Browser;

namespace OrleansIngest.Integration.Tests.Browser;

/// <summary>
/// The web UI in chromium against a real dashboard host: sign in with the admin token, watch a job's progress move
/// live, steer it, and retry a repaired quarantined file until it is committed. Screenshots of the overview, job,
/// silos and quarantine pages are kept under artifacts/test-results/screenshots/.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DashboardBrowserTests : IAsyncLifetime
{
    private const int Files = 12;
    private const string JobId = "job-browser";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly TimeSpan JobBound = TimeSpan.FromMinutes(3);

    // Records every distinct text the progress percentage shows, so the test sees it move without a reload.
    private const string WatchProgress = """
        (() => {
          const element = document.querySelector('[data-testid="job-progress-percent"]');
          window.seenProgress = [element.textContent];
          new MutationObserver(() => {
            const text = element.textContent;
            if (window.seenProgress[window.seenProgress.length - 1] !== text) window.seenProgress.push(text);
          }).observe(element, { childList: true, characterData: true, subtree: true });
          window.sameDocument = 'job page';
          return window.seenProgress.length;
        })()
        """;

    private readonly TempDirectory _temp = new("oi-dashboard-browser");
    private DashboardBrowserHost _host = null!;

    public async Task InitializeAsync() => _host = await DashboardBrowserHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        _temp.Dispose();
    }

    [Fact]
    public async Task Dashboard_UnauthenticatedVisitsEndOnTheSignInPage()
    {
        var scenario = new BrowserScenario(_host.Address)
            .Goto("/")
            .WaitForUrl("/signin\\?returnUrl=%2F$")
            .WaitFor(BrowserTarget.ByLabel("Admin token"))
            .Goto("/jobs/some-job/quarantine")
            .WaitForUrl("/signin\\?returnUrl=%2Fjobs%2Fsome-job%2Fquarantine$")
            .Evaluate("ui", "fetch('/ui/app.js', { redirect: 'manual' }).then(r => r.type === 'opaqueredirect' ? 'redirected' : String(r.status))")
            .Evaluate("api", "fetch('/api/jobs').then(r => r.status)");

        var result = await BrowserRunner.RunAsync(scenario);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Contains("/signin", result.FinalUrl, StringComparison.Ordinal);
        // The UI's own files are protected like its pages; the API answers 401 rather than redirecting.
        Assert.Equal("redirected", result.Text("ui"));
        Assert.Equal("401", result.Text("api"));
        Assert.Empty(result.PageErrors);
    }

    [Fact]
    public async Task Dashboard_SignedInOperatorWatchesAJobMoveAndRetriesARepairedFileUntilItIsCommitted()
    {
        var (source, damaged, good, stamp) = await CorpusWithOneDamagedFileAsync();
        await _host.Admin.StartJobAsync(new StartJobRequest(source, _temp.Combine("out"), null, JobId, false, null, null));
        Assert.True(await _host.Admin.PauseJobAsync(JobId));
        // Paused before the browser looks: units in flight finished, the rest wait for the operator's Resume.
        var paused = await WaitForJobAsync(d => d.Summary.Phase == "paused" && d.Summary.Units == Files && d.Summary.Leased == 0);
        Assert.True(paused.Summary.Pending > 0, $"the job finished before it could be paused: {paused.Summary}");

        var watch = new BrowserScenario(_host.Address) { StepTimeout = TimeSpan.FromSeconds(20) }
            .Goto("/")
            .WaitForUrl("/signin")
            .Fill(BrowserTarget.ByLabel("Admin token"), _host.Token)
            .Click(BrowserTarget.ByRole("button", "Sign in"))
            .WaitForUrl("/$")
            .WaitForText(BrowserTarget.ByTestId("silos-up"), pattern: "^1 / 1$")
            .WaitForText(BrowserTarget.ByTestId("job-phase"), text: "paused")
            .WaitForText(BrowserTarget.ByTestId("live-status"), text: "Live")
            .WaitFor(BrowserTarget.Css("[data-testid='throughput-chart']"))
            .Read("overviewUnits", BrowserTarget.ByTestId("job-units"))
            .Screenshot("overview")
            .Click(BrowserTarget.ByRole("link", JobId, exact: true))
            .WaitForUrl($"/jobs/{JobId}$")
            .WaitForText(BrowserTarget.ByTestId("job-phase"), text: "paused")
            .Evaluate("watching", WatchProgress)
            .Read("percentBefore", BrowserTarget.ByTestId("job-progress-percent"))
            .Click(BrowserTarget.ByRole("button", "Resume", exact: true))
            .WaitForText(BrowserTarget.ByTestId("action-status"), text: "Resumed")
            .WaitForText(BrowserTarget.ByTestId("job-phase"), text: "completed", timeout: JobBound)
            .WaitForText(BrowserTarget.ByTestId("job-progress-percent"), text: "100.0 %")
            .Read("percentAfter", BrowserTarget.ByTestId("job-progress-percent"))
            .Read("committedAfterRun", BrowserTarget.ByTestId("job-committed"))
            .WaitFor(BrowserTarget.Css("[data-testid='silo-shares'] li"))
            .WaitFor(BrowserTarget.Css("[data-testid='commits-table'] tbody tr"))
            .Evaluate("progressSeen", "window.seenProgress")
            .Evaluate("sameDocument", "window.sameDocument ?? null")
            .Screenshot("job", fullPage: true)
            .Click(BrowserTarget.Css("nav a[data-nav='overview']"))
            .WaitForText(BrowserTarget.ByTestId("job-phase"), text: "completed")
            // The chart redraws from the API every 5 s; the cluster's throughput report follows the commits.
            .Add(new BrowserStep { Action = "waitFor", Target = BrowserTarget.Css("svg[data-testid='throughput-chart']:not([data-peak='0'])"), TimeoutMs = 60_000 })
            .Read("peak", BrowserTarget.ByTestId("throughput-chart"), attribute: "data-peak")
            .Screenshot("overview-completed")
            .Click(BrowserTarget.ByRole("link", "Silos", exact: true))
            .WaitForText(BrowserTarget.ByTestId("silo-provider"), pattern: "^silero_vad=cpu; sensor_anomaly=cpu$")
            .WaitForText(BrowserTarget.ByTestId("silo-status"), text: "active")
            .Read("siloCores", BrowserTarget.ByTestId("silo-cores"))
            .Read("siloGpus", BrowserTarget.ByTestId("silo-gpus"))
            .Read("siloGpuMemory", BrowserTarget.ByTestId("silo-gpu-memory"))
            .Read("siloWeight", BrowserTarget.ByTestId("silo-weight"))
            .Read("siloLanes", BrowserTarget.ByTestId("silo-lanes"))
            .Read("siloVadBatch", BrowserTarget.ByTestId("silo-vad-batch"))
            .Screenshot("silos")
            .Goto($"/jobs/{JobId}/quarantine")
            .WaitForText(BrowserTarget.ByTestId("quarantine-reason"), pattern: "\\S")
            .Read("reason", BrowserTarget.ByTestId("quarantine-reason"))
            .Evaluate("rows", "document.querySelectorAll('[data-testid=\"quarantine-row\"]').length")
            .Screenshot("quarantine");

        var watched = await BrowserRunner.RunAsync(watch, testName: "Watch");

        Assert.True(watched.Succeeded, watched.Describe());
        Assert.Equal(Files.ToString(CultureInfo.InvariantCulture), watched.Text("overviewUnits"));
        var before = Percent(watched.Text("percentBefore"));
        var after = Percent(watched.Text("percentAfter"));
        Assert.True(after > before, $"progress did not grow: {before} → {after}");
        // Seen moving on the same page, without a reload, each value larger than the one before.
        Assert.Equal("job page", watched.Text("sameDocument"));
        var seen = watched.Values["progressSeen"].EnumerateArray().Select(v => Percent(v.GetString())).ToList();
        Assert.True(seen.Count >= 2, $"progress seen: {string.Join(", ", seen)}");
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(Files - 1, int.Parse(watched.Text("committedAfterRun")!, CultureInfo.InvariantCulture));
        Assert.Equal("1", watched.Text("rows"));
        Assert.True(double.Parse(watched.Text("peak")!, CultureInfo.InvariantCulture) > 0);
        // The simulated capacity as the Silos page shows it; the VAD batch resolved for the CPU provider.
        Assert.Equal("6", watched.Text("siloCores"));
        Assert.Equal("2", watched.Text("siloGpus"));
        Assert.Equal("160 GiB", watched.Text("siloGpuMemory"));
        Assert.Equal("1.4", watched.Text("siloWeight"));
        Assert.Equal("1", watched.Text("siloLanes"));
        Assert.Equal("64", watched.Text("siloVadBatch"));
        var quarantined = Assert.Single((await _host.Admin.ListQuarantineAsync(JobId))!);
        Assert.Equal(quarantined.Reason, watched.Text("reason"));
        Assert.Empty(watched.PageErrors);
        Assert.Empty(watched.ConsoleErrors);
        foreach (var name in new[] { "overview", "job", "overview-completed", "silos", "quarantine" })
        {
            Assert.True(new FileInfo(watched.Screenshot(name).Path).Length > 0, $"{name}.png is empty");
        }

        // The operator repairs the source (copied again, same size and modification time: the same version) ...
        await File.WriteAllBytesAsync(damaged, good);
        File.SetLastWriteTimeUtc(damaged, stamp);

        // ... and retries it from the quarantine page in a new browser session.
        var retry = new BrowserScenario(_host.Address) { StepTimeout = TimeSpan.FromSeconds(20) }
            .Goto($"/jobs/{JobId}/quarantine")
            .WaitForUrl("/signin")
            .Fill(BrowserTarget.ByLabel("Admin token"), _host.Token)
            .Click(BrowserTarget.ByRole("button", "Sign in"))
            .WaitForUrl($"/jobs/{JobId}/quarantine$")
            .WaitForText(BrowserTarget.ByTestId("quarantine-job-committed"), text: (Files - 1).ToString(CultureInfo.InvariantCulture))
            .WaitFor(BrowserTarget.ByTestId("quarantine-row"))
            .Click(BrowserTarget.Css("[data-testid='quarantine-row'] button"))
            .WaitForText(BrowserTarget.ByTestId("retry-status"), text: "Released 1 and queued 1 again")
            .WaitFor(BrowserTarget.ByTestId("quarantine-row"), state: "detached")
            .WaitFor(BrowserTarget.ByTestId("quarantine-empty"))
            .WaitForText(BrowserTarget.ByTestId("quarantine-job-committed"), pattern: $"^{Files}$", timeout: JobBound)
            .WaitForText(BrowserTarget.ByTestId("quarantine-job-quarantined"), pattern: "^0$")
            .Evaluate("rowsAfter", "document.querySelectorAll('[data-testid=\"quarantine-row\"]').length")
            .Screenshot("quarantine-retried");

        var retried = await BrowserRunner.RunAsync(retry, testName: "Retry");

        Assert.True(retried.Succeeded, retried.Describe());
        Assert.Equal("0", retried.Text("rowsAfter"));
        Assert.Empty(retried.PageErrors);
        Assert.Empty(retried.ConsoleErrors);
        var done = (await _host.Admin.GetJobAsync(JobId))!;
        Assert.Equal(Files, done.Summary.Committed);
        Assert.Equal(0, done.Summary.Quarantined);
        Assert.Empty((await _host.Admin.ListQuarantineAsync(JobId))!);
    }

    private static double Percent(string? text)
    {
        Assert.NotNull(text);
        Assert.EndsWith(" %", text, StringComparison.Ordinal);
        return double.Parse(text[..^2], CultureInfo.InvariantCulture);
    }

    // Sensor files only (fast), the first damaged in transit: one byte of its first timestamp differs while its size
    // and modification time are the original's, so the repaired copy is the same version.
    private async Task<(string Source, string Damaged, byte[] Good, DateTime Stamp)> CorpusWithOneDamagedFileAsync()
    {
        var source = _temp.Combine("source");
        CorpusGenerator.Generate(source, new CorpusSettings(AudioMinutes: 0, SensorFiles: Files, BadFiles: 0, Seed: 7));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".csv", StringComparison.Ordinal)))
        {
            File.Delete(file);
        }

        var damaged = Directory.GetFiles(source, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var good = await File.ReadAllBytesAsync(damaged);
        var stamp = File.GetLastWriteTimeUtc(damaged);
        var bad = (byte[])good.Clone();
        bad[Array.IndexOf(good, (byte)'\n') + 1] = (byte)'x';
        await File.WriteAllBytesAsync(damaged, bad);
        File.SetLastWriteTimeUtc(damaged, stamp);
        return (source, damaged, good, stamp);
    }

    private async Task<JobDetail> WaitForJobAsync(Func<JobDetail, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            var detail = await _host.Admin.GetJobAsync(JobId);
            if (detail is not null && condition(detail))
            {
                return detail;
            }

            Assert.True(DateTime.UtcNow < deadline, $"not reached within {Timeout}: {detail?.Summary}");
            await Task.Delay(200);
        }
    }
}
