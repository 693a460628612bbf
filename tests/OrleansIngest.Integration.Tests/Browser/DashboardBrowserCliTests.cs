using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Browser;

namespace OrleansIngest.Integration.Tests.Browser;

/// <summary>
/// The web UI as the CLI serves it: <c>orleans-ingest subscribe … --dashboard-port D --admin-token-file F</c> in its
/// own process. A person signs in with the token from the file, finds the job, and retries a quarantined file that was
/// repaired; the job's committed count rises on the page.
/// </summary>
[Trait("Category", "Browser")]
public sealed class DashboardBrowserCliTests
{
    private const int Files = 6;
    private const string JobId = "job-cli";
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Dashboard_ServedByTheCli_LetsAnOperatorRetryARepairedFileUntilItIsCommitted()
    {
        using var temp = new TempDirectory("oi-dashboard-cli");
        var source = temp.Combine("source");
        CorpusGenerator.Generate(source, new CorpusSettings(AudioMinutes: 0, SensorFiles: Files, BadFiles: 0, Seed: 5));
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith(".csv", StringComparison.Ordinal)))
        {
            File.Delete(file);
        }

        // Damaged in transit: one byte of the first timestamp differs; size and modification time are the original's.
        var damaged = Directory.GetFiles(source, "*.csv", SearchOption.AllDirectories).Order(StringComparer.Ordinal).First();
        var good = await File.ReadAllBytesAsync(damaged);
        var stamp = File.GetLastWriteTimeUtc(damaged);
        var bad = (byte[])good.Clone();
        bad[Array.IndexOf(good, (byte)'\n') + 1] = (byte)'x';
        await File.WriteAllBytesAsync(damaged, bad);
        File.SetLastWriteTimeUtc(damaged, stamp);

        var port = ClusterScenario.FreePort();
        var tokenFile = temp.Combine("admin.token");
        using var process = CliRunner.Start(
            "subscribe", "--source", source, "--output", temp.Combine("out"), "--job-id", JobId, "--lanes", "1",
            "--dashboard-port", port.ToString(CultureInfo.InvariantCulture), "--admin-token-file", tokenFile);
        var deadline = DateTime.UtcNow + Timeout;
        while (!File.Exists(tokenFile) || new FileInfo(tokenFile).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, process.Output);
            await Task.Delay(200);
        }

        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        var address = new Uri($"http://127.0.0.1:{port}/");
        using var api = new HttpClient { BaseAddress = address };
        api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Settled before the browser looks: every good file committed, the damaged one quarantined.
        await WaitForJobAsync(api, (committed, quarantined) => committed == Files - 1 && quarantined == 1, deadline, process);

        // Copied again with its timestamp preserved (the same version), so only a retry brings it back.
        await File.WriteAllBytesAsync(damaged, good);
        File.SetLastWriteTimeUtc(damaged, stamp);

        var scenario = new BrowserScenario(address) { StepTimeout = TimeSpan.FromSeconds(20) }
            .Goto("/")
            .WaitForUrl("/signin\\?returnUrl=%2F$")
            .Fill(BrowserTarget.ByLabel("Admin token"), token)
            .Click(BrowserTarget.ByRole("button", "Sign in"))
            .WaitForUrl("/$")
            .WaitForText(BrowserTarget.ByTestId("silos-up"), pattern: "^1 / 1$")
            .WaitForText(BrowserTarget.ByTestId("job-phase"), text: "watching")
            .Screenshot("overview")
            .Click(BrowserTarget.ByRole("link", JobId, exact: true))
            .WaitForText(BrowserTarget.ByTestId("job-committed"), pattern: $"^{Files - 1}$")
            .WaitForText(BrowserTarget.ByTestId("job-kind"), text: "continuous")
            .Screenshot("job", fullPage: true)
            .Click(BrowserTarget.ByTestId("job-quarantined"))
            .WaitForUrl($"/jobs/{JobId}/quarantine$")
            .WaitForText(BrowserTarget.ByTestId("quarantine-reason"), text: "timestamp")
            .Screenshot("quarantine")
            .Click(BrowserTarget.Css("[data-testid='quarantine-row'] button"))
            .WaitForText(BrowserTarget.ByTestId("retry-status"), text: "Released 1 and queued 1 again")
            .WaitFor(BrowserTarget.ByTestId("quarantine-row"), state: "detached")
            .WaitForText(BrowserTarget.ByTestId("quarantine-job-committed"), pattern: $"^{Files}$", timeout: Timeout)
            .WaitForText(BrowserTarget.ByTestId("quarantine-job-quarantined"), pattern: "^0$")
            .Screenshot("quarantine-retried");

        var result = await BrowserRunner.RunAsync(scenario);

        Assert.True(result.Succeeded, result.Describe() + "\n" + process.Output);
        Assert.Empty(result.PageErrors);
        Assert.Empty(result.ConsoleErrors);
        await WaitForJobAsync(api, (committed, quarantined) => committed == Files && quarantined == 0, deadline, process);
        using var quarantine = JsonDocument.Parse(await api.GetStringAsync($"/api/jobs/{JobId}/quarantine"));
        Assert.Equal(0, quarantine.RootElement.GetArrayLength());
    }

    private static async Task WaitForJobAsync(HttpClient api, Func<int, int, bool> condition, DateTime deadline, CliRunner.BackgroundProcess process)
    {
        var last = "";
        while (true)
        {
            using var response = await api.GetAsync($"/api/jobs/{JobId}");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                last = await response.Content.ReadAsStringAsync();
                using var json = JsonDocument.Parse(last);
                var summary = json.RootElement.GetProperty("summary");
                if (condition(summary.GetProperty("committed").GetInt32(), summary.GetProperty("quarantined").GetInt32()))
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, $"not reached: {last}\n{process.Output}");
            await Task.Delay(300);
        }
    }
}
