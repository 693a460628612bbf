using System.Buffers.Text;
using System.Net;
using System.Runtime.Versioning;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;
using OrleansIngest.Silo.Admin.Security;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>API keys and the one-time admin token: who gets in, with which role, and that no secret is ever logged.</summary>
[Trait("Category", "Integration")]
public sealed class AuthenticationTests
{
    private const string PausePath = "/api/jobs/" + RecordingAdminService.KnownJob + "/pause";

    [Fact]
    public async Task ApiKey_MatchingItsHashAuthenticatesWithItsRole()
    {
        await using var host = await DashboardHost.StartAsync();

        using var viewerRead = await host.SendAsync(HttpMethod.Get, "/api/jobs", DashboardHost.ViewerKey);
        using var viewerAct = await host.SendAsync(HttpMethod.Post, PausePath, DashboardHost.ViewerKey);
        // The operator's hash is configured in upper-case hex.
        using var operatorAct = await host.SendAsync(HttpMethod.Post, PausePath, DashboardHost.OperatorKey);

        Assert.Equal(HttpStatusCode.OK, viewerRead.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewerAct.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, operatorAct.StatusCode);
        Assert.Single(host.Service.Calls, call => call.StartsWith("PauseJob", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ApiKey_ThatMatchesNoHashIsUnauthorized()
    {
        await using var host = await DashboardHost.StartAsync();

        using var wrong = await host.SendAsync(HttpMethod.Get, "/api/jobs", DashboardHost.ViewerKey + "x");
        // The hash itself is not a key: a leaked configuration grants nothing.
        using var hash = await host.SendAsync(HttpMethod.Get, "/api/jobs", DashboardHost.Sha256Hex(DashboardHost.ViewerKey));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, hash.StatusCode);
        Assert.Contains(wrong.Headers.WwwAuthenticate, challenge => challenge.Scheme == "ApiKey");
        Assert.DoesNotContain("ListJobs", host.Service.Calls);
    }

    [Fact]
    public async Task ApiKey_PresentedTwiceIsUnauthorized()
    {
        await using var host = await DashboardHost.StartAsync();
        using var request = DashboardHost.Request(HttpMethod.Get, "/api/jobs", DashboardHost.ViewerKey);
        request.Headers.Add(AdminAuthenticationDefaults.ApiKeyHeader, DashboardHost.OperatorKey);

        using var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AdminToken_WorksAsABearerWithRoleOperator()
    {
        await using var host = await DashboardHost.StartAsync();

        using var read = await host.SendAsync(HttpMethod.Get, "/api/jobs", bearer: host.Token.Value);
        using var act = await host.SendAsync(HttpMethod.Post, PausePath, bearer: host.Token.Value);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, act.StatusCode);
    }

    [Fact]
    public async Task AdminToken_AnyOtherBearerIsUnauthorized()
    {
        await using var host = await DashboardHost.StartAsync();
        var other = new AdminToken().Value;

        using var response = await host.SendAsync(HttpMethod.Get, "/api/jobs", bearer: other);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AdminToken_DisabledIsRefusedAsABearer()
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:AdminTokenEnabled"] = "false";
        await using var host = await DashboardHost.StartAsync(settings);

        using var response = await host.SendAsync(HttpMethod.Get, "/api/jobs", bearer: host.Token.Value);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public void AdminToken_IsThirtyTwoRandomBytesInBase64Url()
    {
        var first = new AdminToken();
        var second = new AdminToken();

        Assert.Equal(32, Base64Url.DecodeFromChars(first.Value).Length);
        Assert.DoesNotContain(first.Value, ch => ch is '+' or '/' or '=');
        Assert.NotEqual(first.Value, second.Value);
        Assert.True(first.Matches(first.Value));
        Assert.False(first.Matches(second.Value));
        Assert.False(first.Matches(null));
        Assert.DoesNotContain(first.Value, first.Fingerprint, StringComparison.Ordinal);
    }

    [Fact]
    [SupportedOSPlatform("linux")]
    public async Task AdminToken_WritesItsFileReadableByTheOwnerOnly()
    {
        using var folder = new TempDirectory();
        var fresh = Path.Combine(folder.Path, "admin-token");
        var existing = Path.Combine(folder.Path, "existing-token");
        await File.WriteAllTextAsync(existing, "an older, longer token that must be replaced entirely");
        File.SetUnixFileMode(existing, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var token = new AdminToken();

        await token.WriteToFileAsync(fresh);
        await token.WriteToFileAsync(existing);

        foreach (var path in new[] { fresh, existing })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            Assert.Equal(token.Value + "\n", await File.ReadAllTextAsync(path));
        }
    }

    [Fact]
    public async Task Session_MadeWithAnEarlierProcessTokenIsRefused()
    {
        // Three hosts share one data-protection key ring, so each can read the others' cookies; two of them share a
        // token, as one process would. Only the fingerprint of the token tells the third one's session apart.
        using var keys = new TempDirectory();
        var sharedToken = new AdminToken();
        void SharedKeys(IServiceCollection services) =>
            services.AddDataProtection().SetApplicationName("dashboard-tests").PersistKeysToFileSystem(new DirectoryInfo(keys.Path));
        await using var first = await DashboardHost.StartAsync(configure: services => { SharedKeys(services); services.AddSingleton(sharedToken); });
        await using var sameToken = await DashboardHost.StartAsync(configure: services => { SharedKeys(services); services.AddSingleton(sharedToken); });
        await using var restarted = await DashboardHost.StartAsync(configure: SharedKeys);
        var jar = new CookieContainer();
        using var browser = first.CreateClient(jar);
        using var signIn = await DashboardHost.SignInAsync(browser, sharedToken.Value);
        var session = jar.GetCookies(first.Address)[AdminAuthenticationDefaults.CookieName]!.Value;

        using var accepted = await SendWithSessionAsync(sameToken, session);
        using var refused = await SendWithSessionAsync(restarted, session);

        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        await restarted.Logs.WaitForAsync(3512);
    }

    [Fact]
    public async Task Secrets_NeverReachTheLogs()
    {
        await using var host = await DashboardHost.StartAsync();
        const string WrongKey = "wrong-key-0f1e2d3c4b5a6978";
        var wrongToken = new AdminToken().Value;
        var jar = new CookieContainer();
        using var browser = host.CreateClient(jar);

        (await host.SendAsync(HttpMethod.Get, "/api/jobs", DashboardHost.ViewerKey)).Dispose();
        (await host.SendAsync(HttpMethod.Post, PausePath, DashboardHost.OperatorKey)).Dispose();
        (await host.SendAsync(HttpMethod.Get, "/api/jobs", WrongKey)).Dispose();
        (await host.SendAsync(HttpMethod.Get, "/api/jobs", bearer: host.Token.Value)).Dispose();
        (await host.SendAsync(HttpMethod.Get, "/api/jobs", bearer: wrongToken)).Dispose();
        (await DashboardHost.SignInAsync(browser, wrongToken)).Dispose();
        (await DashboardHost.SignInAsync(browser, host.Token.Value)).Dispose();
        (await browser.GetAsync("/api/jobs")).Dispose();
        var session = jar.GetCookies(host.Address)[AdminAuthenticationDefaults.CookieName]?.Value;

        var logs = host.Logs.Entries;
        // The failures were logged, so the check below reads real entries of these requests.
        Assert.Contains(logs, entry => entry.EventId.Id == 3501);
        Assert.Contains(logs, entry => entry.EventId.Id == 3502);
        Assert.Contains(logs, entry => entry.EventId.Id == 3504);
        Assert.Contains(logs, entry => entry.EventId.Id == 3503);
        Assert.NotNull(session);
        string[] secrets =
        [
            DashboardHost.ViewerKey, DashboardHost.OperatorKey, WrongKey, host.Token.Value, wrongToken, session,
            DashboardHost.Sha256Hex(DashboardHost.ViewerKey), DashboardHost.Sha256Hex(DashboardHost.OperatorKey),
        ];
        foreach (var entry in logs)
        {
            foreach (var secret in secrets)
            {
                Assert.False(entry.Text.Contains(secret, StringComparison.OrdinalIgnoreCase), $"{entry.Category} {entry.EventId} logged a secret.");
            }
        }
    }

    private static async Task<HttpResponseMessage> SendWithSessionAsync(DashboardHost host, string session)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/jobs");
        request.Headers.Add("Cookie", $"{AdminAuthenticationDefaults.CookieName}={session}");
        return await host.Client.SendAsync(request);
    }
}
