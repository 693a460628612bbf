using System.Net;
using System.Security.Cryptography;

namespace OrleansIngest.Integration.Tests.Webhook;

[Trait("Category", "Integration")]
public sealed class EventWebhookEntraIdTests
{
    private const string Role = "AzureEventGridSecureWebhookSubscriber";

    [Fact]
    public async Task EntraId_ValidTokenIsAccepted()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken());

        Assert.True(HttpStatusCode.OK == response.StatusCode, string.Join("\n", host.Logs.Entries.Where(e => e.Level >= Microsoft.Extensions.Logging.LogLevel.Debug).Select(e => e.Category + ": " + e.Text)));
        Assert.Equal("eg-1", Assert.Single(host.Sink.Events).Id);
    }

    [Fact]
    public async Task EntraId_ValidationHandshakeNeedsAndAcceptsTheToken()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());

        using var anonymous = await host.PostAsync(EventBodies.Validation);
        using var authenticated = await host.PostAsync(EventBodies.Validation, bearer: authority.CreateToken());

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.OK, authenticated.StatusCode);
        Assert.Contains(EventBodies.ValidationCode, await authenticated.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EntraId_MissingTokenIsUnauthorizedWithABearerChallenge()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());

        using var response = await host.PostAsync(EventBodies.EventGridArray(1));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task EntraId_TokenForAnotherAudienceIsUnauthorized()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken(audience: "api://some-other-app"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task EntraId_ExpiredTokenIsUnauthorized()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken(expires: DateTime.UtcNow.AddHours(-1)));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task EntraId_TokenSignedWithAnotherKeyIsUnauthorized()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());
        using var otherKey = RSA.Create(2048);

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken(signingKey: otherKey));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task EntraId_TokenFromAnotherIssuerIsUnauthorized()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings());

        using var response = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken(issuer: "https://sts.windows.net/another-tenant/"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, host.Sink.Calls);
    }

    [Fact]
    public async Task EntraId_ExtraValidIssuerIsAccepted()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        var settings = authority.Settings();
        settings[$"{Silo.Http.EventWebhookOptions.SectionName}:EntraId:ValidIssuers:0"] = "https://sts.windows.net/tenant-0001/";
        await using var host = await WebhookHost.StartAsync(settings);

        using var v1 = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken(issuer: "https://sts.windows.net/tenant-0001/"));
        using var v2 = await host.PostAsync(EventBodies.EventGridArray(2), bearer: authority.CreateToken());

        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, v2.StatusCode);
    }

    [Fact]
    public async Task EntraId_RequiredRoleMissingFromTheTokenIsForbidden()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings(requiredRole: Role));

        using var withoutRole = await host.PostAsync(EventBodies.EventGridArray(1), bearer: authority.CreateToken(roles: ["SomethingElse"]));
        using var withRole = await host.PostAsync(EventBodies.EventGridArray(2), bearer: authority.CreateToken(roles: [Role]));

        Assert.Equal(HttpStatusCode.Forbidden, withoutRole.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withRole.StatusCode);
        Assert.Equal("eg-2", Assert.Single(host.Sink.Events).Id);
    }

    [Fact]
    public async Task EntraIdAndSharedSecret_EitherAuthenticatesAndNeitherIsChallengedForBoth()
    {
        await using var authority = await LocalOidcAuthority.StartAsync();
        await using var host = await WebhookHost.StartAsync(authority.Settings(requiredRole: Role, WebhookHost.Secret));

        using var bySecret = await host.PostAsync(EventBodies.EventGridArray(1), headerSecret: WebhookHost.Secret);
        using var byToken = await host.PostAsync(EventBodies.EventGridArray(2), bearer: authority.CreateToken(roles: [Role]));
        using var byNeither = await host.PostAsync(EventBodies.EventGridArray(3));

        Assert.Equal(HttpStatusCode.OK, bySecret.StatusCode);
        Assert.Equal(HttpStatusCode.OK, byToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, byNeither.StatusCode);
        Assert.Contains(byNeither.Headers.WwwAuthenticate, challenge => challenge.Scheme == "Bearer");
        Assert.Contains(byNeither.Headers.WwwAuthenticate, challenge => challenge.Scheme == "WebhookKey");
        Assert.Equal(["eg-1", "eg-2"], host.Sink.Events.Select(e => e.Id));
    }
}
