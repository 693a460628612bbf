using System.Net;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>The token sign-in form, the session cookie, and the CSRF defences of forms and cookie-authenticated API calls.</summary>
[Trait("Category", "Integration")]
public sealed class SignInTests
{
    private const string PausePath = "/api/jobs/" + RecordingAdminService.KnownJob + "/pause";

    [Fact]
    public async Task SignInForm_CarriesAnAntiforgeryTokenAndNoSecrets()
    {
        await using var host = await DashboardHost.StartAsync();

        using var response = await host.Client.GetAsync("/signin");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.NotEmpty(DashboardHost.AntiforgeryToken(html));
        Assert.Contains("name=\"token\"", html, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Token.Value, html, StringComparison.Ordinal);
        Assert.Contains(response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(AdminAuthenticationDefaults.AntiforgeryCookieName, StringComparison.Ordinal));
        Assert.Contains("frame-ancestors 'none'", string.Join(";", response.Headers.GetValues("Content-Security-Policy")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithAWrongTokenShowsTheFormAgainWithAnErrorAndWithoutTheToken()
    {
        await using var host = await DashboardHost.StartAsync();
        var jar = new CookieContainer();
        using var browser = host.CreateClient(jar);
        const string Wrong = "not-the-admin-token-but-close-enough";

        using var response = await DashboardHost.SignInAsync(browser, Wrong);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("That is not the admin token.", html, StringComparison.Ordinal);
        Assert.DoesNotContain(Wrong, html, StringComparison.Ordinal);
        Assert.NotEmpty(DashboardHost.AntiforgeryToken(html));
        Assert.Null(jar.GetCookies(host.Address)[AdminAuthenticationDefaults.CookieName]);
    }

    [Fact]
    public async Task SignIn_WithTheTokenSetsAStrictHttpOnlySessionThatTheApiAccepts()
    {
        await using var host = await DashboardHost.StartAsync();
        var jar = new CookieContainer();
        using var browser = host.CreateClient(jar);

        using var response = await DashboardHost.SignInAsync(browser, host.Token.Value);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/", DashboardHost.LocationPath(response));
        var session = Assert.Single(response.Headers.GetValues("Set-Cookie"), cookie => cookie.StartsWith(AdminAuthenticationDefaults.CookieName + "=", StringComparison.Ordinal));
        Assert.Contains("httponly", session, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", session, StringComparison.OrdinalIgnoreCase);
        // Plain HTTP on loopback: a Secure cookie would never come back.
        Assert.DoesNotContain("secure", session.Replace("samesite", "", StringComparison.OrdinalIgnoreCase), StringComparison.OrdinalIgnoreCase);
        using var jobs = await browser.GetAsync("/api/jobs");
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
        using var home = await browser.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, home.StatusCode);
        Assert.Contains("OrleansIngest dashboard", await home.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SignIn_WithoutTheAntiforgeryTokenIsBadRequest()
    {
        await using var host = await DashboardHost.StartAsync();
        var jar = new CookieContainer();
        using var browser = host.CreateClient(jar);
        // The form was loaded (the anti-forgery cookie is set), but the post leaves the form's token out.
        (await browser.GetAsync("/signin")).Dispose();
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { [AdminDashboardDefaults.TokenFormField] = host.Token.Value });

        using var response = await browser.PostAsync("/signin", content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(jar.GetCookies(host.Address)[AdminAuthenticationDefaults.CookieName]);
        Assert.Contains(host.Logs.Entries, entry => entry.EventId.Id == 3505);
    }

    [Fact]
    public async Task SignIn_ReturnsToALocalPathOnly()
    {
        await using var host = await DashboardHost.StartAsync();
        using var browser = host.CreateClient(new CookieContainer());
        using var otherBrowser = host.CreateClient(new CookieContainer());

        using var local = await DashboardHost.SignInAsync(browser, host.Token.Value, "/jobs/job-1");
        using var foreign = await DashboardHost.SignInAsync(otherBrowser, host.Token.Value, "//evil.example/phish");

        Assert.Equal("/jobs/job-1", DashboardHost.LocationPath(local));
        Assert.Equal("/", DashboardHost.LocationPath(foreign));
    }

    [Theory]
    [InlineData("/jobs/1", "/jobs/1")]
    [InlineData("/", "/")]
    [InlineData("//evil.example", "/")]
    [InlineData("/\\evil.example", "/")]
    [InlineData("https://evil.example/", "/")]
    [InlineData("javascript:alert(1)", "/")]
    [InlineData("", "/")]
    [InlineData(null, "/")]
    [Trait("Category", "Unit")]
    public void SafeReturnUrl_KeepsOnlyLocalPaths(string? returnUrl, string expected) =>
        Assert.Equal(expected, AdminSignInEndpoints.SafeReturnUrl(returnUrl));

    [Fact]
    public async Task CookieMutatingApiCall_WithoutTheRequestedWithHeaderIsForbidden()
    {
        await using var host = await DashboardHost.StartAsync();
        using var browser = host.CreateClient(new CookieContainer());
        (await DashboardHost.SignInAsync(browser, host.Token.Value)).Dispose();

        using var response = await browser.PostAsync(PausePath, content: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(host.Service.Calls, call => call.StartsWith("PauseJob", StringComparison.Ordinal));
    }

    [Fact]
    public async Task CookieMutatingApiCall_WithTheRequestedWithHeaderFromTheSameOriginIsAllowed()
    {
        await using var host = await DashboardHost.StartAsync();
        using var browser = host.CreateClient(new CookieContainer());
        (await DashboardHost.SignInAsync(browser, host.Token.Value)).Dispose();
        using var request = SameOriginPost(host);

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Contains($"PauseJob({RecordingAdminService.KnownJob})", host.Service.Calls);
    }

    [Theory]
    [InlineData("Sec-Fetch-Site", "cross-site")]
    [InlineData("Sec-Fetch-Site", "same-site")]
    [InlineData("Origin", "http://evil.example")]
    public async Task CookieMutatingApiCall_FromAnotherOriginIsForbidden(string header, string value)
    {
        await using var host = await DashboardHost.StartAsync();
        using var browser = host.CreateClient(new CookieContainer());
        (await DashboardHost.SignInAsync(browser, host.Token.Value)).Dispose();
        using var request = SameOriginPost(host);
        request.Headers.Remove(header);
        request.Headers.Add(header, value);

        using var response = await browser.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.DoesNotContain(host.Service.Calls, call => call.StartsWith("PauseJob", StringComparison.Ordinal));
    }

    [Fact]
    public async Task SignOut_EndsTheSession()
    {
        await using var host = await DashboardHost.StartAsync();
        using var browser = host.CreateClient(new CookieContainer());
        (await DashboardHost.SignInAsync(browser, host.Token.Value)).Dispose();
        var home = await browser.GetStringAsync("/");
        using var form = new FormUrlEncodedContent(new Dictionary<string, string> { [AdminAuthenticationDefaults.AntiforgeryFormField] = DashboardHost.AntiforgeryToken(home) });

        using var signOut = await browser.PostAsync("/signout", form);
        using var after = await browser.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/signin", DashboardHost.LocationPath(signOut));
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    [Fact]
    public async Task SignOut_WithoutTheAntiforgeryTokenIsBadRequestAndKeepsTheSession()
    {
        await using var host = await DashboardHost.StartAsync();
        using var browser = host.CreateClient(new CookieContainer());
        (await DashboardHost.SignInAsync(browser, host.Token.Value)).Dispose();
        using var form = new FormUrlEncodedContent(new Dictionary<string, string>());

        using var signOut = await browser.PostAsync("/signout", form);
        using var after = await browser.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.BadRequest, signOut.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    private static HttpRequestMessage SameOriginPost(DashboardHost host)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, PausePath);
        request.Headers.Add(AdminAuthenticationDefaults.RequestedWithHeader, AdminAuthenticationDefaults.RequestedWithValue);
        request.Headers.Add("Sec-Fetch-Site", "same-origin");
        request.Headers.Add("Origin", host.Address.GetLeftPart(UriPartial.Authority));
        return request;
    }
}
