using System.Net;
using System.Text.Json;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Dashboard.Tests;

/// <summary><c>GET /api/live</c>: server-sent snapshots until the client leaves.</summary>
[Trait("Category", "Integration")]
public sealed class LiveTests
{
    [Fact]
    public async Task Live_DeliversSnapshotsOfValidJsonUntilTheClientDisconnects()
    {
        await using var host = await DashboardHost.StartAsync(FastSettings());
        using var request = DashboardHost.Request(HttpMethod.Get, "/api/live", DashboardHost.ViewerKey);
        var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var snapshots = await ReadSnapshotsAsync(reader, 2);
        reader.Dispose();
        response.Dispose();

        foreach (var snapshot in snapshots)
        {
            using var json = JsonDocument.Parse(snapshot);
            Assert.Equal(2, json.RootElement.GetProperty("overview").GetProperty("silosUp").GetInt32());
            Assert.Equal(RecordingAdminService.KnownJob, json.RootElement.GetProperty("jobs")[0].GetProperty("jobId").GetString());
            Assert.Equal("silo-a", json.RootElement.GetProperty("silos")[0].GetProperty("name").GetString());
        }

        // The stream's loop ends (and says so) once the client has gone.
        await host.Logs.WaitForAsync(3508);
    }

    [Fact]
    public async Task Live_SendsAHeartbeatWhenASnapshotFailsAndCarriesOn()
    {
        await using var host = await DashboardHost.StartAsync(FastSettings());
        host.Service.FailNextOverviews(1);
        using var request = DashboardHost.Request(HttpMethod.Get, "/api/live", DashboardHost.ViewerKey);
        using var response = await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());

        var lines = new List<string>();
        while (!lines.Contains("event: snapshot"))
        {
            lines.Add(await reader.ReadLineAsync() ?? throw new EndOfStreamException("The live stream ended."));
        }

        Assert.Contains(": heartbeat", lines);
        Assert.True(lines.IndexOf(": heartbeat") < lines.IndexOf("event: snapshot"));
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 3509);
    }

    private static Dictionary<string, string?> FastSettings()
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:LiveUpdateInterval"] = "00:00:00.200";
        return settings;
    }

    private static async Task<List<string>> ReadSnapshotsAsync(StreamReader reader, int count)
    {
        var snapshots = new List<string>();
        string? pendingEvent = null;
        while (snapshots.Count < count)
        {
            var line = await reader.ReadLineAsync() ?? throw new EndOfStreamException("The live stream ended.");
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                pendingEvent = line["event: ".Length..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                Assert.Equal("snapshot", pendingEvent);
                snapshots.Add(line["data: ".Length..]);
            }
            else if (line.Length == 0)
            {
                pendingEvent = null;
            }
        }

        return snapshots;
    }
}
