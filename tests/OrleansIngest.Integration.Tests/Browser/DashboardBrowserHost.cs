using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.Grains;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Admin.Security;
using OrleansIngest.Silo.Admin.Ui;
using OrleansIngest.Silo.Hosting;

namespace OrleansIngest.Integration.Tests.Browser;

/// <summary>
/// The dashboard as an operator meets it: one Kestrel host on 127.0.0.1 with an in-process silo (grains, worker,
/// local folders), the real admin service, the authenticated API, sign-in and the web UI.
/// </summary>
internal sealed class DashboardBrowserHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private DashboardBrowserHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public IAdminService Admin => _app.Services.GetRequiredService<IAdminService>();

    /// <summary>The one-time admin token (role operator) a person signs in with.</summary>
    public string Token => _app.Services.GetRequiredService<AdminToken>().Value;

    public static async Task<DashboardBrowserHost> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test", Args = [] });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Configuration["OrleansIngest:Worker:Lanes"] = "1";
        builder.Configuration["OrleansIngest:Worker:PollInterval"] = "00:00:00.100";
        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(siloPort: FreePort(), gatewayPort: FreePort());
            silo.AddMemoryGrainStorage(IngestStorageNames.Jobs);
            silo.AddOrleansIngest();
        });
        builder.Services.AddAdminDashboard(builder.Configuration);
        var app = builder.Build();
        app.MapAdminDashboard();
        app.MapAdminUi();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new DashboardBrowserHost(app, new Uri(address));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
