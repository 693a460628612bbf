using Microsoft.Extensions.Logging;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Silo.Http;

// Event ids 3200–3299. No message carries a secret, a token or a query string.
internal static partial class EventWebhookLog
{
    [LoggerMessage(3200, LogLevel.Information, "Event Grid webhook mapped at {Path}: {SecretCount} shared secret(s), Entra ID authority {Authority} with audiences {Audiences}, allowed origins {Origins}, enqueue timeout {EnqueueTimeout}")]
    public static partial void Mapped(ILogger logger, string path, int secretCount, string authority, string audiences, string origins, TimeSpan enqueueTimeout);

    [LoggerMessage(3201, LogLevel.Information, "Event Grid subscription validation answered")]
    public static partial void ValidationAnswered(ILogger logger);

    [LoggerMessage(3202, LogLevel.Warning, "Event delivery refused ({Rejection}): {Reason}")]
    public static partial void DeliveryRejected(ILogger logger, BlobEventRejection rejection, string reason);

    [LoggerMessage(3203, LogLevel.Error, "The event sink failed on a delivery of {Events} event(s); answered 503 so that Event Grid retries")]
    public static partial void SinkFailed(ILogger logger, int events, Exception exception);

    [LoggerMessage(3204, LogLevel.Warning, "The event sink did not make {Events} event(s) durable within {Timeout}; answered 503 so that Event Grid retries")]
    public static partial void SinkTimedOut(ILogger logger, int events, TimeSpan timeout);

    [LoggerMessage(3205, LogLevel.Debug, "Event delivery accepted: {Events} event(s), {Enqueued} enqueued, {Duplicates} duplicate(s), {Ignored} ignored")]
    public static partial void DeliveryAccepted(ILogger logger, int events, int enqueued, int duplicates, int ignored);

    [LoggerMessage(3206, LogLevel.Warning, "Abuse-protection handshake refused for origin {Origin}")]
    public static partial void OriginRefused(ILogger logger, string origin);

    [LoggerMessage(3207, LogLevel.Information, "Abuse-protection handshake allowed origin {Origin}")]
    public static partial void OriginAllowed(ILogger logger, string origin);

    [LoggerMessage(3208, LogLevel.Warning, "A webhook delivery presented a shared secret that matches none configured")]
    public static partial void SecretMismatch(ILogger logger);

    [LoggerMessage(3209, LogLevel.Information, "The sender went away before the delivery of {Events} event(s) was acknowledged")]
    public static partial void SenderAborted(ILogger logger, int events);
}
