using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>
/// <c>GET/POST /signin</c> (the admin-token form, anonymous, anti-forgery checked) and <c>POST /signout</c>. A wrong
/// token shows the form again with an error and without the token; a right one sets the session cookie.
/// </summary>
internal static class AdminSignInEndpoints
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminDashboardDefaults.SignInPath, ShowForm).AllowAnonymous().ExcludeFromDescription().WithDisplayName("Dashboard sign-in form");
        endpoints.MapPost(AdminDashboardDefaults.SignInPath, SignInAsync).AllowAnonymous().ExcludeFromDescription().WithDisplayName("Dashboard sign-in");
        endpoints.MapPost(AdminDashboardDefaults.SignOutPath, SignOutAsync).RequireAuthorization(AdminPolicies.Viewer).ExcludeFromDescription()
            .WithDisplayName("Dashboard sign-out");
    }

    /// <summary>A local path to return to after signing in; anything else (another host, a scheme, <c>//</c>) becomes <c>/</c>.</summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || returnUrl[0] != '/')
        {
            return "/";
        }

        // "//host" and "/\host" are read by browsers as another host.
        if (returnUrl.Length > 1 && (returnUrl[1] == '/' || returnUrl[1] == '\\'))
        {
            return "/";
        }

        return returnUrl.Any(char.IsControl) ? "/" : returnUrl;
    }

    private static IResult ShowForm(HttpContext context, IAntiforgery antiforgery, IOptions<AdminOptions> options, string? returnUrl) =>
        Form(context, antiforgery, options.Value, SafeReturnUrl(returnUrl), error: null, StatusCodes.Status200OK);

    private static async Task<IResult> SignInAsync(
        HttpContext context, IAntiforgery antiforgery, AdminToken token, IOptions<AdminOptions> options, ILogger<AdminToken> logger)
    {
        if (await ReadCheckedFormAsync(context, antiforgery, logger) is not { } form)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form is not valid; load the sign-in page again.");
        }

        var returnUrl = SafeReturnUrl(form[AdminDashboardDefaults.ReturnUrlField]);
        if (!options.Value.AdminTokenEnabled || !token.Matches(form[AdminDashboardDefaults.TokenFormField]))
        {
            AdminDashboardLog.SignInRefused(logger);
            return Form(context, antiforgery, options.Value, returnUrl, "That is not the admin token.", StatusCodes.Status401Unauthorized);
        }

        var properties = new AuthenticationProperties { IsPersistent = false };
        await context.SignInAsync(AdminAuthenticationDefaults.CookieScheme, AdminTokenHandler.CreatePrincipal(AdminAuthenticationDefaults.CookieScheme, token), properties);
        AdminDashboardLog.SignedIn(logger);
        return Results.Redirect(returnUrl);
    }

    private static async Task<IResult> SignOutAsync(HttpContext context, IAntiforgery antiforgery, ILogger<AdminToken> logger)
    {
        if (await ReadCheckedFormAsync(context, antiforgery, logger) is null)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The form is not valid; load the page again.");
        }

        await context.SignOutAsync(AdminAuthenticationDefaults.CookieScheme);
        AdminDashboardLog.SignedOut(logger, context.User.Identity?.Name ?? "(unknown)");
        return Results.Redirect($"{context.Request.PathBase}{AdminDashboardDefaults.SignInPath}");
    }

    // Null: not a form, too large, or the anti-forgery token is missing or wrong.
    private static async Task<IFormCollection?> ReadCheckedFormAsync(HttpContext context, IAntiforgery antiforgery, ILogger logger)
    {
        // These routes take posts from anyone: no large bodies.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = AdminDashboardDefaults.MaxFormBytes;
        }

        if (!context.Request.HasFormContentType || context.Request.ContentLength > AdminDashboardDefaults.MaxFormBytes)
        {
            return null;
        }

        try
        {
            await antiforgery.ValidateRequestAsync(context);
            return await context.Request.ReadFormAsync(context.RequestAborted);
        }
        catch (AntiforgeryValidationException)
        {
            AdminDashboardLog.AntiforgeryRejected(logger);
            return null;
        }
        catch (BadHttpRequestException)
        {
            return null;
        }
        catch (InvalidDataException)
        {
            // A malformed form body.
            return null;
        }
    }

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, AdminOptions options, string returnUrl, string? error, int statusCode)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        var pathBase = context.Request.PathBase;
        var body = $"""
            <main>
            <h1>OrleansIngest dashboard</h1>
            {(error is null ? "" : $"<p role=\"alert\">{AdminHtml.Encode(error)}</p>")}
            <form method="post" action="{AdminHtml.Encode(pathBase + AdminDashboardDefaults.SignInPath)}">
            <input type="hidden" name="{AdminHtml.Encode(tokens.FormFieldName)}" value="{AdminHtml.Encode(tokens.RequestToken)}">
            <input type="hidden" name="{AdminDashboardDefaults.ReturnUrlField}" value="{AdminHtml.Encode(returnUrl)}">
            <label for="token">Admin token (printed by the host at start-up)</label>
            <input id="token" name="{AdminDashboardDefaults.TokenFormField}" type="password" autocomplete="off" required autofocus>
            <button type="submit">Sign in</button>
            </form>
            {(options.OidcEnabled ? $"<p><a href=\"{AdminHtml.Encode(pathBase + returnUrl)}\">Sign in with your organisation account</a></p>" : "")}
            </main>
            """;
        return AdminHtml.Page(context, "Sign in · OrleansIngest", body, statusCode);
    }
}
