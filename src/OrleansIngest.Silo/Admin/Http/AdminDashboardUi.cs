using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>
/// THE PLACE OF THE WEB UI. Until the UI exists, <c>/</c> is a minimal signed-in page. The UI's pages and static files
/// replace <see cref="Map"/>'s body; map them as endpoints (e.g. <c>MapStaticAssets()</c> or <c>MapFallbackToFile</c>)
/// rather than with <c>UseStaticFiles</c> ahead of routing, so that the fallback policy (viewer) covers every file and an
/// unauthenticated browser is sent to <c>/signin</c>. Mutating calls from the UI send <c>X-Requested-With: fetch</c>.
/// </summary>
internal static class AdminDashboardUi
{
    public static void Map(IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/", (HttpContext context, IAntiforgery antiforgery) =>
            {
                var tokens = antiforgery.GetAndStoreTokens(context);
                var body = $"""
                    <main>
                    <h1>OrleansIngest dashboard</h1>
                    <p>Signed in as {AdminHtml.Encode(context.User.Identity?.Name)} ({AdminHtml.Encode(context.User.IsInRole(AdminRoles.Operator) ? AdminRoles.Operator : AdminRoles.Viewer)}).</p>
                    <p><a href="{AdminHtml.Encode(context.Request.PathBase + AdminDashboardDefaults.OpenApiPrefix + "/" + AdminDashboardDefaults.OpenApiDocumentName + ".json")}">REST API (OpenAPI)</a></p>
                    <form method="post" action="{AdminHtml.Encode(context.Request.PathBase + AdminDashboardDefaults.SignOutPath)}">
                    <input type="hidden" name="{AdminHtml.Encode(tokens.FormFieldName)}" value="{AdminHtml.Encode(tokens.RequestToken)}">
                    <button type="submit">Sign out</button>
                    </form>
                    </main>
                    """;
                return AdminHtml.Page(context, "OrleansIngest dashboard", body);
            })
            .RequireAuthorization(AdminPolicies.Viewer)
            .ExcludeFromDescription()
            .WithDisplayName("Dashboard home (placeholder until the web UI exists)");
    }
}
