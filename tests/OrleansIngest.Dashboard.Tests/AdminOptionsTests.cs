using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>The admin configuration is checked before anything listens, and its messages never echo a value.</summary>
[Trait("Category", "Unit")]
public sealed class AdminOptionsTests
{
    private const string PastedKey = "this-is-the-key-itself-not-its-hash";

    [Fact]
    public void Validator_AcceptsTheDefaults()
    {
        Assert.True(Validate(new Dictionary<string, string?>()).Succeeded);
    }

    [Fact]
    public void Validator_AcceptsHashedKeysAndACompleteOidcConfiguration()
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:Oidc:Authority"] = "https://login.microsoftonline.com/tenant/v2.0";
        settings[$"{AdminOptions.SectionName}:Oidc:ClientId"] = "client";
        settings[$"{AdminOptions.SectionName}:Oidc:ClientSecret"] = "secret";

        Assert.True(Validate(settings).Succeeded);
    }

    [Fact]
    public void Validator_RefusesAConfigurationThatAdmitsNoOne()
    {
        var result = Validate(new Dictionary<string, string?> { [$"{AdminOptions.SectionName}:AdminTokenEnabled"] = "false" });

        Assert.Contains("admit no one", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_RefusesAKeyPastedInsteadOfItsHashWithoutEchoingIt()
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:ApiKeys:0:Sha256"] = PastedKey;

        var result = Validate(settings);

        Assert.Contains("ApiKeys:0:Sha256", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain(PastedKey, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Role", "admin", "ApiKeys:1:Role")]
    [InlineData("Role", "", "ApiKeys:1:Role")]
    [InlineData("Name", "", "ApiKeys:1:Name")]
    [InlineData("Name", DashboardHost.ViewerName, "repeats another key's name")]
    public void Validator_RefusesAnIncompleteKey(string field, string value, string expected)
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:ApiKeys:1:{field}"] = value;

        Assert.Contains(expected, Validate(settings).FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("https://login.microsoftonline.com/t/v2.0", null, "secret", "true", "ClientId is empty")]
    [InlineData("https://login.microsoftonline.com/t/v2.0", "client", null, "true", "ClientSecret is empty")]
    [InlineData("http://127.0.0.1:5000/t", "client", "secret", "true", "must use https")]
    [InlineData("not a url", "client", "secret", "true", "not an absolute http(s) URL")]
    [InlineData(null, "client", "secret", "true", "partly set")]
    public void Validator_RefusesAnUnusableOidcConfiguration(string? authority, string? clientId, string? secret, string requireHttps, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            [$"{AdminOptions.SectionName}:Oidc:Authority"] = authority,
            [$"{AdminOptions.SectionName}:Oidc:ClientId"] = clientId,
            [$"{AdminOptions.SectionName}:Oidc:ClientSecret"] = secret,
            [$"{AdminOptions.SectionName}:Oidc:RequireHttpsMetadata"] = requireHttps,
        };

        var result = Validate(settings);

        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
        if (secret is not null)
        {
            Assert.DoesNotContain(secret, (result.FailureMessage ?? "").Replace("ClientSecret", "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void MapAdminDashboard_RefusesInvalidOptionsBeforeAnythingListens()
    {
        var settings = DashboardHost.KeySettings();
        settings[$"{AdminOptions.SectionName}:ApiKeys:0:Role"] = "root";
        var app = DashboardHost.Build(settings, new RecordingAdminService(), new RecordingLoggerProvider());

        var failure = Assert.Throws<OptionsValidationException>(() => app.MapAdminDashboard());

        Assert.Contains("ApiKeys:0:Role", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MapAdminDashboard_WithoutAnAdminServiceIsRefused()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Services.AddAdminDashboard(builder.Configuration);
        var app = builder.Build();

        var failure = Assert.Throws<InvalidOperationException>(() => app.MapAdminDashboard());

        Assert.Contains("IAdminService", failure.Message, StringComparison.Ordinal);
    }

    private static ValidateOptionsResult Validate(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var options = configuration.GetSection(AdminOptions.SectionName).Get<AdminOptions>() ?? new AdminOptions();
        var result = new AdminOptionsValidator().Validate(null, options);
        return result;
    }
}
