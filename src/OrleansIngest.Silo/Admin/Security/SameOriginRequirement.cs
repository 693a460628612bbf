using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// The CSRF defence of mutating API calls. A call authenticated by a header (API key, bearer token) cannot be forged by
/// another site, because a browser never adds those headers by itself. A call authenticated by the session cookie must
/// carry <c>X-Requested-With: fetch</c>, which a cross-origin page can only send after a CORS preflight that this host
/// never grants; and it is refused when the browser says it came from elsewhere (<c>Sec-Fetch-Site</c> other than
/// <c>same-origin</c>, or an <c>Origin</c> other than the request's own). The cookie is also SameSite.
/// </summary>
public sealed class SameOriginRequirement : IAuthorizationRequirement
{
}

/// <summary>Decides <see cref="SameOriginRequirement"/> from the request's headers.</summary>
internal sealed class SameOriginRequirementHandler : AuthorizationHandler<SameOriginRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, SameOriginRequirement requirement)
    {
        if (context.Resource is HttpContext httpContext && IsSameOrigin(httpContext.Request))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }

    private static bool IsSameOrigin(HttpRequest request)
    {
        if (AdminAuthenticationHandler.SelectScheme(request) != AdminAuthenticationDefaults.CookieScheme)
        {
            return true;
        }

        if (!string.Equals(request.Headers[AdminAuthenticationDefaults.RequestedWithHeader], AdminAuthenticationDefaults.RequestedWithValue, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var fetchSite = request.Headers["Sec-Fetch-Site"];
        if (fetchSite.Count > 0 && !string.Equals(fetchSite, "same-origin", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var origin = request.Headers[HeaderNames.Origin];
        return origin.Count == 0 || string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }
}
