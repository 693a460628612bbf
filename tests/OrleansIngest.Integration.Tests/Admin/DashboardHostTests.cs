using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests.Admin;

/// <summary>
/// <c>ingest --dashboard-port</c>: the embedded run serves the authenticated admin API on 127.0.0.1 with the real
/// service behind it, and writes the one-time admin token to the token file (mode 600).
/// </summary>
[Trait("Category", "Integration")]
public sealed class DashboardHostTests
{
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task EmbeddedIngestServesTheAuthenticatedApiWithTheTokenFromTheTokenFile()
    {
        using var temp = new TempDirectory("oi-dashboard-host");
        CorpusGenerator.Generate(temp.Combine("src"), new CorpusSettings(AudioMinutes: 0, SensorFiles: 3, BadFiles: 1, Seed: 8));
        var port = ClusterScenario.FreePort();
        var tokenFile = temp.Combine("admin.token");

        // A paused-looking long run is not needed: the subscription keeps the embedded silo (and its dashboard) up.
        using var process = CliRunner.Start(
            "subscribe", "--source", temp.Combine("src"), "--output", temp.Combine("out"), "--job-id", "job-dash",
            "--dashboard-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--admin-token-file", tokenFile);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (!File.Exists(tokenFile) || new FileInfo(tokenFile).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline && !process.HasExited, process.Output);
            await Task.Delay(200);
        }

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(tokenFile));
        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        Assert.DoesNotContain(token, process.Output.Replace($"admin token: {token}", string.Empty, StringComparison.Ordinal), StringComparison.Ordinal);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

        using (var anonymous = await http.GetAsync("/api/jobs"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        JsonElement job = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync("/api/jobs/job-dash");
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                job = json.RootElement.Clone();
                if (job.GetProperty("summary").GetProperty("committed").GetInt32() == 3)
                {
                    break;
                }
            }

            await Task.Delay(300);
        }

        Assert.Equal("watching", job.GetProperty("summary").GetProperty("phase").GetString());
        Assert.Equal("continuous", job.GetProperty("summary").GetProperty("kind").GetString());
        Assert.Equal(1, job.GetProperty("summary").GetProperty("quarantined").GetInt32());
        using var silos = JsonDocument.Parse(await http.GetStringAsync("/api/silos"));
        Assert.True(silos.RootElement.GetArrayLength() <= 1);

        // A mutating call with the operator token: the subscription ends and the job completes.
        using (var cancel = await http.PostAsync("/api/jobs/job-dash/cancel", null))
        {
            Assert.Equal(HttpStatusCode.NoContent, cancel.StatusCode);
        }

        using var after = JsonDocument.Parse(await http.GetStringAsync("/api/jobs/job-dash"));
        Assert.Equal("cancelled", after.RootElement.GetProperty("summary").GetProperty("phase").GetString());
    }
}
