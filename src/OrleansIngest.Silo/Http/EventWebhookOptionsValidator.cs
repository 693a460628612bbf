using Microsoft.Extensions.Options;

namespace OrleansIngest.Silo.Http;

/// <summary>Refuses a webhook configuration that would accept unauthenticated or weakly authenticated deliveries.</summary>
public sealed class EventWebhookOptionsValidator : IValidateOptions<EventWebhookOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, EventWebhookOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (!options.SharedSecretsEnabled && !options.EntraIdEnabled)
        {
            failures.Add(
                $"The Event Grid webhook has no authentication: set {EventWebhookOptions.SectionName}:SharedSecrets:0 or " +
                $"{EventWebhookOptions.SectionName}:EntraId:Authority (and Audience). It is never served open.");
        }

        var index = 0;
        foreach (var secret in options.SharedSecrets)
        {
            // The message names the position only: a secret must never reach a log, even a short one.
            if (string.IsNullOrWhiteSpace(secret))
            {
                failures.Add($"{EventWebhookOptions.SectionName}:SharedSecrets:{index} is blank.");
            }
            else if (secret.Length < EventWebhookOptions.MinSecretLength)
            {
                failures.Add($"{EventWebhookOptions.SectionName}:SharedSecrets:{index} is shorter than {EventWebhookOptions.MinSecretLength} characters.");
            }

            index++;
        }

        ValidateEntraId(options.EntraId, failures);
        foreach (var origin in options.AllowedOrigins)
        {
            if (string.IsNullOrWhiteSpace(origin))
            {
                failures.Add($"{EventWebhookOptions.SectionName}:AllowedOrigins holds a blank origin.");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateEntraId(EventWebhookEntraIdOptions entraId, List<string> failures)
    {
        const string Section = EventWebhookOptions.SectionName + ":EntraId";
        if (entraId is null)
        {
            failures.Add($"{Section} is null.");
            return;
        }

        if (string.IsNullOrWhiteSpace(entraId.Authority))
        {
            if (entraId.EffectiveAudiences.Count > 0 || !string.IsNullOrWhiteSpace(entraId.RequiredRole) || entraId.ValidIssuers.Count > 0)
            {
                failures.Add($"{Section} is partly set but its Authority is empty.");
            }

            return;
        }

        if (!Uri.TryCreate(entraId.Authority, UriKind.Absolute, out var authority) || (authority.Scheme != Uri.UriSchemeHttps && authority.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add($"{Section}:Authority is not an absolute http(s) URL.");
        }
        else if (authority.Scheme != Uri.UriSchemeHttps && entraId.RequireHttpsMetadata)
        {
            failures.Add($"{Section}:Authority must use https while RequireHttpsMetadata is true.");
        }

        if (entraId.EffectiveAudiences.Count == 0)
        {
            // Without an audience any token of the tenant, for any application, would be accepted.
            failures.Add($"{Section}:Audience is empty: set the webhook app registration's application id or Application ID URI.");
        }

        if (entraId.ValidIssuers.Any(string.IsNullOrWhiteSpace))
        {
            failures.Add($"{Section}:ValidIssuers holds a blank issuer.");
        }
    }
}
