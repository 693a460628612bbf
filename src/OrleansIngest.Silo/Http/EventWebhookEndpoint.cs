using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Silo.Http;

/// <summary>The request handlers behind <see cref="EventWebhookDefaults.Path"/>; authentication happens before them.</summary>
internal sealed class EventWebhookEndpoint(
    BlobEventParser parser,
    IOptionsMonitor<EventWebhookOptions> options,
    EventWebhookMetrics metrics,
    TimeProvider timeProvider,
    ILogger<EventWebhookEndpoint> logger)
{
    private const string RequestOriginHeader = "WebHook-Request-Origin";
    private const string AllowedOriginHeader = "WebHook-Allowed-Origin";
    private const string AllowedRateHeader = "WebHook-Allowed-Rate";
    private const string AllowedMethods = "POST, OPTIONS";
    private const int MaxLoggedOriginLength = 253;

    /// <summary>What a 503 asks Event Grid to wait; its own retry schedule starts at 10 s as well.</summary>
    internal static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(10);

    /// <summary>Handles <c>POST</c>: a subscription validation handshake or a delivery of events.</summary>
    public async Task HandleDeliveryAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength is { } declared && declared > parser.Limits.MaxBodyBytes)
        {
            // Refused before reading: the declared length is only compared, never allocated from.
            await RejectAsync(context, new InvalidBlobEventException(
                BlobEventRejection.BodyTooLarge, $"the body exceeds the limit of {parser.Limits.MaxBodyBytes} bytes"));
            return;
        }

        BlobEventDelivery delivery;
        try
        {
            delivery = await parser.ParseAsync(request.Body, context.RequestAborted);
        }
        catch (InvalidBlobEventException exception)
        {
            await RejectAsync(context, exception);
            return;
        }

        switch (delivery)
        {
            case SubscriptionValidationRequest validation:
                metrics.Delivery(EventWebhookOutcome.Validation);
                EventWebhookLog.ValidationAnswered(logger);
                context.Response.StatusCode = StatusCodes.Status200OK;
                context.Response.ContentType = "application/json";
                await context.Response.Body.WriteAsync(validation.CreateResponseBody(), context.RequestAborted);
                return;
            case BlobEventNotification notification:
                await EnqueueAsync(context, notification);
                return;
            default:
                throw new InvalidOperationException($"Unknown delivery {delivery.GetType().Name}.");
        }
    }

    /// <summary>Handles <c>OPTIONS</c>: the CloudEvents 1.0 webhook abuse-protection handshake.</summary>
    public Task HandleHandshakeAsync(HttpContext context)
    {
        var response = context.Response;
        response.Headers.Allow = AllowedMethods;
        var requested = context.Request.Headers[RequestOriginHeader];
        if (requested.Count != 1 || string.IsNullOrWhiteSpace(requested[0]))
        {
            return WriteTextAsync(context, StatusCodes.Status400BadRequest, $"exactly one {RequestOriginHeader} header is required");
        }

        var origin = requested[0]!.Trim();
        if (!options.CurrentValue.EffectiveAllowedOrigins.Contains(origin, StringComparer.OrdinalIgnoreCase))
        {
            EventWebhookLog.OriginRefused(logger, origin.Length <= MaxLoggedOriginLength ? origin : origin[..MaxLoggedOriginLength]);
            return WriteTextAsync(context, StatusCodes.Status403Forbidden, "this origin may not deliver events here");
        }

        // Consent is the pair of headers, not the status code; the rate is unlimited because backpressure is the 503.
        EventWebhookLog.OriginAllowed(logger, origin);
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers[AllowedOriginHeader] = origin;
        response.Headers[AllowedRateHeader] = "*";
        return Task.CompletedTask;
    }

    private async Task EnqueueAsync(HttpContext context, BlobEventNotification notification)
    {
        var result = BlobEventSinkResult.Empty;
        if (notification.Events.Count > 0)
        {
            var timeout = options.CurrentValue.EnqueueTimeout;
            var sink = context.RequestServices.GetRequiredService<IBlobEventSink>();
            using var deadline = new CancellationTokenSource(timeout, timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
            try
            {
                // WaitAsync as well as the token: a sink that ignores cancellation must not hold the response past the deadline.
                result = await sink.EnqueueAsync(notification.Events, linked.Token).WaitAsync(linked.Token);
            }
            catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
            {
                // Nobody is left to answer; Event Grid counts the delivery as failed and retries it.
                EventWebhookLog.SenderAborted(logger, notification.Events.Count);
                return;
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                EventWebhookLog.SinkTimedOut(logger, notification.Events.Count, timeout);
                await UnavailableAsync(context);
                return;
            }
            catch (Exception exception)
            {
                EventWebhookLog.SinkFailed(logger, notification.Events.Count, exception);
                await UnavailableAsync(context);
                return;
            }
        }

        metrics.Delivery(EventWebhookOutcome.Accepted);
        metrics.EventsAccepted(notification.Events.Count);
        EventWebhookLog.DeliveryAccepted(logger, notification.Events.Count, result.Enqueued, result.Duplicates, notification.IgnoredEvents);
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(Summarise(result, notification.IgnoredEvents), context.RequestAborted);
    }

    private Task RejectAsync(HttpContext context, InvalidBlobEventException exception)
    {
        var tooLarge = exception.Rejection is BlobEventRejection.BodyTooLarge or BlobEventRejection.TooManyEvents;
        metrics.Delivery(tooLarge ? EventWebhookOutcome.TooLarge : EventWebhookOutcome.Malformed);
        EventWebhookLog.DeliveryRejected(logger, exception.Rejection, exception.Message);
        return WriteTextAsync(context, tooLarge ? StatusCodes.Status413PayloadTooLarge : StatusCodes.Status400BadRequest, exception.Message);
    }

    private Task UnavailableAsync(HttpContext context)
    {
        metrics.Delivery(EventWebhookOutcome.Unavailable);
        context.Response.Headers.RetryAfter = ((int)RetryAfter.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteTextAsync(context, StatusCodes.Status503ServiceUnavailable, "the events could not be made durable; deliver them again later");
    }

    private static Task WriteTextAsync(HttpContext context, int statusCode, string text)
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync(text, Encoding.UTF8, context.RequestAborted);
    }

    private static byte[] Summarise(BlobEventSinkResult result, int ignored)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("events", result.Events);
            writer.WriteNumber("enqueued", result.Enqueued);
            writer.WriteNumber("duplicates", result.Duplicates);
            writer.WriteNumber("stale", result.Stale);
            writer.WriteNumber("deletions", result.Deletions);
            writer.WriteNumber("unrouted", result.Unrouted);
            writer.WriteNumber("ignored", ignored);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
