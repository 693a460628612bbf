namespace OrleansIngest.Silo.Admin.Security;

/// <summary>Names of the dashboard's authentication schemes, headers and cookies.</summary>
public static class AdminAuthenticationDefaults
{
    /// <summary>The scheme the dashboard's policies name; it picks one of the others per request.</summary>
    public const string Scheme = "OrleansIngest.Admin";

    /// <summary>API keys in <see cref="ApiKeyHeader"/>.</summary>
    public const string ApiKeyScheme = "OrleansIngest.Admin.ApiKey";

    /// <summary>The start-up admin token as <c>Authorization: Bearer</c>.</summary>
    public const string AdminTokenScheme = "OrleansIngest.Admin.Token";

    /// <summary>The browser session cookie (token sign-in or OpenID Connect).</summary>
    public const string CookieScheme = "OrleansIngest.Admin.Cookie";

    /// <summary>OpenID Connect (registered only when configured).</summary>
    public const string OidcScheme = "OrleansIngest.Admin.Oidc";

    /// <summary>The header that carries an API key.</summary>
    public const string ApiKeyHeader = "X-Api-Key";

    /// <summary>
    /// The header a browser's cookie-authenticated mutating API call must carry with the value
    /// <see cref="RequestedWithValue"/>: a cross-origin page cannot set it without a CORS preflight, which this host never grants.
    /// </summary>
    public const string RequestedWithHeader = "X-Requested-With";

    /// <summary>The value of <see cref="RequestedWithHeader"/>.</summary>
    public const string RequestedWithValue = "fetch";

    /// <summary>The session cookie's name.</summary>
    public const string CookieName = "OrleansIngest.Admin";

    /// <summary>The anti-forgery cookie's name.</summary>
    public const string AntiforgeryCookieName = "OrleansIngest.Admin.Antiforgery";

    /// <summary>The form field that carries the anti-forgery token.</summary>
    public const string AntiforgeryFormField = "__RequestVerificationToken";

    /// <summary>The authentication method claim (<see cref="System.Security.Claims.ClaimTypes.AuthenticationMethod"/>) of an API key.</summary>
    public const string ApiKeyMethod = "api-key";

    /// <summary>The authentication method claim of the admin token (as a bearer or through the sign-in form).</summary>
    public const string AdminTokenMethod = "admin-token";

    /// <summary>The authentication method claim of an OpenID Connect sign-in.</summary>
    public const string OidcMethod = "oidc";
}
