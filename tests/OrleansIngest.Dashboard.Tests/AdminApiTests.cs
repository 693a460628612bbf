using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>The REST API's answers: JSON shape, status codes, problem details, and what reaches the service.</summary>
[Trait("Category", "Integration")]
public sealed class AdminApiTests
{
    private const string Operator = DashboardHost.OperatorKey;
    private const string Viewer = DashboardHost.ViewerKey;

    [Fact]
    public async Task Overview_IsCamelCaseJson()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, "/api/overview", Viewer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetProperty("silosUp").GetInt32());
        Assert.Equal(4.5, body.RootElement.GetProperty("unitsPerSecond").GetDouble());
    }

    [Fact]
    public async Task ListSilos_CarriesEachSilosCapacityLanesAndVadBatch()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, "/api/silos", Viewer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var gpu = body.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "silo-gpu");
        Assert.Equal(16, gpu.GetProperty("cores").GetInt32());
        Assert.Equal(1, gpu.GetProperty("gpuCount").GetInt32());
        Assert.Equal(143771, gpu.GetProperty("gpuMemoryMiB").GetInt64());
        Assert.Equal("NVIDIA H200", gpu.GetProperty("gpuName").GetString());
        Assert.Equal(4, gpu.GetProperty("weight").GetDouble());
        Assert.Equal(512, gpu.GetProperty("lanes").GetInt32());
        Assert.Equal(1024, gpu.GetProperty("vadMaxBatch").GetInt32());
        var cpu = body.RootElement.EnumerateArray().Single(s => s.GetProperty("name").GetString() == "silo-a");
        Assert.Equal(0, cpu.GetProperty("gpuCount").GetInt32());
        Assert.Equal(1, cpu.GetProperty("weight").GetDouble());
    }

    [Fact]
    public async Task GetJob_UnknownJobIsNotFoundProblem()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, "/api/jobs/no-such-job", Viewer);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "no-such-job");
    }

    [Fact]
    public async Task GetJob_KnownJobIsItsDetail()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, $"/api/jobs/{RecordingAdminService.KnownJob}", Viewer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(RecordingAdminService.KnownJob, body.RootElement.GetProperty("summary").GetProperty("jobId").GetString());
        Assert.Equal("silo-a", body.RootElement.GetProperty("siloShares")[0].GetProperty("silo").GetString());
    }

    [Theory]
    [InlineData("pause", "PauseJob")]
    [InlineData("resume", "ResumeJob")]
    [InlineData("cancel", "CancelJob")]
    [InlineData("reconcile", "ReconcileJob")]
    public async Task JobAction_OnAKnownJobIsNoContent(string action, string call)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, $"/api/jobs/{RecordingAdminService.KnownJob}/{action}", Operator);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains($"{call}({RecordingAdminService.KnownJob})", host.Service.Calls);
    }

    [Fact]
    public async Task JobAction_OnAnUnknownJobIsNotFound()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, "/api/jobs/no-such-job/pause", Operator);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "no-such-job");
    }

    [Fact]
    public async Task JobAction_TheJobStateRefusesIsConflictWithTheReason()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, $"/api/jobs/{RecordingAdminService.ConflictJob}/pause", Operator);

        await AssertProblemAsync(response, HttpStatusCode.Conflict, RecordingAdminService.ConflictReason);
    }

    [Fact]
    public async Task ArgumentException_IsBadRequestProblem()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, $"/api/jobs/{RecordingAdminService.InvalidJob}/units", Viewer);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, RecordingAdminService.InvalidReason);
    }

    [Fact]
    public async Task StartJob_IsCreatedWithLocationAndSummary()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, "/api/jobs", Operator, content: JsonContent.Create(new
        {
            source = "/data/in",
            output = "/data/out",
            jobId = "backfill 7",
            continuous = true,
            versions = "latest",
            reconcileIntervalSeconds = 600.0,
        }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("/api/jobs/backfill%207", response.Headers.Location?.OriginalString);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("backfill 7", body.RootElement.GetProperty("jobId").GetString());
        var request = Assert.IsType<Silo.Admin.StartJobRequest>(host.Service.LastStart);
        Assert.True(request.Continuous);
        Assert.Equal("latest", request.Versions);
        Assert.Equal(600.0, request.ReconcileIntervalSeconds);
    }

    [Fact]
    public async Task StartJob_TheServiceRefusesIsBadRequestProblem()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, "/api/jobs", Operator, content: JsonContent.Create(new { source = "invalid", output = "/out" }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, RecordingAdminService.InvalidReason);
    }

    [Fact]
    public async Task StartJob_WithoutASourceIsBadRequestAndNeverReachesTheService()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, "/api/jobs", Operator, content: JsonContent.Create(new { output = "/out" }));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "source");
        Assert.Null(host.Service.LastStart);
    }

    [Fact]
    public async Task Units_PassStateAndPageToTheService()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, $"/api/jobs/{RecordingAdminService.KnownJob}/units?state=quarantined&skip=20&take=500", Viewer);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"ListUnits({RecordingAdminService.KnownJob},quarantined,20,500)", host.Service.Calls);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, body.RootElement.GetProperty("total").GetInt32());
    }

    [Theory]
    [InlineData("take=501")]
    [InlineData("take=0")]
    [InlineData("skip=-1")]
    public async Task Units_OutOfRangePageIsBadRequest(string query)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, $"/api/jobs/{RecordingAdminService.KnownJob}/units?{query}", Viewer);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, query.Split('=')[0]);
        Assert.DoesNotContain(host.Service.Calls, call => call.StartsWith("ListUnits", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Throughput_DefaultsToFifteenMinutesAndRefusesMoreThanAnHour()
    {
        await using var host = await DashboardHost.StartAsync();

        using var byDefault = await host.SendAsync(HttpMethod.Get, "/api/throughput", Viewer);
        using var tooLong = await host.SendAsync(HttpMethod.Get, "/api/throughput?minutes=61", Viewer);

        Assert.Equal(HttpStatusCode.OK, byDefault.StatusCode);
        Assert.Contains("GetThroughput(15)", host.Service.Calls);
        await AssertProblemAsync(tooLong, HttpStatusCode.BadRequest, "minutes");
    }

    [Fact]
    public async Task RetryQuarantine_WithoutABodyRetriesEveryUnit()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Post, $"/api/jobs/{RecordingAdminService.KnownJob}/quarantine/retry", Operator);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains($"RetryQuarantined({RecordingAdminService.KnownJob})", host.Service.Calls);
        Assert.Null(host.Service.LastRetryUnitIds);
    }

    [Fact]
    public async Task RetryQuarantine_WithUnitIdsRetriesThoseUnits()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(
            HttpMethod.Post,
            $"/api/jobs/{RecordingAdminService.KnownJob}/quarantine/retry",
            Operator,
            content: new StringContent("{\"unitIds\":[\"unit-9\",\"unit-10\"]}", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["unit-9", "unit-10"], host.Service.LastRetryUnitIds);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetProperty("requeued").GetInt32());
    }

    [Fact]
    public async Task RetryQuarantine_WithAnEmptyListIsBadRequest()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(
            HttpMethod.Post,
            $"/api/jobs/{RecordingAdminService.KnownJob}/quarantine/retry",
            Operator,
            content: new StringContent("{\"unitIds\":[]}", Encoding.UTF8, "application/json"));

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, "unitIds");
        Assert.DoesNotContain(host.Service.Calls, call => call.StartsWith("RetryQuarantined", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("quarantine")]
    [InlineData("tables")]
    public async Task JobLists_OfAnUnknownJobAreNotFound(string list)
    {
        await using var host = await DashboardHost.StartAsync();

        using var known = await host.SendAsync(HttpMethod.Get, $"/api/jobs/{RecordingAdminService.KnownJob}/{list}", Viewer);
        using var unknown = await host.SendAsync(HttpMethod.Get, $"/api/jobs/no-such-job/{list}", Viewer);

        Assert.Equal(HttpStatusCode.OK, known.StatusCode);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(await known.Content.ReadAsStringAsync()).RootElement.ValueKind);
        await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "no-such-job");
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal((int)status, body.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(detailContains, body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
