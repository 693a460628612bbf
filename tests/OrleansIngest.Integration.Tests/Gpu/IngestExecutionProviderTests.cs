using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansIngest.Cli.Commands;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Telemetry;
using OrleansIngest.Silo.Worker;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests.Gpu;

/// <summary>
/// <c>ingest --execution-provider</c> reaches the embedded silo's worker options through that host's configuration,
/// and leaves the process environment alone.
/// </summary>
[Trait("Category", "Unit")]
public sealed class IngestExecutionProviderTests
{
    private const string EnvironmentVariable = "OrleansIngest__Worker__ExecutionProvider";

    [Theory]
    [InlineData("cuda")]
    [InlineData("auto")]
    public void EmbeddedCluster_PutsTheExecutionProviderIntoTheWorkerOptions(string provider)
    {
        using var host = EmbeddedCluster.Build(lanes: 0, verbose: false, executionProvider: provider);

        Assert.Equal(provider, host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.ExecutionProvider);
        Assert.Null(Environment.GetEnvironmentVariable(EnvironmentVariable));
    }

    [Fact]
    public void EmbeddedCluster_WithoutADashboardPortLeavesOrleansDashboardOff()
    {
        using var host = EmbeddedCluster.Build(lanes: 0, verbose: false);

        Assert.False(host.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.OrleansDashboardEnabled);
    }

    [Fact]
    public void EmbeddedCluster_WithADashboardPortKeepsOrleansDashboardOn()
    {
        using var host = EmbeddedCluster.Build(lanes: 0, verbose: false, dashboard: new AdminDashboardSettings(0));

        Assert.True(host.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value.OrleansDashboardEnabled);
    }

    [Fact]
    public void EmbeddedCluster_WithoutAnExecutionProviderKeepsTheDefault()
    {
        using var host = EmbeddedCluster.Build(lanes: 0, verbose: false);

        Assert.Equal("cpu", host.Services.GetRequiredService<IOptions<WorkerOptions>>().Value.ExecutionProvider);
    }

    [Fact]
    public async Task IngestCommand_WithAnExecutionProviderDoesNotSetTheEnvironmentVariable()
    {
        using var temp = new TempDirectory("oi-ingest-provider");

        // A missing source ends the command before any host is built; the option used to be written to the
        // environment before that.
        var exitCode = await IngestCommand.Create()
            .Parse(["--source", temp.Combine("missing"), "--output", temp.Combine("out"), "--execution-provider", "cuda"])
            .InvokeAsync();

        Assert.Equal(2, exitCode);
        Assert.Null(Environment.GetEnvironmentVariable(EnvironmentVariable));
    }
}
