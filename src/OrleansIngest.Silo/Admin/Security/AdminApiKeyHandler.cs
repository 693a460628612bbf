using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Silo.Admin.Http;

namespace OrleansIngest.Silo.Admin.Security;

/// <summary>
/// Authenticates a machine client by an API key in the <c>X-Api-Key</c> header against the configured SHA-256 hashes.
/// No header is no result; a key that matches no hash fails.
/// </summary>
internal sealed class AdminApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    IOptionsMonitor<AdminOptions> adminOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[AdminAuthenticationDefaults.ApiKeyHeader];
        if (header.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        if (header.Count != 1 || string.IsNullOrEmpty(header[0]))
        {
            return Task.FromResult(AuthenticateResult.Fail("Exactly one API key must be presented."));
        }

        var key = Find(header[0]!, adminOptions.CurrentValue.ApiKeys);
        if (key is null)
        {
            AdminDashboardLog.ApiKeyMismatch(Logger);
            return Task.FromResult(AuthenticateResult.Fail("The API key matches none configured."));
        }

        var identity = new ClaimsIdentity(
            [
                new Claim(ClaimTypes.Name, key.Name!.Trim()),
                new Claim(ClaimTypes.Role, key.Role!),
                new Claim(ClaimTypes.AuthenticationMethod, AdminAuthenticationDefaults.ApiKeyMethod),
            ],
            Scheme.Name,
            ClaimTypes.Name,
            ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    // Every configured hash is compared, each in fixed time, so that the time taken says neither whether nor which
    // key matched. Hashes that do not parse were refused at start by the options validator.
    private static AdminApiKeyOptions? Find(string presented, IList<AdminApiKeyOptions> keys)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> configuredHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        AdminApiKeyOptions? found = null;
        foreach (var key in keys)
        {
            if (key.Sha256 is null || Convert.FromHexString(key.Sha256.Trim(), configuredHash, out _, out var written) != System.Buffers.OperationStatus.Done ||
                written != SHA256.HashSizeInBytes)
            {
                continue;
            }

            if (CryptographicOperations.FixedTimeEquals(presentedHash, configuredHash))
            {
                found ??= key;
            }
        }

        return found;
    }
}
