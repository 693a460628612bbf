using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OrleansIngest.Processing.Events;

namespace OrleansIngest.Silo.Http;

/// <summary>Registers and maps the Event Grid webhook (<c>POST</c>/<c>OPTIONS</c> <see cref="EventWebhookDefaults.Path"/>).</summary>
public static class EventWebhookExtensions
{
    // Its request start/finish lines carry the query string, which can hold the ?code= secret.
    private const string HostingDiagnosticsCategory = "Microsoft.AspNetCore.Hosting.Diagnostics";

    private const string RolesClaimType = "roles";

    /// <summary>
    /// Whether <paramref name="configuration"/> configures the webhook at all (a shared secret or an Entra ID
    /// authority), so that a host maps it only then; <see cref="MapEventWebhook"/> refuses an unauthenticated one.
    /// </summary>
    public static bool IsEventWebhookConfigured(this IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(EventWebhookOptions.SectionName).Get<EventWebhookOptions>();
        return options is not null && (options.SharedSecretsEnabled || options.EntraIdEnabled);
    }

    /// <summary>
    /// Binds <see cref="EventWebhookOptions"/> from <paramref name="configuration"/> (section
    /// <see cref="EventWebhookOptions.SectionName"/>, validated at start), registers the shared-secret scheme, the
    /// JwtBearer scheme when Entra ID is configured, authorization, the parser and the metrics. The host registers the
    /// <see cref="IBlobEventSink"/>. Also caps <c>Microsoft.AspNetCore.Hosting.Diagnostics</c> at Warning, because its
    /// request lines would log the <c>?code=</c> secret.
    /// </summary>
    public static IServiceCollection AddEventWebhook(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(EventWebhookOptions.SectionName);
        services.AddOptions<EventWebhookOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventWebhookOptions>, EventWebhookOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => new BlobEventParser());
        services.AddMetrics();
        services.TryAddSingleton<EventWebhookMetrics>();
        services.TryAddSingleton<EventWebhookEndpoint>();
        services.Configure<LoggerFilterOptions>(filter =>
            filter.Rules.Add(new LoggerFilterRule(null, HostingDiagnosticsCategory, LogLevel.Warning, null)));

        var authentication = services.AddAuthentication();
        authentication.AddScheme<AuthenticationSchemeOptions, EventWebhookSecretHandler>(EventWebhookDefaults.SharedSecretScheme, null);
        if ((section.Get<EventWebhookOptions>() ?? new EventWebhookOptions()).EntraIdEnabled)
        {
            authentication.AddJwtBearer(EventWebhookDefaults.EntraIdScheme, _ => { });
            services.AddOptions<JwtBearerOptions>(EventWebhookDefaults.EntraIdScheme)
                .Configure<IOptions<EventWebhookOptions>>((jwt, webhook) => ConfigureEntraId(jwt, webhook.Value.EntraId));
        }

        services.AddAuthorization();
        return services;
    }

    /// <summary>
    /// Maps <c>POST</c> <see cref="EventWebhookDefaults.Path"/> (authenticated: shared secret or Entra ID token, else 401)
    /// and <c>OPTIONS</c> (the CloudEvents abuse-protection handshake, which grants nothing and needs no credentials).
    /// </summary>
    /// <exception cref="OptionsValidationException">The options are invalid, e.g. no authentication is configured.</exception>
    /// <exception cref="InvalidOperationException"><see cref="AddEventWebhook"/> was not called, or no sink is registered.</exception>
    public static IEndpointRouteBuilder MapEventWebhook(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        var endpoint = services.GetService<EventWebhookEndpoint>()
            ?? throw new InvalidOperationException("Call services.AddEventWebhook(configuration) before MapEventWebhook().");
        if (services.GetService<IServiceProviderIsService>() is { } registry && !registry.IsService(typeof(IBlobEventSink)))
        {
            throw new InvalidOperationException($"The Event Grid webhook needs an {nameof(IBlobEventSink)} registered in the services.");
        }

        // Validates: an unauthenticated webhook fails here, before anything listens.
        var options = services.GetRequiredService<IOptions<EventWebhookOptions>>().Value;
        var policy = new AuthorizationPolicyBuilder();
        if (options.SharedSecretsEnabled)
        {
            policy.AddAuthenticationSchemes(EventWebhookDefaults.SharedSecretScheme);
        }

        if (options.EntraIdEnabled)
        {
            var schemes = services.GetRequiredService<IOptions<AuthenticationOptions>>().Value.Schemes;
            if (!schemes.Any(scheme => scheme.Name == EventWebhookDefaults.EntraIdScheme))
            {
                throw new InvalidOperationException(
                    $"Entra ID is configured for the Event Grid webhook but was not when AddEventWebhook ran; pass the configuration that holds {EventWebhookOptions.SectionName}:EntraId to it.");
            }

            policy.AddAuthenticationSchemes(EventWebhookDefaults.EntraIdScheme);
        }

        policy.RequireAuthenticatedUser();
        if (options.EntraIdEnabled && !string.IsNullOrWhiteSpace(options.EntraId.RequiredRole))
        {
            var role = options.EntraId.RequiredRole.Trim();
            // The role binds tokens only; a shared secret stands on its own.
            policy.RequireAssertion(context => context.User.Identities.Any(identity => identity.IsAuthenticated &&
                (identity.AuthenticationType == EventWebhookDefaults.SharedSecretScheme ||
                 (identity.AuthenticationType == EventWebhookDefaults.EntraIdScheme && identity.HasClaim(RolesClaimType, role)))));
        }

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EventWebhookEndpoint));
        EventWebhookLog.Mapped(
            logger,
            EventWebhookDefaults.Path,
            options.EffectiveSharedSecrets.Count,
            options.EntraIdEnabled ? options.EntraId.Authority! : "(none)",
            string.Join(", ", options.EntraId.EffectiveAudiences),
            string.Join(", ", options.EffectiveAllowedOrigins),
            options.EnqueueTimeout);

        endpoints.MapPost(EventWebhookDefaults.Path, (RequestDelegate)endpoint.HandleDeliveryAsync)
            .RequireAuthorization(policy.Build())
            .WithDisplayName("Event Grid webhook delivery");
        endpoints.MapMethods(EventWebhookDefaults.Path, [HttpMethods.Options], (RequestDelegate)endpoint.HandleHandshakeAsync)
            .AllowAnonymous()
            .WithDisplayName("Event Grid webhook abuse-protection handshake");
        return endpoints;
    }

    private static void ConfigureEntraId(JwtBearerOptions jwt, EventWebhookEntraIdOptions entraId)
    {
        jwt.Authority = entraId.Authority;
        jwt.RequireHttpsMetadata = entraId.RequireHttpsMetadata;
        // Claims keep their token names ("roles", "aud"), which the role check reads.
        jwt.MapInboundClaims = false;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            // The handler adds the authority's own issuer (from its metadata) to these.
            ValidIssuers = entraId.ValidIssuers.Count > 0 ? [.. entraId.ValidIssuers.Select(issuer => issuer.Trim())] : null,
            ValidateAudience = true,
            ValidAudiences = entraId.EffectiveAudiences,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            RoleClaimType = RolesClaimType,
            AuthenticationType = EventWebhookDefaults.EntraIdScheme,
        };
    }
}
