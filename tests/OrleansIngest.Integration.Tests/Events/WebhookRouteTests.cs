using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;

namespace OrleansIngest.Integration.Tests.Events;

/// <summary>
/// The Event Grid webhook route end to end: a silo process serving the webhook, a continuous job under the
/// <c>latest</c> policy, and a simulator speaking Event Grid's HTTP delivery protocol — the validation handshake, then
/// batched deliveries (Event Grid schema and CloudEvents) with every event sent 1–3 times, shuffled and delayed, some
/// lost, older versions after newer ones, retried on 5xx as Event Grid retries — plus unauthenticated and malformed
/// deliveries. After one reconciliation every current version is in the output exactly once (DuckDB).
/// </summary>
[Trait("Category", "Cluster")]
public sealed class WebhookRouteTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>
{
    private const string Secret = "webhook-secret-for-the-route-test";

    [Fact]
    public async Task WebhookRoute_AfterOneReconciliationEveryCurrentVersionIsIngestedExactlyOnce()
    {
        using var temp = new TempDirectory("oi-webhook-route");
        var run = Guid.NewGuid().ToString("N")[..8];
        var source = new BlobContainerClient(azurite.ConnectionString, $"drop-{run}");
        await source.CreateAsync();
        var output = new BlobContainerClient(azurite.ConnectionString, $"out-{run}");
        await output.CreateAsync();

        var scenario = new BlobDropScenario(azurite.ConnectionString, $"hook-{run}");
        var port = ClusterScenario.FreePort();
        using var silo = ClusterScenario.StartSilo(
            azurite.ConnectionString, $"hook-{run}", "silo-0", new Dictionary<string, string> { ["ORLEANSINGEST__EVENTS__WEBHOOK__SHAREDSECRETS__0"] = Secret }, port);
        var jobId = await scenario.SubscribeAsync(azurite.ContainerUrl(source.Name, "incoming"), azurite.ContainerUrl(output.Name), "latest");
        await scenario.WaitForAsync(jobId, s => s.GetProperty("subscription").GetProperty("listings").GetInt32() >= 1, TimeSpan.FromMinutes(2), () => silo.Output);

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(40) };
        var endpoint = $"/api/events/eventgrid?code={Secret}";

        // Subscription validation: Event Grid posts the validation event and expects its code back.
        using (var validation = await PostAsync(http, endpoint, EventGridSimulator.ValidationEvent("code-4711"), "application/json", "SubscriptionValidation"))
        {
            Assert.Equal(HttpStatusCode.OK, validation.StatusCode);
            using var answer = JsonDocument.Parse(await validation.Content.ReadAsStringAsync());
            Assert.Equal("code-4711", answer.RootElement.GetProperty("validationResponse").GetString());
        }

        // CloudEvents abuse protection: OPTIONS with the origin, answered with the allowed origin.
        using (var options = new HttpRequestMessage(HttpMethod.Options, endpoint))
        {
            options.Headers.Add("WebHook-Request-Origin", "eventgrid.azure.net");
            using var response = await http.SendAsync(options);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("eventgrid.azure.net", Assert.Single(response.Headers.GetValues("WebHook-Allowed-Origin")));
        }

        var simulator = await BlobDropScenario.WriteCorpusAsync(source, temp.Combine("corpus"), seed: 29);
        var (deliveries, lost) = simulator.PlanDeliveries(lossRate: 0.05, maxBatch: 5, BlobDropScenario.IsIngested);

        // A delivery without the secret, or with a malformed body, is refused and enqueues nothing.
        var someEvents = EventGridSimulator.EventGridBatch(simulator.Writes.Take(2));
        using (var anonymous = await PostAsync(http, "/api/events/eventgrid", someEvents, "application/json", "Notification"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrong = await PostAsync(http, "/api/events/eventgrid?code=not-the-secret-at-all", someEvents, "application/json", "Notification"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var malformed = await PostAsync(http, endpoint, "[{\"id\":\"1\",\"eventType\":\"Microsoft.Storage.BlobCreated\",\"eventTime\":\"2026-01-01T00:00:00Z\",\"data\":{\"url\":\"http://x/y\"}}]", "application/json", "Notification"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
            Assert.Contains("eTag", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var status0 = await scenario.StatusAsync(jobId);
        Assert.Equal(0, status0.GetProperty("subscription").GetProperty("events").GetInt64());

        // Deliveries alternate between the two schemas Event Grid can use, with small delays between them.
        var copies = 0;
        var index = 0;
        foreach (var delivery in deliveries)
        {
            var cloudEvents = index++ % 2 == 1;
            var body = cloudEvents ? EventGridSimulator.CloudEventsBatch(delivery.Writes) : EventGridSimulator.EventGridBatch(delivery.Writes);
            await DeliverAsync(http, endpoint, body, cloudEvents ? "application/cloudevents-batch+json" : "application/json");
            copies += delivery.Writes.Count(BlobDropScenario.IsFollowed);
            await Task.Delay(simulator.Delay(TimeSpan.FromMilliseconds(30)));
        }

        await scenario.WaitForAsync(jobId, s => s.GetProperty("subscription").GetProperty("events").GetInt64() == copies, TimeSpan.FromMinutes(2), () => silo.Output);
        var lostCurrent = lost.Count(w => BlobDropScenario.IsIngested(w) && simulator.Current.TryGetValue(w.Url, out var current) && current == w);
        var reconcile = await scenario.ReconcileAsync(jobId);
        Assert.True(reconcile.ExitCode == 0, reconcile.ToString());
        Assert.Contains($"{lostCurrent} units found that events had missed", reconcile.Stdout, StringComparison.Ordinal);

        // Under 'latest' only current versions may commit; an older version is dropped as stale, cancelled as superseded,
        // or (leased before its successor arrived) quarantined as changed — never ingested.
        var current = simulator.Current.Values.Where(BlobDropScenario.IsIngested).ToList();
        var status = await scenario.WaitForAsync(
            jobId,
            s => s.GetProperty("pending").GetInt32() + s.GetProperty("leased").GetInt32() == 0 && s.GetProperty("committed").GetInt32() == current.Count,
            TimeSpan.FromMinutes(5),
            () => silo.Output);
        Assert.Equal(lostCurrent, status.GetProperty("subscription").GetProperty("found_by_listing").GetInt64());
        Assert.True(status.GetProperty("commit_latency").GetProperty("samples").GetInt64() == current.Count);

        var downloaded = temp.Combine("out");
        await ClusterScenario.DownloadAsync(output, downloaded);
        await BlobDropScenario.AssertCurrentVersionsExactlyOnceAsync(simulator, downloaded);
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient http, string path, string body, string contentType, string eventType)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
        request.Headers.Add("aeg-event-type", eventType);
        request.Headers.Add("aeg-subscription-name", "ORLEANS-INGEST-TEST");
        request.Headers.Add("aeg-delivery-count", "0");
        return await http.SendAsync(request);
    }

    // Event Grid retries a delivery that failed with 5xx or timed out, with backoff; 4xx other than 408/429 is final.
    private static async Task DeliverAsync(HttpClient http, string path, string body, string contentType)
    {
        for (var attempt = 0; ; attempt++)
        {
            using var response = await PostAsync(http, path, body, contentType, "Notification");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            var status = (int)response.StatusCode;
            if ((status < 500 && status is not 408 and not 429) || attempt == 5)
            {
                Assert.Fail($"Delivery refused with {status}: {await response.Content.ReadAsStringAsync()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1 << attempt));
        }
    }
}
