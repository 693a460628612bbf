using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.Silo.Admin.Security;
using OrleansIngest.Silo.Telemetry;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>Where and how a silo serves its admin dashboard.</summary>
/// <param name="Port">TCP port of the UI and API.</param>
/// <param name="ListenOnAllInterfaces">Listen on every interface instead of 127.0.0.1 only (behind a TLS ingress).</param>
/// <param name="TokenFile">Where to write the one-time admin token (mode 600); null: printed only.</param>
public sealed record AdminDashboardSettings(int Port, bool ListenOnAllInterfaces = false, string? TokenFile = null)
{
    /// <summary>
    /// The blob holding the data-protection key ring shared by every replica of the dashboard (a cluster sets it next to
    /// its grain state); null: keys of this process only (the embedded default), so sessions end with it.
    /// </summary>
    public Azure.Storage.Blobs.BlobClient? KeyRing { get; init; }
}

/// <summary>
/// The admin dashboard (UI, REST API, live updates) as its own Kestrel server in the silo's process: its own port and
/// middleware, so the dashboard is never reachable through the webhook's public port and vice versa, and the silo's
/// services (<see cref="IAdminService"/>) behind it. Prints the one-time admin token at start. It also serves the silo's
/// telemetry (see <see cref="TelemetryEndpoints"/>): <c>/metrics</c> for Prometheus and Orleans' dashboard under <c>/orleans</c>.
/// </summary>
public sealed class AdminDashboardHost(
    IServiceProvider silo,
    IConfiguration configuration,
    AdminDashboardSettings settings,
    ILoggerFactory loggerFactory) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    /// <summary>The address the dashboard listens on, once started.</summary>
    public Uri? Address { get; private set; }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Configuration.AddConfiguration(configuration);
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(silo.GetRequiredService<IAdminService>());
        if (silo.GetService<AdminAuditTrail>() is { } auditTrail)
        {
            builder.Services.AddSingleton(auditTrail);
        }

        builder.Services.AddSingleton(silo.GetRequiredService<TimeProvider>());
        var token = new AdminToken();
        builder.Services.AddSingleton(token);
        builder.Services.AddAdminDashboard(configuration);
        if (settings.KeyRing is { } keyRing)
        {
            builder.Services.AddDataProtection()
                .SetApplicationName("OrleansIngest.Dashboard")
                .AddKeyManagementOptions(o => o.XmlRepository = new BlobXmlRepository(keyRing));
        }

        builder.Services.AddTelemetryEndpoints(silo, configuration);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            if (settings.ListenOnAllInterfaces)
            {
                kestrel.ListenAnyIP(settings.Port);
            }
            else
            {
                kestrel.Listen(IPAddress.Loopback, settings.Port);
            }
        });
        _app = builder.Build();
        _app.MapAdminDashboard();
        _app.MapTelemetryEndpoints(silo);
        await _app.StartAsync(cancellationToken);

        // The bound port, not the configured one: port 0 asks Kestrel for a free port.
        var bound = new Uri(_app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        Address = new Uri($"http://{(settings.ListenOnAllInterfaces ? "0.0.0.0" : "127.0.0.1")}:{bound.Port}/");
        if (settings.TokenFile is { } file)
        {
            await token.WriteToFileAsync(file, cancellationToken);
        }

        // The token is the operator's way in on a fresh install: shown once on the console, never logged.
        await Console.Out.WriteLineAsync($"Admin dashboard: {Address} (sign in with the one-time admin token: {token.Value})");
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

/// <summary>Adds the admin dashboard to a silo's host.</summary>
public static class AdminDashboardHostExtensions
{
    /// <summary>Serves the admin dashboard from this host's process on <paramref name="settings"/>' port.</summary>
    public static IServiceCollection AddAdminDashboardHost(this IServiceCollection services, AdminDashboardSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton(settings);
        services.AddSingleton<AdminDashboardHost>();
        services.AddHostedService(sp => sp.GetRequiredService<AdminDashboardHost>());
        return services;
    }
}
