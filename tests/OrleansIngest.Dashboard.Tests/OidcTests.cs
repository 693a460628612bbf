using System.Net;
using System.Security.Claims;
using Microsoft.AspNetCore.WebUtilities;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>People through OpenID Connect: the challenge to the authority, and how app roles become dashboard roles.</summary>
[Trait("Category", "Integration")]
public sealed class OidcTests
{
    [Theory]
    [InlineData("/")]
    [InlineData("/jobs/job-1")]
    public async Task Oidc_UiPathWithoutASessionChallengesTheAuthority(string path)
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await DashboardHost.StartAsync(authority.Settings());

        using var response = await host.Client.GetAsync(path);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(authority.Authority + "/authorize?", location.AbsoluteUri, StringComparison.Ordinal);
        var query = QueryHelpers.ParseQuery(location.Query);
        Assert.Equal(LocalOidcAuthority.ClientId, query["client_id"].ToString());
        Assert.Equal("code", query["response_type"].ToString());
        Assert.Equal("S256", query["code_challenge_method"].ToString());
        Assert.Equal(new Uri(host.Address, "/signin-oidc").AbsoluteUri, query["redirect_uri"].ToString());
        Assert.Contains("openid", query["scope"].ToString(), StringComparison.Ordinal);
        // The client secret never travels through the browser.
        Assert.DoesNotContain("local-client-secret-not-used", location.AbsoluteUri, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Oidc_ApiPathWithoutCredentialsIsStillUnauthorized()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await DashboardHost.StartAsync(authority.Settings());

        using var response = await host.Client.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Oidc_SignInPageStillOffersTheTokenForm()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await DashboardHost.StartAsync(authority.Settings());
        using var browser = host.CreateClient(new CookieContainer());

        using var page = await browser.GetAsync("/signin");
        using var signIn = await DashboardHost.SignInAsync(browser, host.Token.Value);
        using var jobs = await browser.GetAsync("/api/jobs");

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("name=\"token\"", html, StringComparison.Ordinal);
        Assert.Contains("Sign in with your organisation account", html, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal(HttpStatusCode.OK, jobs.StatusCode);
    }

    [Theory]
    [InlineData(new[] { "OrleansIngest.Operator" }, AdminRoles.Operator)]
    [InlineData(new[] { "OrleansIngest.Viewer" }, AdminRoles.Viewer)]
    [InlineData(new[] { "OrleansIngest.Viewer", "OrleansIngest.Operator" }, AdminRoles.Operator)]
    [InlineData(new[] { "Some.Other.Role" }, null)]
    [InlineData(new string[0], null)]
    [Trait("Category", "Unit")]
    public void Oidc_AppRolesMapToDashboardRoles(string[] appRoles, string? expected)
    {
        var identity = new ClaimsIdentity(appRoles.Select(role => new Claim("roles", role)), "oidc", "name", ClaimTypes.Role);

        AdminDashboardExtensions.MapAppRoles(identity, new AdminOidcOptions());

        var principal = new ClaimsPrincipal(identity);
        Assert.Equal(expected, identity.FindAll(ClaimTypes.Role).SingleOrDefault()?.Value);
        // The app role's own name grants nothing: only the mapped role does.
        Assert.False(principal.IsInRole("OrleansIngest.Operator"));
        Assert.Equal(expected == AdminRoles.Operator, principal.IsInRole(AdminRoles.Operator));
    }
}
