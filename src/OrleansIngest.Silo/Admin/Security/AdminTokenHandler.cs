using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OrleansIngest.Silo.Admin.Http;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>Authenticates <c>Authorization: Bearer &lt;admin token&gt;</c> as an operator; any other bearer fails.</summary>
internal sealed class AdminTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    IOptionsMonitor<AdminOptions> adminOptions,
    AdminToken token,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    private const string BearerPrefix = "Bearer ";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[HeaderNames.Authorization];
        if (header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (header.Count != 1 || header[0] is not { } value || !value.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.Fail("Only a bearer admin token is accepted in the Authorization header."));
        }

        if (!adminOptions.CurrentValue.AdminTokenEnabled || !token.Matches(value[BearerPrefix.Length..].Trim()))
        {
            AdminDashboardLog.AdminTokenMismatch(Logger);
            return Task.FromResult(AuthenticateResult.Fail("The bearer token is not the admin token."));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(CreatePrincipal(Scheme.Name, token), Scheme.Name)));
    }

    /// <summary>The principal of the admin token: an operator whose session ends with the token's process.</summary>
    public static ClaimsPrincipal CreatePrincipal(string authenticationType, AdminToken token) =>
        new(new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, "admin"),
                new Claim(ClaimTypes.Role, AdminRoles.Operator),
                new Claim(ClaimTypes.AuthenticationMethod, AdminAuthenticationDefaults.AdminTokenMethod),
                new Claim(AdminTokenFingerprintClaim, token.Fingerprint),
            ],
            authenticationType,
            ClaimTypes.Name,
            ClaimTypes.Role));

    /// <summary>The claim that ties a session to the process's admin token.</summary>
    public const string AdminTokenFingerprintClaim = "orleans-ingest/admin-token";
}
