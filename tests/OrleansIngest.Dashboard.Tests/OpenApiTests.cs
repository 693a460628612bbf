using System.Net;
using System.Text.Json;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>The OpenAPI document of the admin API.</summary>
[Trait("Category", "Integration")]
public sealed class OpenApiTests
{
    [Fact]
    public async Task OpenApi_ListsEveryOperationWithItsSummary()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.SendAsync(HttpMethod.Get, "/openapi/admin.json", DashboardHost.ViewerKey);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var operations = document.RootElement.GetProperty("paths").EnumerateObject()
            .SelectMany(path => path.Value.EnumerateObject().Select(operation => (Path: path.Name, Method: operation.Name, Operation: operation.Value)))
            .ToList();
        string[] expected =
        [
            "GetOverview", "ListJobs", "GetJob", "StartJob", "PauseJob", "ResumeJob", "CancelJob", "ReconcileJob", "ListUnits",
            "ListQuarantine", "RetryQuarantined", "ListTables", "SampleRows", "ListSilos", "GetThroughput", "Live", "ListEvaluations", "GetEvaluationReport",
        ];
        Assert.Equal(expected.Order(), operations.Select(operation => operation.Operation.GetProperty("operationId").GetString()!).Order());
        Assert.All(operations, operation => Assert.False(string.IsNullOrWhiteSpace(operation.Operation.GetProperty("summary").GetString())));
        Assert.All(operations, operation => Assert.StartsWith("/api/", operation.Path, StringComparison.Ordinal));
        var schemes = document.RootElement.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("X-Api-Key", schemes.GetProperty("apiKey").GetProperty("name").GetString());
        Assert.Equal("bearer", schemes.GetProperty("adminToken").GetProperty("scheme").GetString());
    }
}
