namespace OrleansIngest.Silo.Admin.Http;

/// <summary>The dashboard's routes and names.</summary>
public static class AdminDashboardDefaults
{
    /// <summary>The REST API's prefix; everything under it answers 401, never a redirect.</summary>
    public const string ApiPrefix = "/api";

    /// <summary>The OpenAPI documents' prefix (authenticated like the API).</summary>
    public const string OpenApiPrefix = "/openapi";

    /// <summary>The route of the OpenAPI documents.</summary>
    public const string OpenApiPattern = OpenApiPrefix + "/{documentName}.json";

    /// <summary>The name of the admin API's OpenAPI document (served at <c>/openapi/admin.json</c>).</summary>
    public const string OpenApiDocumentName = "admin";

    /// <summary>The sign-in page (token form) and its form post; the only anonymous routes.</summary>
    public const string SignInPath = "/signin";

    /// <summary>The sign-out form post.</summary>
    public const string SignOutPath = "/signout";

    /// <summary>The form field of the sign-in form that carries the admin token.</summary>
    public const string TokenFormField = "token";

    /// <summary>The form field and query parameter that carry where to go after signing in.</summary>
    public const string ReturnUrlField = "returnUrl";

    /// <summary>The largest sign-in or sign-out form accepted, in bytes: these routes are reachable anonymously.</summary>
    public const long MaxFormBytes = 16 * 1024;
}
