using Microsoft.Extensions.Options;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// Refuses an admin configuration that would admit no one, take a key instead of its hash, or point OpenID Connect at
/// an unusable authority. Messages name positions and keys, never a configured value.
/// </summary>
public sealed class AdminOptionsValidator : IValidateOptions<AdminOptions>
{
    private const int Sha256HexLength = 64;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AdminOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        ValidateApiKeys(options.ApiKeys, failures);
        ValidateOidc(options.Oidc, failures);
        if (!options.AdminTokenEnabled && options.ApiKeys.Count == 0 && !options.OidcEnabled)
        {
            failures.Add(
                $"The admin dashboard would admit no one: keep {AdminOptions.SectionName}:AdminTokenEnabled, or configure " +
                $"{AdminOptions.SectionName}:ApiKeys or {AdminOptions.SectionName}:Oidc:Authority.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateApiKeys(IList<AdminApiKeyOptions> keys, List<string> failures)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var hashes = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            var at = $"{AdminOptions.SectionName}:ApiKeys:{i}";
            if (key is null)
            {
                failures.Add($"{at} is empty.");
                continue;
            }

            if (string.IsNullOrWhiteSpace(key.Name))
            {
                failures.Add($"{at}:Name is empty.");
            }
            else if (!names.Add(key.Name.Trim()))
            {
                failures.Add($"{at}:Name repeats another key's name.");
            }

            var hash = key.Sha256?.Trim();
            if (hash is null || hash.Length != Sha256HexLength || !hash.All(char.IsAsciiHexDigit))
            {
                // Most often the key itself was pasted here: say so without echoing it.
                failures.Add($"{at}:Sha256 is not 64 hex characters (the SHA-256 of the key, not the key).");
            }
            else if (!hashes.Add(hash))
            {
                failures.Add($"{at}:Sha256 repeats another key's hash.");
            }

            if (!AdminRoles.IsKnown(key.Role))
            {
                failures.Add($"{at}:Role must be '{AdminRoles.Viewer}' or '{AdminRoles.Operator}'.");
            }
        }
    }

    private static void ValidateOidc(AdminOidcOptions? oidc, List<string> failures)
    {
        const string Section = AdminOptions.SectionName + ":Oidc";
        if (oidc is null)
        {
            failures.Add($"{Section} is null.");
            return;
        }

        if (string.IsNullOrWhiteSpace(oidc.Authority))
        {
            if (!string.IsNullOrWhiteSpace(oidc.ClientId) || !string.IsNullOrWhiteSpace(oidc.ClientSecret))
            {
                failures.Add($"{Section} is partly set but its Authority is empty.");
            }

            return;
        }

        if (!Uri.TryCreate(oidc.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{Section}:Authority is not an absolute http(s) URL.");
        }
        else if (authority.Scheme != Uri.UriSchemeHttps && oidc.RequireHttpsMetadata)
        {
            failures.Add($"{Section}:Authority must use https while RequireHttpsMetadata is true.");
        }

        if (string.IsNullOrWhiteSpace(oidc.ClientId))
        {
            failures.Add($"{Section}:ClientId is empty: set the dashboard app registration's application (client) id.");
        }

        if (string.IsNullOrWhiteSpace(oidc.ClientSecret))
        {
            failures.Add($"{Section}:ClientSecret is empty: the authorization code is redeemed by a confidential client.");
        }

        if (string.IsNullOrWhiteSpace(oidc.CallbackPath) || !oidc.CallbackPath.StartsWith('/'))
        {
            failures.Add($"{Section}:CallbackPath must be a path starting with '/'.");
        }

        if (string.IsNullOrWhiteSpace(oidc.OperatorAppRole) || string.IsNullOrWhiteSpace(oidc.ViewerAppRole))
        {
            failures.Add($"{Section}:OperatorAppRole and ViewerAppRole must not be empty.");
        }
    }
}
