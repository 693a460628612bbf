using System.Net;
using System.Text.Json;

namespace OrleansIngest.Dashboard.Tests.Evaluation;

/// <summary>The evaluations API: viewers read the list and the reports; nobody reads them unauthenticated.</summary>
[Trait("Category", "Integration")]
public sealed class EvaluationEndpointTests
{
    [Fact]
    public async Task Evaluations_AViewerGetsTheListWithReportLinks()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, "/api/evaluations", DashboardHost.ViewerKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var evaluation = Assert.Single(body.RootElement.EnumerateArray());
        Assert.Equal("silero_op15", evaluation.GetProperty("candidate").GetString());
        Assert.Equal($"/api/evaluations/{RecordingAdminService.KnownJob}/report", evaluation.GetProperty("reportUrl").GetString());
    }

    [Fact]
    public async Task EvaluationReport_IsHtmlUnderACspThatAllowsNoScriptOrFetch()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, $"/api/evaluations/{RecordingAdminService.KnownJob}/report", DashboardHost.ViewerKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("report", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-such-evaluation")]
    [InlineData("..%2F..%2Fetc%2Fpasswd")]
    public async Task EvaluationReport_UnknownOrMalformedIdsAreNotFound(string id)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, $"/api/evaluations/{id}/report", DashboardHost.ViewerKey);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain(host.Service.Calls, call => call.Contains("passwd", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/api/evaluations")]
    [InlineData("/api/evaluations/job-1/report")]
    public async Task Evaluations_WithoutCredentialsAreUnauthorized(string path)
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, path);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(host.Service.Calls, call => call.StartsWith("GetEvaluationReport", StringComparison.Ordinal));
    }
}
