using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Processing.Events;
using OrleansIngest.Silo.Http;

namespace OrleansIngest.Integration.Tests.Webhook;

[Trait("Category", "Integration")]
public sealed class EventWebhookTests
{
    private const string SecretQuery = "?code=" + WebhookHost.Secret;

    [Fact]
    public async Task Validation_EchoesTheCodeAndEnqueuesNothing()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.Validation, SecretQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var property = Assert.Single(body.RootElement.EnumerateObject());
        Assert.Equal("validationResponse", property.Name);
        Assert.Equal(EventBodies.ValidationCode, property.Value.GetString());
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task Validation_WithoutTheSecretIsUnauthorized()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.Validation);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.DoesNotContain(EventBodies.ValidationCode, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbuseProtection_AllowsEventGridOriginWithAnUnlimitedRate()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await SendHandshakeAsync(host, "eventgrid.azure.net");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eventgrid.azure.net", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Origin")));
        Assert.Equal("*", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Rate")));
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task AbuseProtection_RefusesAnUnlistedOriginWithoutConsentHeaders()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await SendHandshakeAsync(host, "attacker.example.com");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("WebHook-Allowed-Origin"));
        Assert.False(response.Headers.Contains("WebHook-Allowed-Rate"));
    }

    [Fact]
    public async Task AbuseProtection_WithoutARequestOriginIsBadRequest()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await SendHandshakeAsync(host, origin: null);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("WebHook-Request-Origin", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AbuseProtection_ConfiguredOriginsReplaceTheEventGridDefault()
    {
        var settings = WebhookHost.SecretSettings(WebhookHost.Secret);
        settings[$"{EventWebhookOptions.SectionName}:AllowedOrigins:0"] = "events.example.com";
        await using var host = await WebhookHost.StartAsync(settings);

        using var configured = await SendHandshakeAsync(host, "EVENTS.example.com");
        using var eventGrid = await SendHandshakeAsync(host, "eventgrid.azure.net");

        Assert.Equal(HttpStatusCode.OK, configured.StatusCode);
        Assert.Equal("EVENTS.example.com", Assert.Single(configured.Headers.GetValues("WebHook-Allowed-Origin")));
        Assert.Equal(HttpStatusCode.Forbidden, eventGrid.StatusCode);
    }

    [Fact]
    public async Task EventGridArray_ReachesTheSinkAsOneBatch()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.EventGridArray(1, 2), SecretQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = Assert.Single(host.Sink.Batches);
        Assert.Equal(["eg-1", "eg-2"], batch.Select(e => e.Id));
        Assert.All(batch, e => Assert.Equal(BlobEventKind.Created, e.Kind));
        Assert.Equal([EventBodies.Url(1), EventBodies.Url(2)], batch.Select(e => e.Url));
        Assert.Equal([EventBodies.ETag(1), EventBodies.ETag(2)], batch.Select(e => e.ETag));
        Assert.Equal([1001L, 1002L], batch.Select(e => e.Size!.Value));
        using var summary = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, summary.RootElement.GetProperty("events").GetInt32());
        Assert.Equal(2, summary.RootElement.GetProperty("enqueued").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("ignored").GetInt32());
    }

    [Fact]
    public async Task CloudEvent_ReachesTheSink()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.CloudEventCreated(7), SecretQuery, contentType: "application/cloudevents+json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var blobEvent = Assert.Single(Assert.Single(host.Sink.Batches));
        Assert.Equal("ce-7", blobEvent.Id);
        Assert.Equal(EventBodies.Url(7), blobEvent.Url);
        Assert.Equal(EventBodies.ETag(7), blobEvent.ETag);
        Assert.Equal(1007L, blobEvent.Size);
    }

    [Fact]
    public async Task CloudEventsBatch_ReachesTheSinkAsOneBatch()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.CloudEventsBatch(3, 4, 5), SecretQuery, contentType: "application/cloudevents-batch+json");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var batch = Assert.Single(host.Sink.Batches);
        Assert.Equal(["ce-3", "ce-4", "ce-5"], batch.Select(e => e.Id));
        Assert.Equal([EventBodies.Url(3), EventBodies.Url(4), EventBodies.Url(5)], batch.Select(e => e.Url));
    }

    [Fact]
    public async Task OnlyIgnoredEventTypes_AreAcknowledgedWithoutCallingTheSink()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        var tierChanged = EventBodies.EventGridArray(1).Replace("Microsoft.Storage.BlobCreated", "Microsoft.Storage.BlobTierChanged", StringComparison.Ordinal);

        using var response = await host.PostAsync(tierChanged, SecretQuery);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var summary = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(1, summary.RootElement.GetProperty("ignored").GetInt32());
        Assert.Equal(0, summary.RootElement.GetProperty("events").GetInt32());
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task MissingSecret_IsUnauthorizedWithAChallengeAndEnqueuesNothing()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.EventGridArray(1));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Parameter?.Contains(EventWebhookDefaults.SecretHeader, StringComparison.Ordinal) == true);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task WrongSecretInQuery_IsUnauthorizedAndEnqueuesNothing()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), "?code=" + WebhookHost.Secret[..^1]);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task WrongSecretInHeader_IsUnauthorizedAndEnqueuesNothing()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), headerSecret: WebhookHost.Secret + "x");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task SecretInHeader_IsAccepted()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), headerSecret: WebhookHost.Secret);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("eg-1", Assert.Single(host.Sink.Events).Id);
    }

    [Fact]
    public async Task EitherOfTwoConfiguredSecrets_IsAcceptedDuringRotation()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret, WebhookHost.SecondSecret));

        using var old = await host.PostAsync(EventBodies.EventGridArray(1), "?code=" + WebhookHost.Secret);
        using var rotated = await host.PostAsync(EventBodies.EventGridArray(2), headerSecret: WebhookHost.SecondSecret);

        Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        Assert.Equal(HttpStatusCode.OK, rotated.StatusCode);
        Assert.Equal(["eg-1", "eg-2"], host.Sink.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task SecretInBothHeaderAndQuery_IsUnauthorized()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), SecretQuery, headerSecret: WebhookHost.Secret);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task MalformedJson_IsBadRequestWithTheReason()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));

        using var response = await host.PostAsync("[{\"id\": ", SecretQuery);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("not valid JSON", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task MissingETag_IsBadRequestNamingTheFieldAndTheEvent()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        var body = EventBodies.EventGridWithoutETag(1);
        Assert.DoesNotContain("eTag", body, StringComparison.Ordinal);

        using var response = await host.PostAsync(body, SecretQuery);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("event 0: data.eTag is missing", await response.Content.ReadAsStringAsync());
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task OversizedBodyWithContentLength_IsRefusedWith413()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        var body = OversizedBody();
        using var request = new HttpRequestMessage(HttpMethod.Post, EventWebhookDefaults.Path + SecretQuery) { Content = new ByteArrayContent(body) };

        using var response = await host.SendAndDisposeAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"exceeds the limit of {BlobEventLimits.DefaultMaxBodyBytes} bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task OversizedChunkedBody_IsRefusedWith413()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        var request = new HttpRequestMessage(HttpMethod.Post, EventWebhookDefaults.Path + SecretQuery) { Content = new ByteArrayContent(OversizedBody()) };
        request.Headers.TransferEncodingChunked = true;

        using var response = await host.SendAndDisposeAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"exceeds the limit of {BlobEventLimits.DefaultMaxBodyBytes} bytes", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task TooManyEvents_IsRefusedWith413()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        var body = "[" + string.Join(",", Enumerable.Repeat("{}", BlobEventLimits.DefaultMaxEvents + 1)) + "]";

        using var response = await host.PostAsync(body, SecretQuery);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains($"at most {BlobEventLimits.DefaultMaxEvents} are accepted", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task SinkFailure_Is503WithRetryAfterAndIsLogged()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        host.Sink.Behaviour = SinkBehaviour.Throw;

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), SecretQuery);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(10), response.Headers.RetryAfter?.Delta);
        Assert.Equal(1, host.Sink.Calls);
        Assert.Empty(host.Sink.Batches);
        var logged = Assert.Single(host.Logs.Entries, entry => entry.EventId.Id == 3203);
        Assert.Contains("job partition store is unavailable", logged.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SinkSlowerThanTheEnqueueTimeout_Is503AndCancelsTheSink()
    {
        var settings = WebhookHost.SecretSettings(WebhookHost.Secret);
        settings[$"{EventWebhookOptions.SectionName}:EnqueueTimeout"] = "00:00:00.200";
        await using var host = await WebhookHost.StartAsync(settings);
        host.Sink.Behaviour = SinkBehaviour.Block;

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), SecretQuery);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        // A guard against a hang, not a timing assertion: the sink must have seen its token cancelled.
        await host.Sink.CancellationObserved.Task.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Empty(host.Sink.Batches);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 3204);
    }

    [Fact]
    public async Task SinkIgnoringCancellation_StillGets503AtTheEnqueueTimeout()
    {
        var settings = WebhookHost.SecretSettings(WebhookHost.Secret);
        settings[$"{EventWebhookOptions.SectionName}:EnqueueTimeout"] = "00:00:00.200";
        await using var host = await WebhookHost.StartAsync(settings);
        host.Sink.Behaviour = SinkBehaviour.BlockIgnoringCancellation;

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), SecretQuery);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Empty(host.Sink.Batches);
    }

    [Fact]
    public async Task Secret_NeverReachesALog()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret, WebhookHost.SecondSecret));
        var wrong = WebhookHost.Secret.ToUpperInvariant();

        using var inQuery = await host.PostAsync(EventBodies.EventGridArray(1), SecretQuery);
        using var inHeader = await host.PostAsync(EventBodies.EventGridArray(2), headerSecret: WebhookHost.SecondSecret);
        using var wrongInQuery = await host.PostAsync(EventBodies.EventGridArray(3), "?code=" + wrong);
        using var wrongInHeader = await host.PostAsync(EventBodies.EventGridArray(4), headerSecret: wrong);

        Assert.Equal(HttpStatusCode.OK, inQuery.StatusCode);
        Assert.Equal(HttpStatusCode.OK, inHeader.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongInQuery.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongInHeader.StatusCode);
        var entries = host.Logs.Entries;
        // Logging was on at every level for every category, ASP.NET Core's own included.
        Assert.Contains(entries, entry => entry.Category.StartsWith("Microsoft.AspNetCore.Routing", StringComparison.Ordinal));
        Assert.Contains(entries, entry => entry.EventId.Id == 3208);
        Assert.All(entries, entry =>
        {
            Assert.DoesNotContain(WebhookHost.Secret, entry.Text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain(WebhookHost.SecondSecret, entry.Text, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task Metrics_CountDeliveriesByOutcomeAndAcceptedEvents()
    {
        await using var host = await WebhookHost.StartAsync(WebhookHost.SecretSettings(WebhookHost.Secret));
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        var measurements = new ConcurrentQueue<(string Instrument, long Value, string? Outcome)>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, meterListener) =>
            {
                if (instrument.Meter.Name == EventWebhookMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    meterListener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? outcome = null;
            foreach (var tag in tags)
            {
                if (tag.Key == EventWebhookMetrics.OutcomeTag)
                {
                    outcome = tag.Value as string;
                }
            }

            measurements.Enqueue((instrument.Name, value, outcome));
        });
        listener.Start();

        using var accepted = await host.PostAsync(EventBodies.EventGridArray(1, 2, 3), SecretQuery);
        using var validation = await host.PostAsync(EventBodies.Validation, SecretQuery);
        using var malformed = await host.PostAsync("{", SecretQuery);
        host.Sink.Behaviour = SinkBehaviour.Throw;
        using var unavailable = await host.PostAsync(EventBodies.EventGridArray(4), SecretQuery);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
        var deliveries = measurements.Where(m => m.Instrument == "orleans_ingest.events.webhook.deliveries").Select(m => m.Outcome).Order().ToList();
        Assert.Equal(["accepted", "malformed", "unavailable", "validation"], deliveries);
        Assert.Equal(3L, measurements.Where(m => m.Instrument == "orleans_ingest.events.webhook.events").Sum(m => m.Value));
    }

    private static byte[] OversizedBody()
    {
        var body = new byte[BlobEventLimits.DefaultMaxBodyBytes + 1024];
        body.AsSpan().Fill((byte)' ');
        body[0] = (byte)'[';
        body[^1] = (byte)']';
        return body;
    }

    private static Task<HttpResponseMessage> SendHandshakeAsync(WebhookHost host, string? origin)
    {
        var request = new HttpRequestMessage(HttpMethod.Options, EventWebhookDefaults.Path);
        if (origin is not null)
        {
            request.Headers.Add("WebHook-Request-Origin", origin);
        }

        return host.SendAndDisposeAsync(request);
    }
}
