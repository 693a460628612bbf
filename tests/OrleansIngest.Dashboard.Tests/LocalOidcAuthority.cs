using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>
/// A stand-in for Entra ID on 127.0.0.1 that serves an OpenID Connect discovery document, so that the dashboard's
/// challenge is built from real metadata (the tests cannot reach Entra ID).
/// </summary>
public sealed class LocalOidcAuthority : IAsyncDisposable
{
    public const string ClientId = "00000000-0000-0000-0000-00000000d45b";

    // The discovery document lives under the authority path, as Entra ID serves it.
    private const string TenantPath = "/tenant-0001/v2.0";

    private readonly WebApplication _app;

    private LocalOidcAuthority(WebApplication app, string authority)
    {
        _app = app;
        Authority = authority;
    }

    /// <summary>The authority URL, which is also its issuer.</summary>
    public string Authority { get; }

    public static async Task<LocalOidcAuthority> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        string? authority = null;
        app.MapGet(TenantPath + "/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = authority!,
            ["jwks_uri"] = authority + "/discovery/keys",
            ["authorization_endpoint"] = authority + "/authorize",
            ["token_endpoint"] = authority + "/token",
            ["end_session_endpoint"] = authority + "/logout",
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
            ["code_challenge_methods_supported"] = new[] { "S256" },
        }));
        app.MapGet(TenantPath + "/discovery/keys", () => Results.Json(new Dictionary<string, object> { ["keys"] = Array.Empty<object>() }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        authority = address.TrimEnd('/') + TenantPath;
        return new LocalOidcAuthority(app, authority);
    }

    /// <summary>Dashboard settings that point OpenID Connect at this authority, besides the test API keys.</summary>
    public Dictionary<string, string?> Settings()
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:Oidc:Authority"] = Authority;
        settings[$"{AdminOptions.SectionName}:Oidc:ClientId"] = ClientId;
        settings[$"{AdminOptions.SectionName}:Oidc:ClientSecret"] = "local-client-secret-not-used";
        settings[$"{AdminOptions.SectionName}:Oidc:RequireHttpsMetadata"] = "false";
        return settings;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
