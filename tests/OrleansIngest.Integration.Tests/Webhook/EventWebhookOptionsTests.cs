using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using OrleansIngest.Silo.Http;

namespace OrleansIngest.Integration.Tests.Webhook;

[Trait("Category", "Unit")]
public sealed class EventWebhookOptionsTests
{
    private const string Section = EventWebhookOptions.SectionName;

    [Fact]
    public async Task Mapping_WithoutAnyAuthenticationThrows()
    {
        await using var app = WebhookHost.Build(new Dictionary<string, string?>(), new RecordingBlobEventSink());

        var ex = Assert.Throws<OptionsValidationException>(() => app.MapEventWebhook());

        Assert.Contains("never served open", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{Section}:SharedSecrets:0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_WithoutAnyAuthenticationFails()
    {
        await using var app = WebhookHost.Build(new Dictionary<string, string?>(), new RecordingBlobEventSink());

        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("never served open", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Mapping_WithoutASinkThrows()
    {
        await using var app = WebhookHost.Build(WebhookHost.SecretSettings(WebhookHost.Secret), sink: null);

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapEventWebhook());

        Assert.Contains("IBlobEventSink", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_RefusesAShortSecretWithoutNamingIt()
    {
        var options = Bind(WebhookHost.SecretSettings(WebhookHost.Secret, "short-secret"));

        var result = new EventWebhookOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains($"{Section}:SharedSecrets:1 is shorter than {EventWebhookOptions.MinSecretLength}", result.FailureMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("short-secret", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_RefusesEntraIdWithoutAnAudience()
    {
        var options = Bind(new Dictionary<string, string?> { [$"{Section}:EntraId:Authority"] = "https://login.microsoftonline.com/tenant/v2.0" });

        var result = new EventWebhookOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Audience is empty", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_RefusesAnHttpAuthorityWhileHttpsMetadataIsRequired()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            [$"{Section}:EntraId:Authority"] = "http://login.example/tenant/v2.0",
            [$"{Section}:EntraId:Audience"] = "api://webhook",
        });

        var result = new EventWebhookOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("must use https", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_RefusesAnAudienceWithoutAnAuthority()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            [$"{Section}:SharedSecrets:0"] = WebhookHost.Secret,
            [$"{Section}:EntraId:Audience"] = "api://webhook",
        });

        var result = new EventWebhookOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Authority is empty", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validator_AcceptsEntraIdAloneWithAudiencesFromBothKeys()
    {
        var options = Bind(new Dictionary<string, string?>
        {
            [$"{Section}:EntraId:Authority"] = "https://login.microsoftonline.com/tenant/v2.0",
            [$"{Section}:EntraId:Audience"] = "api://webhook",
            [$"{Section}:EntraId:Audiences:0"] = "00000000-0000-0000-0000-0000000000aa",
            [$"{Section}:EntraId:Audiences:1"] = "api://webhook",
        });

        var result = new EventWebhookOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
        Assert.Equal(["00000000-0000-0000-0000-0000000000aa", "api://webhook"], options.EntraId.EffectiveAudiences);
        Assert.True(options.EntraId.RequireHttpsMetadata);
    }

    [Fact]
    public async Task EnqueueTimeout_BeyondEventGridsWaitIsRefused()
    {
        var settings = WebhookHost.SecretSettings(WebhookHost.Secret);
        settings[$"{Section}:EnqueueTimeout"] = "00:00:45";
        await using var app = WebhookHost.Build(settings, new RecordingBlobEventSink());

        var ex = Assert.Throws<OptionsValidationException>(() => app.MapEventWebhook());

        Assert.Contains("EnqueueTimeout", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Defaults_AllowEventGridAndWaitTwentySeconds()
    {
        var options = new EventWebhookOptions();

        Assert.Equal([EventWebhookOptions.EventGridOrigin], options.EffectiveAllowedOrigins);
        Assert.Equal(TimeSpan.FromSeconds(20), options.EnqueueTimeout);
    }

    [Fact]
    public void IsEventWebhookConfigured_IsTrueOnlyWithASecretOrAnAuthority()
    {
        Assert.False(Configuration(new Dictionary<string, string?>()).IsEventWebhookConfigured());
        Assert.False(Configuration(new Dictionary<string, string?> { [$"{Section}:EnqueueTimeout"] = "00:00:05" }).IsEventWebhookConfigured());
        Assert.True(Configuration(WebhookHost.SecretSettings(WebhookHost.Secret)).IsEventWebhookConfigured());
        Assert.True(Configuration(new Dictionary<string, string?> { [$"{Section}:EntraId:Authority"] = "https://login.microsoftonline.com/t/v2.0" }).IsEventWebhookConfigured());
    }

    private static IConfiguration Configuration(IDictionary<string, string?> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private static EventWebhookOptions Bind(IDictionary<string, string?> settings)
    {
        var options = new EventWebhookOptions();
        Configuration(settings).GetSection(Section).Bind(options);
        return options;
    }
}
