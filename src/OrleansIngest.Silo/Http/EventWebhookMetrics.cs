using System.Diagnostics.Metrics;

namespace OrleansIngest.Silo.Http;

/// <summary>Counters of the Event Grid webhook (meter <c>OrleansIngest.Events</c>).</summary>
public sealed class EventWebhookMetrics
{
    /// <summary>The meter name.</summary>
    public const string MeterName = "OrleansIngest.Events";

    /// <summary>The tag that says how a delivery ended.</summary>
    public const string OutcomeTag = "outcome";

    private readonly Counter<long> _deliveries;
    private readonly Counter<long> _events;

    /// <summary>Creates the instruments on a meter from <paramref name="meterFactory"/>.</summary>
    public EventWebhookMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _deliveries = meter.CreateCounter<long>("orleans_ingest.events.webhook.deliveries", "{delivery}", "Webhook requests that reached the endpoint, by outcome.");
        _events = meter.CreateCounter<long>("orleans_ingest.events.webhook.events", "{event}", "Blob events handed to the sink and made durable.");
    }

    /// <summary>Counts one delivery.</summary>
    public void Delivery(EventWebhookOutcome outcome) =>
        _deliveries.Add(1, new KeyValuePair<string, object?>(OutcomeTag, OutcomeName(outcome)));

    /// <summary>Counts events made durable.</summary>
    public void EventsAccepted(int count)
    {
        if (count > 0)
        {
            _events.Add(count);
        }
    }

    private static string OutcomeName(EventWebhookOutcome outcome) => outcome switch
    {
        EventWebhookOutcome.Accepted => "accepted",
        EventWebhookOutcome.Validation => "validation",
        EventWebhookOutcome.Malformed => "malformed",
        EventWebhookOutcome.TooLarge => "too_large",
        EventWebhookOutcome.Unavailable => "unavailable",
        _ => "unknown",
    };
}

/// <summary>How a webhook delivery ended (the <c>outcome</c> tag of <see cref="EventWebhookMetrics"/>).</summary>
public enum EventWebhookOutcome
{
    /// <summary>Events made durable (200).</summary>
    Accepted,

    /// <summary>Subscription validation answered (200).</summary>
    Validation,

    /// <summary>Malformed body (400).</summary>
    Malformed,

    /// <summary>Body too large or too many events (413).</summary>
    TooLarge,

    /// <summary>Sink failed or timed out (503).</summary>
    Unavailable,
}
