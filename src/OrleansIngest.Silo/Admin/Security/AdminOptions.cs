using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// The admin dashboard and its REST API (section <c>OrleansIngest:Admin</c>): who may sign in and how. At least one way
/// in (the start-up admin token, an API key or OpenID Connect) must be configured.
/// </summary>
public sealed class AdminOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Admin";

    /// <summary>
    /// API keys of machine clients, presented in the <c>X-Api-Key</c> header. Only their SHA-256 hashes are configured,
    /// so that a configuration file or a secret store never holds a usable key.
    /// </summary>
    public IList<AdminApiKeyOptions> ApiKeys { get; } = [];

    /// <summary>People signing in through OpenID Connect (Entra ID); unused while its authority is empty.</summary>
    public AdminOidcOptions Oidc { get; set; } = new();

    /// <summary>
    /// Whether a one-time admin token (role operator) is made at start-up, for the embedded default where no API key
    /// or identity provider is configured. It lives as long as the process.
    /// </summary>
    public bool AdminTokenEnabled { get; set; } = true;

    /// <summary>How long a browser session (the sign-in cookie) lasts without activity.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>How often the live endpoint sends a snapshot.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan LiveUpdateInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether OpenID Connect is configured.</summary>
    public bool OidcEnabled => !string.IsNullOrWhiteSpace(Oidc.Authority);
}

/// <summary>One machine client's API key, by its hash.</summary>
public sealed class AdminApiKeyOptions
{
    /// <summary>Who holds the key (the user name of its requests, e.g. <c>ci-deployer</c>).</summary>
    public string? Name { get; set; }

    /// <summary>Lower- or upper-case hex of the SHA-256 of the key's UTF-8 bytes (64 characters).</summary>
    public string? Sha256 { get; set; }

    /// <summary><see cref="AdminRoles.Viewer"/> or <see cref="AdminRoles.Operator"/>.</summary>
    public string? Role { get; set; }
}

/// <summary>OpenID Connect sign-in of people (Entra ID or any OpenID Connect provider), with a cookie session.</summary>
public sealed class AdminOidcOptions
{
    /// <summary>The authority, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>. Empty disables OpenID Connect.</summary>
    public string? Authority { get; set; }

    /// <summary>The dashboard app registration's application (client) id.</summary>
    public string? ClientId { get; set; }

    /// <summary>The app registration's client secret (keep it in a secret store, not in a file).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>The redirect path registered with the app (answered by the OpenID Connect handler).</summary>
    public string CallbackPath { get; set; } = "/signin-oidc";

    /// <summary>The app role (in the <c>roles</c> claim) that grants <see cref="AdminRoles.Operator"/>.</summary>
    public string OperatorAppRole { get; set; } = "OrleansIngest.Operator";

    /// <summary>The app role (in the <c>roles</c> claim) that grants <see cref="AdminRoles.Viewer"/>.</summary>
    public string ViewerAppRole { get; set; } = "OrleansIngest.Viewer";

    /// <summary>Whether the authority's metadata must be fetched over HTTPS (turn off only for a local test authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}
