using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Net.Http.Headers;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Admin.Ui;

/// <summary>
/// The admin web UI: one HTML shell (client-side routing) and its static files, embedded in this assembly. It adds no
/// authentication of its own: every route is an endpoint, so the host's fallback policy covers it and an
/// unauthenticated browser is sent to the sign-in page.
/// </summary>
public static class AdminUi
{
    /// <summary>The prefix of the UI's static files (scripts, styles, icon).</summary>
    public const string AssetPrefix = "/ui";

    /// <summary>The page routes that serve the shell; the script picks the page from the path.</summary>
    public static IReadOnlyList<string> PagePatterns { get; } = ["/", "/jobs/{id}", "/jobs/{id}/quarantine", "/quarantine", "/silos", "/evaluations"];

    // Scripts and styles come only from this host, the page cannot be framed, and data: covers the inline SVG favicon.
    private const string ContentSecurityPolicy =
        "default-src 'self'; img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

    /// <summary>
    /// Maps the pages (<see cref="PagePatterns"/>), the static files under <see cref="AssetPrefix"/> and
    /// <c>/favicon.ico</c>. The shell carries the signed-in name and role and, when anti-forgery is registered, a
    /// sign-out form with its token.
    /// </summary>
    public static IEndpointRouteBuilder MapAdminUi(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var assets = AdminUiAssets.Load();
        var shell = assets.Shell;
        foreach (var pattern in PagePatterns)
        {
            var page = endpoints.MapGet(pattern, (HttpContext context) => ServeShell(context, shell))
                .ExcludeFromDescription()
                .WithDisplayName($"Dashboard page {pattern}");
            // Ahead of any other page mapped at the same path (the dashboard's placeholder home page).
            page.Add(endpoint => ((RouteEndpointBuilder)endpoint).Order = -1);
        }

        // One endpoint per file: the route table lists exactly what is served, and nothing else answers under /ui.
        foreach (var asset in assets.Files.Values)
        {
            endpoints.MapGet($"{AssetPrefix}/{asset.Name}", (HttpContext context) => ServeAsset(context, asset))
                .ExcludeFromDescription()
                .WithDisplayName($"Dashboard file {asset.Name}");
        }

        endpoints.MapGet("/favicon.ico", (HttpContext context) => ServeAsset(context, assets.Icon))
            .ExcludeFromDescription()
            .WithDisplayName("Dashboard icon");
        return endpoints;
    }

    private static IResult ServeShell(HttpContext context, string shell)
    {
        var signOut = "";
        if (context.RequestServices.GetService<IAntiforgery>() is { } antiforgery)
        {
            var tokens = antiforgery.GetAndStoreTokens(context);
            signOut = $"""<form class="sign-out" method="post" action="{Encode(context.Request.PathBase + AdminDashboardDefaults.SignOutPath)}"><input type="hidden" name="{Encode(tokens.FormFieldName)}" value="{Encode(tokens.RequestToken ?? "")}"><button type="submit">Sign out</button></form>""";
        }

        var user = context.User;
        var role = user.IsInRole(AdminRoles.Operator) ? AdminRoles.Operator : user.IsInRole(AdminRoles.Viewer) ? AdminRoles.Viewer : "";
        var html = shell
            .Replace("{{user}}", Encode(user.Identity?.Name ?? user.FindFirst(ClaimTypes.NameIdentifier)?.Value ?? ""), StringComparison.Ordinal)
            .Replace("{{role}}", Encode(role), StringComparison.Ordinal)
            .Replace("{{signout}}", signOut, StringComparison.Ordinal);
        SetSecurityHeaders(context.Response);
        // The shell names who is signed in and carries an anti-forgery token: never cached.
        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static IResult ServeAsset(HttpContext context, AdminUiAsset asset)
    {
        SetSecurityHeaders(context.Response);
        // Revalidated every time (cheap with the ETag), so a new build's files are picked up at once.
        context.Response.Headers.CacheControl = "no-cache, private";
        context.Response.Headers.ETag = asset.ETag;
        if (context.Request.Headers.IfNoneMatch.Contains(asset.ETag))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }

    private static void SetSecurityHeaders(HttpResponse response)
    {
        response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
        response.Headers[HeaderNames.XContentTypeOptions] = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
    }

    private static string Encode(string value) => WebUtility.HtmlEncode(value);
}
