using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace OrleansIngest.Silo.Http;

/// <summary>
/// Authenticates a webhook delivery by a shared secret in the <c>x-ingest-webhook-key</c> header or the <c>code</c>
/// query parameter. No secret presented is no result (another scheme may still authenticate); a wrong one fails.
/// </summary>
internal sealed class EventWebhookSecretHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> schemeOptions,
    IOptionsMonitor<EventWebhookOptions> webhookOptions,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder) : AuthenticationHandler<AuthenticationSchemeOptions>(schemeOptions, loggerFactory, encoder)
{
    /// <summary>The authentication method claim of a principal this handler creates.</summary>
    public const string AuthenticationMethod = "shared-secret";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers[EventWebhookDefaults.SecretHeader];
        var query = Request.Query[EventWebhookDefaults.SecretQueryParameter];
        if (header.Count == 0 && query.Count == 0)
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        // Two values leave it open which one was meant; refuse rather than pick.
        if (header.Count + query.Count != 1)
        {
            return Task.FromResult(AuthenticateResult.Fail("More than one webhook secret was presented."));
        }

        var presented = header.Count == 1 ? header[0] : query[0];
        if (string.IsNullOrEmpty(presented) || !Matches(presented, webhookOptions.CurrentValue.EffectiveSharedSecrets))
        {
            EventWebhookLog.SecretMismatch(Logger);
            return Task.FromResult(AuthenticateResult.Fail("The webhook secret matches none configured."));
        }

        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "event-webhook"), new Claim(ClaimTypes.AuthenticationMethod, AuthenticationMethod)],
            Scheme.Name);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append(
            "WWW-Authenticate",
            $"WebhookKey realm=\"orleans-ingest\", header=\"{EventWebhookDefaults.SecretHeader}\", query=\"{EventWebhookDefaults.SecretQueryParameter}\"");
        return Task.CompletedTask;
    }

    // Hashing first gives equal-length inputs, so FixedTimeEquals leaks neither the secret nor its length; every
    // configured secret is compared so that the time does not say which one matched.
    private static bool Matches(string presented, IReadOnlyList<string> secrets)
    {
        Span<byte> presentedHash = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> secretHash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(presented), presentedHash);
        var matched = false;
        foreach (var secret in secrets)
        {
            SHA256.HashData(Encoding.UTF8.GetBytes(secret), secretHash);
            matched |= CryptographicOperations.FixedTimeEquals(presentedHash, secretHash);
        }

        return matched;
    }
}
