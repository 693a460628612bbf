using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Storage.Governance;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Dashboard.Tests.Governance;

[Trait("Category", "Integration")]
public sealed class AdminAuditTests : IDisposable
{
    private readonly TempDirectory _dir = new("admin-audit");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task AdminApi_AuditsASessionInOrderWithTheCallersIdentities()
    {
        var governance = new LocalGovernanceStore(_dir.Combine("_ingest"));
        await using var host = await DashboardHost.StartAsync(configure: services =>
        {
            services.AddSingleton<IStorageResolver>(new GovernanceOnlyResolver(governance));
            services.AddSingleton<AdminAuditTrail>();
        });

        using var start = await host.SendAsync(HttpMethod.Post, "/api/jobs", DashboardHost.OperatorKey, content: JsonContent.Create(new { source = "/data/in", output = _dir.Path, jobId = "job-7" }));
        using var retry = await host.SendAsync(HttpMethod.Post, $"/api/jobs/{RecordingAdminService.KnownJob}/quarantine/retry", DashboardHost.OperatorKey);
        using var read = await host.SendAsync(HttpMethod.Get, $"/api/jobs/{RecordingAdminService.KnownJob}/units", DashboardHost.ViewerKey);
        using var missing = await host.SendAsync(HttpMethod.Post, "/api/jobs/nope/pause", DashboardHost.OperatorKey);
        using var forbidden = await host.SendAsync(HttpMethod.Post, $"/api/jobs/{RecordingAdminService.KnownJob}/pause", DashboardHost.ViewerKey);
        Assert.Equal(HttpStatusCode.Created, start.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        var records = await new AuditLog(governance, TimeProvider.System).ReadAsync().ToListAsync();

        // The unknown job has no output to write to (it is only logged); the refused call never reached the endpoint.
        Assert.Equal(["start", "retry", "read_units"], records.Select(r => r.Action));
        Assert.Equal(
            [$"api-key:{DashboardHost.OperatorName}", $"api-key:{DashboardHost.OperatorName}", $"api-key:{DashboardHost.ViewerName}"],
            records.Select(r => r.Actor));
        Assert.Equal(["job-7", RecordingAdminService.KnownJob, RecordingAdminService.KnownJob], records.Select(r => r.Target));
        Assert.All(records, r => Assert.Equal("ok", r.Outcome));
        Assert.Contains(host.Logs.Entries, e => e.Category == AdminAuditTrail.Category && e.Text.Contains("nope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SampleRows_ViewerIsRefusedARestrictedTableAndTheRefusalIsAudited()
    {
        var governance = new LocalGovernanceStore(_dir.Combine("_ingest"));
        await using var host = await DashboardHost.StartAsync(configure: services =>
        {
            services.AddSingleton<IStorageResolver>(new GovernanceOnlyResolver(governance));
            services.AddSingleton<AdminAuditTrail>();
        });
        var path = $"/api/jobs/{RecordingAdminService.KnownJob}/tables/{RecordingAdminService.RestrictedTable}/sample";

        using var viewer = await host.SendAsync(HttpMethod.Get, path, DashboardHost.ViewerKey);
        using var operatorRead = await host.SendAsync(HttpMethod.Get, path, DashboardHost.OperatorKey);

        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, operatorRead.StatusCode);
        var records = await new AuditLog(governance, TimeProvider.System).ReadAsync(action: "read_rows").ToListAsync();
        Assert.Equal(["denied", "ok"], records.Select(r => r.Outcome));
        Assert.Equal([$"api-key:{DashboardHost.ViewerName}", $"api-key:{DashboardHost.OperatorName}"], records.Select(r => r.Actor));
    }

    // Every output's governance objects land in one temp folder; the API needs nothing else of storage here.
    private sealed class GovernanceOnlyResolver(IGovernanceStore governance) : IStorageResolver
    {
        public ITableStore GetTable(string outputRoot, string tableName) => throw new NotSupportedException();

        public IBlobStore GetSource(string sourceRoot) => throw new NotSupportedException();

        public IAsyncEnumerable<string> ListTablesAsync(string outputRoot, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public IGovernanceStore GetGovernanceStore(string outputRoot) => governance;
    }
}
