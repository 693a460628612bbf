using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace OrleansIngest.Integration.Tests.Webhook;

/// <summary>
/// A stand-in for Entra ID on 127.0.0.1: OpenID Connect discovery and a JWKS with one RSA key made here, and tokens
/// signed with it, so that the webhook's JwtBearer validation runs for real against local metadata.
/// </summary>
public sealed class LocalOidcAuthority : IAsyncDisposable
{
    public const string KeyId = "local-key-1";
    public const string Audience = "api://orleans-ingest-webhook";

    // The discovery document lives under the authority path, as Entra ID serves it.
    private const string TenantPath = "/tenant-0001/v2.0";

    private readonly WebApplication _app;
    private readonly RSA _key;

    private LocalOidcAuthority(WebApplication app, RSA key, string authority)
    {
        _app = app;
        _key = key;
        Authority = authority;
    }

    /// <summary>The authority URL, which is also the issuer of its tokens.</summary>
    public string Authority { get; }

    public static async Task<LocalOidcAuthority> StartAsync()
    {
        var key = RSA.Create(2048);
        var parameters = key.ExportParameters(includePrivateParameters: false);
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
            ["response_types_supported"] = new[] { "code" },
            ["subject_types_supported"] = new[] { "public" },
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet(TenantPath + "/discovery/keys", () => Results.Json(new Dictionary<string, object>
        {
            ["keys"] = new[]
            {
                new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["alg"] = "RS256",
                    ["kid"] = KeyId,
                    ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
                },
            },
        }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        authority = address.TrimEnd('/') + TenantPath;
        return new LocalOidcAuthority(app, key, authority);
    }

    /// <summary>Settings that point the webhook at this authority.</summary>
    public Dictionary<string, string?> Settings(string? requiredRole = null, params string[] secrets)
    {
        var settings = WebhookHost.SecretSettings(secrets);
        settings[$"{Silo.Http.EventWebhookOptions.SectionName}:EntraId:Authority"] = Authority;
        settings[$"{Silo.Http.EventWebhookOptions.SectionName}:EntraId:Audience"] = Audience;
        settings[$"{Silo.Http.EventWebhookOptions.SectionName}:EntraId:RequireHttpsMetadata"] = "false";
        settings[$"{Silo.Http.EventWebhookOptions.SectionName}:EntraId:RequiredRole"] = requiredRole;
        return settings;
    }

    /// <summary>A token as Entra ID would issue it to Event Grid for the webhook app; each argument spoils one part.</summary>
    public string CreateToken(
        string audience = Audience,
        string? issuer = null,
        DateTime? expires = null,
        RSA? signingKey = null,
        IReadOnlyList<string>? roles = null)
    {
        var expiry = expires ?? DateTime.UtcNow.AddHours(1);
        var claims = new Dictionary<string, object> { ["sub"] = "event-grid-service-principal" };
        if (roles is { Count: > 0 })
        {
            claims["roles"] = roles;
        }

        var descriptor = new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Authority,
            Audience = audience,
            IssuedAt = expiry.AddHours(-2),
            NotBefore = expiry.AddHours(-2),
            Expires = expiry,
            Claims = claims,
            SigningCredentials = new SigningCredentials(new RsaSecurityKey(signingKey ?? _key) { KeyId = KeyId }, SecurityAlgorithms.RsaSha256),
        };
        return new JsonWebTokenHandler { SetDefaultTimesOnTokenCreation = false }.CreateToken(descriptor);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _key.Dispose();
    }
}
