using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.TestSupport.Browser;

namespace OrleansIngest.Integration.Tests.Browser;

/// <summary>
/// Proves the browser harness end to end against a tiny Kestrel site on 127.0.0.1: forms, clicks, a live
/// (server-sent events) counter, values read back, screenshots kept, failures reported, and no way out to
/// any address but 127.0.0.1.
/// </summary>
[Trait("Category", "Browser")]
public sealed class BrowserHarnessTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Harness_FillsAFormClicksAndSeesTheLiveCounterChange()
    {
        await using var site = await HarnessSite.StartAsync();
        var scenario = new BrowserScenario(site.Address)
            .Goto("/")
            .WaitForText(BrowserTarget.Css("#live"), text: "0")
            .Evaluate("marker", "(window.harnessMarker = 'same page', window.harnessMarker)")
            .Fill(BrowserTarget.ByLabel("Name"), "Ada")
            .Click(BrowserTarget.ByRole("button", "Add"))
            .WaitForText(BrowserTarget.Css("#live"), text: "1")
            .WaitForText(BrowserTarget.Css("#greeting"), pattern: "^Hello, Ada$")
            .Read("state", BrowserTarget.Css("#greeting"), attribute: "data-state")
            .Read("name", BrowserTarget.ByLabel("Name"))
            .Evaluate("page", "({ title: document.title, marker: window.harnessMarker ?? null })")
            .AssertText("Live count: 1")
            .Screenshot("after-add");

        var result = await BrowserRunner.RunAsync(scenario);

        Assert.True(result.Succeeded, result.Describe());
        Assert.All(result.Steps, step => Assert.True(step.Passed, result.Describe()));
        Assert.Equal(["Ada"], site.Names);
        Assert.Equal("added", result.Text("state"));
        Assert.Equal("Ada", result.Text("name"));
        // The counter moved through the event stream: the page was never reloaded.
        Assert.Equal("Harness page", result.Values["page"].GetProperty("title").GetString());
        Assert.Equal("same page", result.Values["page"].GetProperty("marker").GetString());
        Assert.Empty(result.PageErrors);
        Assert.Empty(result.ConsoleErrors);

        var screenshot = result.Screenshot("after-add");
        Assert.Equal(Path.Combine(result.ArtifactsDirectory, "after-add.png"), screenshot.Path);
        Assert.StartsWith(
            Path.Combine(TestSupport.TestTools.RepositoryRoot, "artifacts", "test-results", "screenshots"),
            result.ArtifactsDirectory,
            StringComparison.Ordinal);
        var bytes = await File.ReadAllBytesAsync(screenshot.Path);
        Assert.Equal(screenshot.Bytes, bytes.Length);
        Assert.True(bytes.Length > PngSignature.Length, $"{screenshot.Path} is empty");
        Assert.Equal(PngSignature, bytes[..PngSignature.Length]);
    }

    [Fact]
    public async Task Harness_ReachesOnly127001_OutsideAddressesAndOtherLoopbackNamesFail()
    {
        await using var site = await HarnessSite.StartAsync();
        var sameServerByName = $"http://localhost:{site.Address.Port}/";
        var scenario = new BrowserScenario(site.Address)
            .Goto("/")
            // no-cors: an opaque response resolves, only a network error rejects; so 'reached' means reached.
            .Evaluate("self", Probe(new Uri(site.Address, "/").AbsoluteUri))
            .Evaluate("localhost", Probe(sameServerByName))
            .Evaluate("outsideName", Probe("http://example.com/"))
            .Evaluate("outsideAddress", Probe("http://1.1.1.1/"))
            .Goto("http://example.com/");

        var result = await BrowserRunner.RunAsync(scenario);

        Assert.False(result.Succeeded, result.Describe());
        Assert.Equal("passed", result.Steps[0].Status);
        Assert.Equal("reached", result.Text("self"));
        Assert.StartsWith("blocked", result.Text("localhost"), StringComparison.Ordinal);
        Assert.StartsWith("blocked", result.Text("outsideName"), StringComparison.Ordinal);
        Assert.StartsWith("blocked", result.Text("outsideAddress"), StringComparison.Ordinal);
        var navigation = result.Steps[^1];
        Assert.Equal("failed", navigation.Status);
        Assert.Contains("net::ERR_PROXY_CONNECTION_FAILED", navigation.Error, StringComparison.Ordinal);
        // The requests went to the dead proxy on 127.0.0.1:9 (the harness's switches), not out to the network.
        foreach (var url in new[] { sameServerByName, "http://example.com/", "http://1.1.1.1/" })
        {
            var failed = result.FailedRequests.Where(request => request.Url == url).ToList();
            Assert.NotEmpty(failed);
            Assert.All(failed, request => Assert.Equal("net::ERR_PROXY_CONNECTION_FAILED", request.Error));
        }

        // Nothing arrived at our server under the name localhost either.
        Assert.All(site.Hosts, host => Assert.Equal($"127.0.0.1:{site.Address.Port}", host));
    }

    [Fact]
    public async Task Harness_ReportsTheFailedStepSkipsTheRestAndKeepsAFailureScreenshot()
    {
        await using var site = await HarnessSite.StartAsync();
        var scenario = new BrowserScenario(site.Address) { StepTimeout = TimeSpan.FromSeconds(2) }
            .Goto("/")
            .WaitForText(BrowserTarget.Css("#greeting"), text: "Hello, Nobody")
            .Click(BrowserTarget.ByRole("button", "Add"))
            .Screenshot("never-taken");

        var result = await BrowserRunner.RunAsync(scenario);

        Assert.False(result.Succeeded);
        Assert.Equal(["passed", "failed", "skipped", "skipped"], result.Steps.Select(step => step.Status));
        Assert.Contains("Nobody yet", result.Steps[1].Error, StringComparison.Ordinal);
        Assert.Contains("Hello, Nobody", result.Steps[1].Error, StringComparison.Ordinal);
        Assert.Empty(site.Names);
        Assert.False(File.Exists(Path.Combine(result.ArtifactsDirectory, "never-taken.png")));
        var failure = result.Screenshot("failure");
        Assert.True(new FileInfo(failure.Path).Length > 0, $"{failure.Path} is empty");
    }

    private static string Probe(string url) =>
        $"fetch('{url}', {{ mode: 'no-cors', cache: 'no-store' }}).then(() => 'reached', error => 'blocked: ' + error.message)";

    /// <summary>One page with a form and a counter that the server pushes over server-sent events.</summary>
    private sealed class HarnessSite : IAsyncDisposable
    {
        private const string Page = """
            <!doctype html>
            <html lang="en">
            <head><meta charset="utf-8"><title>Harness page</title><link rel="icon" href="data:,"></head>
            <body>
              <h1>Browser harness</h1>
              <form id="add">
                <label for="name">Name</label> <input id="name" name="name">
                <button type="submit">Add</button>
              </form>
              <p id="greeting" data-state="idle">Nobody yet</p>
              <p>Live count: <span id="live">…</span></p>
              <script>
                const live = document.getElementById('live');
                new EventSource('/events').onmessage = (message) => { live.textContent = message.data; };
                document.getElementById('add').addEventListener('submit', async (submit) => {
                  submit.preventDefault();
                  const response = await fetch('/add', { method: 'POST', body: new URLSearchParams(new FormData(submit.target)) });
                  const greeting = document.getElementById('greeting');
                  greeting.textContent = await response.text();
                  greeting.dataset.state = 'added';
                });
              </script>
            </body>
            </html>
            """;

        private readonly WebApplication _app;
        private readonly ConcurrentQueue<string> _names = new();
        private readonly ConcurrentQueue<string> _hosts = new();
        private readonly Lock _gate = new();
        private TaskCompletionSource _changed = NewSignal();

        private HarnessSite(WebApplication app)
        {
            _app = app;
        }

        public Uri Address { get; private set; } = null!;

        public IReadOnlyList<string> Names => [.. _names];

        public IReadOnlyList<string> Hosts => [.. _hosts];

        public static async Task<HarnessSite> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            builder.Logging.ClearProviders();
            var site = new HarnessSite(builder.Build());
            site.Map();
            await site._app.StartAsync();
            var address = site._app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
            site.Address = new Uri(address);
            return site;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

        private void Map()
        {
            _app.Use((context, next) =>
            {
                _hosts.Enqueue(context.Request.Host.Value ?? "");
                return next(context);
            });
            _app.MapGet("/", () => Results.Content(Page, "text/html; charset=utf-8"));
            _app.MapPost("/add", async (HttpRequest request) =>
            {
                var name = (await request.ReadFormAsync(request.HttpContext.RequestAborted))["name"].ToString();
                lock (_gate)
                {
                    _names.Enqueue(name);
                    _changed.TrySetResult();
                    _changed = NewSignal();
                }

                return Results.Text($"Hello, {name}");
            });
            _app.MapGet("/events", StreamCountAsync);
        }

        private async Task StreamCountAsync(HttpContext context)
        {
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(
                context.RequestAborted, _app.Lifetime.ApplicationStopping);
            context.Response.ContentType = "text/event-stream";
            context.Response.Headers.CacheControl = "no-cache";
            try
            {
                while (true)
                {
                    Task changed;
                    int count;
                    lock (_gate)
                    {
                        changed = _changed.Task;
                        count = _names.Count;
                    }

                    await context.Response.WriteAsync($"data: {count}\n\n", stop.Token);
                    await context.Response.Body.FlushAsync(stop.Token);
                    await changed.WaitAsync(stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The browser went away or the site is stopping: the stream simply ends.
            }
        }
    }
}
