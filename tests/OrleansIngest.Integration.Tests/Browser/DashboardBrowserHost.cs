using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.Grains;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Hosting;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests.Browser;

/// <summary>
/// The dashboard as an operator meets it, hosted as the CLI hosts it: an in-process silo (grains, worker, local
/// folders) with <see cref="AdminDashboardHostExtensions.AddAdminDashboardHost"/> serving the authenticated API, sign-in
/// and the web UI on 127.0.0.1, and the one-time admin token written to a file. The silo advertises a simulated capacity
/// (<see cref="InProcessSilo.SimulatedGpuCapacity"/>: 6 cores, 2 GPUs, 160 GiB, weight 1.4).
/// </summary>
internal sealed class DashboardBrowserHost : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly TempDirectory _temp;

    private DashboardBrowserHost(IHost host, TempDirectory temp, Uri address, string token)
    {
        _host = host;
        _temp = temp;
        Address = address;
        Token = token;
    }

    public Uri Address { get; }

    public IAdminService Admin => _host.Services.GetRequiredService<IAdminService>();

    /// <summary>The one-time admin token (role operator) a person signs in with.</summary>
    public string Token { get; }

    public static async Task<DashboardBrowserHost> StartAsync()
    {
        var temp = new TempDirectory("oi-dashboard-host");
        var tokenFile = temp.Combine("admin.token");
        var port = ClusterScenario.FreePort();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders();
        builder.Configuration["OrleansIngest:Worker:Lanes"] = "1";
        builder.Configuration["OrleansIngest:Worker:PollInterval"] = "00:00:00.100";
        foreach (var (key, value) in InProcessSilo.SimulatedGpuCapacity)
        {
            builder.Configuration[key] = value;
        }

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: ClusterScenario.FreePort(), gatewayPort: ClusterScenario.FreePort());
            silo.AddMemoryGrainStorage(IngestStorageNames.Jobs);
            silo.AddOrleansIngest();
        });
        builder.Services.AddAdminDashboardHost(new AdminDashboardSettings(port, TokenFile: tokenFile));
        var host = builder.Build();
        await host.StartAsync();
        var token = (await File.ReadAllTextAsync(tokenFile)).Trim();
        return new DashboardBrowserHost(host, temp, new Uri($"http://127.0.0.1:{port}/"), token);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        _temp.Dispose();
    }
}
