using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansIngest.Processing.Events;
using OrleansIngest.Silo.Http;

namespace OrleansIngest.Integration.Tests.Webhook;

/// <summary>A real Kestrel host on 127.0.0.1 serving only the Event Grid webhook, with a recording sink.</summary>
public sealed class WebhookHost : IAsyncDisposable
{
    public const string Secret = "s3cret-0123456789-abcdef";
    public const string SecondSecret = "rotated-secret-9876543210";

    private readonly WebApplication _app;

    private WebhookHost(WebApplication app, Uri address, RecordingBlobEventSink sink, RecordingLoggerProvider logs)
    {
        _app = app;
        Sink = sink;
        Logs = logs;
        Client = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { BaseAddress = address };
    }

    public HttpClient Client { get; }

    public RecordingBlobEventSink Sink { get; }

    public RecordingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    public static Dictionary<string, string?> SecretSettings(params string[] secrets)
    {
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < secrets.Length; i++)
        {
            settings[$"{EventWebhookOptions.SectionName}:SharedSecrets:{i}"] = secrets[i];
        }

        return settings;
    }

    public static WebApplication Build(IDictionary<string, string?> settings, IBlobEventSink? sink, RecordingLoggerProvider? logs = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (logs is not null)
        {
            builder.Logging.AddProvider(logs);
        }

        if (sink is not null)
        {
            builder.Services.AddSingleton(sink);
        }

        builder.Services.AddEventWebhook(builder.Configuration);
        return builder.Build();
    }

    public static async Task<WebhookHost> StartAsync(IDictionary<string, string?> settings, RecordingBlobEventSink? sink = null)
    {
        sink ??= new RecordingBlobEventSink();
        var logs = new RecordingLoggerProvider();
        var app = Build(settings, sink, logs);
        app.MapEventWebhook();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new WebhookHost(app, new Uri(address), sink, logs);
    }

    public Task<HttpResponseMessage> PostAsync(string body, string? query = null, string? headerSecret = null, string? bearer = null, string contentType = "application/json")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, EventWebhookDefaults.Path + (query ?? ""))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, contentType),
        };
        if (headerSecret is not null)
        {
            request.Headers.Add(EventWebhookDefaults.SecretHeader, headerSecret);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", bearer);
        }

        return SendAndDisposeAsync(request);
    }

    public async Task<HttpResponseMessage> SendAndDisposeAsync(HttpRequestMessage request)
    {
        using (request)
        {
            return await Client.SendAsync(request);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
