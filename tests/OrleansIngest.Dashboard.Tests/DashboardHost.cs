using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>A real Kestrel host on 127.0.0.1 serving only the admin dashboard over a <see cref="RecordingAdminService"/>.</summary>
public sealed partial class DashboardHost : IAsyncDisposable
{
    public const string ViewerKey = "viewer-key-5f0c2d7e9a8b4c1d";
    public const string OperatorKey = "operator-key-1a2b3c4d5e6f7a8b";
    public const string ViewerName = "grafana-reader";
    public const string OperatorName = "ci-deployer";

    private readonly WebApplication _app;

    private DashboardHost(WebApplication app, Uri address, RecordingAdminService service, RecordingLoggerProvider logs)
    {
        _app = app;
        Address = address;
        Service = service;
        Logs = logs;
        Client = CreateClient(cookies: null);
    }

    public Uri Address { get; }

    /// <summary>A client without cookies that does not follow redirects.</summary>
    public HttpClient Client { get; }

    public RecordingAdminService Service { get; }

    public RecordingLoggerProvider Logs { get; }

    public IServiceProvider Services => _app.Services;

    public AdminToken Token => _app.Services.GetRequiredService<AdminToken>();

    public static string Sha256Hex(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key))).ToLowerInvariant();

    /// <summary>A viewer key and an operator key, configured by their hashes.</summary>
    public static Dictionary<string, string?> KeySettings() => new()
    {
        [$"{AdminOptions.SectionName}:ApiKeys:0:Name"] = ViewerName,
        [$"{AdminOptions.SectionName}:ApiKeys:0:Sha256"] = Sha256Hex(ViewerKey),
        [$"{AdminOptions.SectionName}:ApiKeys:0:Role"] = AdminRoles.Viewer,
        [$"{AdminOptions.SectionName}:ApiKeys:1:Name"] = OperatorName,
        [$"{AdminOptions.SectionName}:ApiKeys:1:Sha256"] = Sha256Hex(OperatorKey).ToUpperInvariant(),
        [$"{AdminOptions.SectionName}:ApiKeys:1:Role"] = AdminRoles.Operator,
    };

    public static WebApplication Build(IDictionary<string, string?> settings, RecordingAdminService service, RecordingLoggerProvider logs, Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        builder.Logging.AddProvider(logs);
        builder.Services.AddSingleton<IAdminService>(service);
        configure?.Invoke(builder.Services);
        builder.Services.AddAdminDashboard(builder.Configuration);
        return builder.Build();
    }

    public static async Task<DashboardHost> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? configure = null)
    {
        var service = new RecordingAdminService();
        var logs = new RecordingLoggerProvider();
        var app = Build(settings ?? KeySettings(), service, logs, configure);
        app.MapAdminDashboard();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        return new DashboardHost(app, new Uri(address), service, logs);
    }

    /// <summary>A client that does not follow redirects, with <paramref name="cookies"/> as its browser's cookie jar.</summary>
    public HttpClient CreateClient(CookieContainer? cookies) =>
        new(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() })
        {
            BaseAddress = Address,
        };

    public static HttpRequestMessage Request(HttpMethod method, string path, string? apiKey = null, string? bearer = null, HttpContent? content = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = content };
        if (apiKey is not null)
        {
            request.Headers.Add(AdminAuthenticationDefaults.ApiKeyHeader, apiKey);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return request;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? apiKey = null, string? bearer = null, HttpContent? content = null)
    {
        using var request = Request(method, path, apiKey, bearer, content);
        return await Client.SendAsync(request);
    }

    /// <summary>The path and query a redirect points to, whether the Location is absolute or relative.</summary>
    public static string LocationPath(HttpResponseMessage response)
    {
        var location = response.Headers.Location ?? throw new InvalidOperationException($"A {(int)response.StatusCode} answer has no Location.");
        return location.IsAbsoluteUri ? location.PathAndQuery : location.OriginalString;
    }

    /// <summary>The anti-forgery token of the form on <paramref name="html"/>.</summary>
    public static string AntiforgeryToken(string html)
    {
        var match = AntiforgeryInput().Match(html);
        Assert.True(match.Success, "The page has no anti-forgery field.");
        return WebUtility.HtmlDecode(match.Groups["token"].Value);
    }

    /// <summary>Signs <paramref name="browser"/> in with <paramref name="token"/> through the form, as a person would.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string token, string? returnUrl = null)
    {
        var form = await browser.GetStringAsync("/signin");
        var fields = new Dictionary<string, string>
        {
            [AdminAuthenticationDefaults.AntiforgeryFormField] = AntiforgeryToken(form),
            [AdminDashboardDefaults.TokenFormField] = token,
        };
        if (returnUrl is not null)
        {
            fields[AdminDashboardDefaults.ReturnUrlField] = returnUrl;
        }

        using var content = new FormUrlEncodedContent(fields);
        return await browser.PostAsync("/signin", content);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex AntiforgeryInput();
}
