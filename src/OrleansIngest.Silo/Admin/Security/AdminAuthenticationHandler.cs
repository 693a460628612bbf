using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using OrleansIngest.Silo.Admin.Http;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// The scheme the dashboard's policies name. It authenticates with the one scheme the request's credentials belong to
/// (an API key, the admin token as a bearer, else the session cookie) and answers an unauthenticated request by what
/// asked: 401 for the API and anything that presented credentials, else a sign-in (OpenID Connect when configured,
/// otherwise the token form at <c>/signin</c>).
/// </summary>
internal sealed class AdminAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    IOptionsMonitor<AdminOptions> adminOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    /// <summary>
    /// The scheme the request's credentials belong to. Header credentials win, so that a script's request is never
    /// judged by a browser cookie that happens to ride along.
    /// </summary>
    public static string SelectScheme(HttpRequest request)
    {
        if (request.Headers.ContainsKey(AdminAuthenticationDefaults.ApiKeyHeader))
        {
            return AdminAuthenticationDefaults.ApiKeyScheme;
        }

        return request.Headers.ContainsKey(HeaderNames.Authorization) ? AdminAuthenticationDefaults.AdminTokenScheme : AdminAuthenticationDefaults.CookieScheme;
    }

    /// <summary>Whether <paramref name="path"/> belongs to the machine-facing surface (REST API, OpenAPI document), which never redirects.</summary>
    public static bool IsApiPath(PathString path) =>
        path.StartsWithSegments(AdminDashboardDefaults.ApiPrefix, StringComparison.OrdinalIgnoreCase) ||
        path.StartsWithSegments(AdminDashboardDefaults.OpenApiPrefix, StringComparison.OrdinalIgnoreCase);

    protected override Task<AuthenticateResult> HandleAuthenticateAsync() => Context.AuthenticateAsync(SelectScheme(Request));

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        if (IsApiPath(Request.Path) || SelectScheme(Request) != AdminAuthenticationDefaults.CookieScheme)
        {
            Response.StatusCode = StatusCodes.Status401Unauthorized;
            Response.Headers.Append(
                HeaderNames.WWWAuthenticate,
                $"ApiKey realm=\"orleans-ingest-admin\", header=\"{AdminAuthenticationDefaults.ApiKeyHeader}\"");
            Response.Headers.Append(HeaderNames.WWWAuthenticate, "Bearer realm=\"orleans-ingest-admin\"");
            return Task.CompletedTask;
        }

        return Context.ChallengeAsync(
            adminOptions.CurrentValue.OidcEnabled ? AdminAuthenticationDefaults.OidcScheme : AdminAuthenticationDefaults.CookieScheme,
            properties);
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status403Forbidden;
        return Task.CompletedTask;
    }
}
