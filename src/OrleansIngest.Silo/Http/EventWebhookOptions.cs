using System.ComponentModel.DataAnnotations;

namespace OrleansIngest.Silo.Http;

/// <summary>
/// The Event Grid webhook (section <c>OrleansIngest:Events:Webhook</c>). At least one way of authenticating deliveries
/// (a shared secret or Entra ID) must be configured: the webhook is never served open.
/// </summary>
public sealed class EventWebhookOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Events:Webhook";

    /// <summary>The origin Event Grid names in the CloudEvents abuse-protection handshake.</summary>
    public const string EventGridOrigin = "eventgrid.azure.net";

    /// <summary>Shortest shared secret accepted, in characters.</summary>
    public const int MinSecretLength = 16;

    /// <summary>
    /// Accepted shared secrets, given by the sender as <c>?code=</c> or the <c>x-ingest-webhook-key</c> header. Any one
    /// matches, so that a secret is rotated by adding the new one, moving the subscription, then removing the old one.
    /// </summary>
    public IList<string> SharedSecrets { get; } = [];

    /// <summary>Entra ID bearer tokens; unused while <see cref="EventWebhookEntraIdOptions.Authority"/> is empty.</summary>
    public EventWebhookEntraIdOptions EntraId { get; set; } = new();

    /// <summary>
    /// Origins allowed by the CloudEvents abuse-protection handshake (<c>OPTIONS</c> with <c>WebHook-Request-Origin</c>);
    /// empty means <see cref="EventGridOrigin"/> only.
    /// </summary>
    public IList<string> AllowedOrigins { get; } = [];

    /// <summary>
    /// How long a delivery waits for the sink to make its events durable before answering 503 (Event Grid then retries).
    /// Event Grid gives up on a response after 30 s, so this stays below that.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan EnqueueTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The shared secrets that are not blank.</summary>
    public IReadOnlyList<string> EffectiveSharedSecrets => [.. SharedSecrets.Where(secret => !string.IsNullOrWhiteSpace(secret))];

    /// <summary>The origins the abuse-protection handshake allows.</summary>
    public IReadOnlyList<string> EffectiveAllowedOrigins =>
        AllowedOrigins.Count == 0 ? [EventGridOrigin] : [.. AllowedOrigins.Where(origin => !string.IsNullOrWhiteSpace(origin)).Select(origin => origin.Trim())];

    /// <summary>Whether shared secrets are configured.</summary>
    public bool SharedSecretsEnabled => EffectiveSharedSecrets.Count > 0;

    /// <summary>Whether Entra ID bearer tokens are configured.</summary>
    public bool EntraIdEnabled => !string.IsNullOrWhiteSpace(EntraId.Authority);
}

/// <summary>Entra ID (or any OpenID Connect authority) bearer tokens for the Event Grid webhook.</summary>
public sealed class EventWebhookEntraIdOptions
{
    /// <summary>
    /// The token authority, e.g. <c>https://login.microsoftonline.com/{tenant}/v2.0</c>; issuer and signing keys are read
    /// from its <c>.well-known/openid-configuration</c>. Empty disables bearer tokens.
    /// </summary>
    public string? Authority { get; set; }

    /// <summary>One accepted audience: the webhook app registration's application id or Application ID URI.</summary>
    public string? Audience { get; set; }

    /// <summary>Further accepted audiences (e.g. both the application id and its URI).</summary>
    public IList<string> Audiences { get; } = [];

    /// <summary>
    /// Issuers accepted besides the authority's own. An app registration whose manifest does not ask for v2.0 tokens
    /// gets v1.0 tokens issued by <c>https://sts.windows.net/{tenant}/</c> even from a v2.0 authority; list it here.
    /// </summary>
    public IList<string> ValidIssuers { get; } = [];

    /// <summary>
    /// An app role the token must carry (<c>roles</c> claim), e.g. <c>AzureEventGridSecureWebhookSubscriber</c>, so that
    /// only Event Grid's service principal, not any client of the tenant, can deliver. Empty skips the check.
    /// </summary>
    public string? RequiredRole { get; set; }

    /// <summary>Whether the authority's metadata must be fetched over HTTPS (turn off only for a local test authority).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary><see cref="Audience"/> and <see cref="Audiences"/>, without blanks or repeats.</summary>
    public IReadOnlyList<string> EffectiveAudiences =>
        [.. Audiences.Append(Audience).Where(audience => !string.IsNullOrWhiteSpace(audience)).Select(audience => audience!.Trim()).Distinct(StringComparer.Ordinal)];
}
