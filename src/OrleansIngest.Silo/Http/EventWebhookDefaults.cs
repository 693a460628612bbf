namespace OrleansIngest.Silo.Http;

/// <summary>Names the Event Grid webhook uses: its route, header, authentication schemes and policy.</summary>
public static class EventWebhookDefaults
{
    /// <summary>The route Event Grid delivers to (<c>POST</c>) and probes (<c>OPTIONS</c>).</summary>
    public const string Path = "/api/events/eventgrid";

    /// <summary>The query parameter that may carry the shared secret (Event Grid's usual form).</summary>
    public const string SecretQueryParameter = "code";

    /// <summary>The header that may carry the shared secret (an Event Grid static delivery property).</summary>
    public const string SecretHeader = "x-ingest-webhook-key";

    /// <summary>The authentication scheme that checks the shared secret.</summary>
    public const string SharedSecretScheme = "OrleansIngest.EventWebhook.SharedSecret";

    /// <summary>The JwtBearer authentication scheme that checks Entra ID tokens.</summary>
    public const string EntraIdScheme = "OrleansIngest.EventWebhook.EntraId";
}
