using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.OpenApi;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>Registers and maps the admin dashboard: REST API, live updates, OpenAPI document, sign-in and the UI's place.</summary>
public static class AdminDashboardExtensions
{
    private const string EntraRolesClaimType = "roles";
    private const string NameClaimType = "name";

    /// <summary>
    /// Binds <see cref="AdminOptions"/> (section <see cref="AdminOptions.SectionName"/>, validated at start) and registers
    /// the <see cref="AdminToken"/>, authentication (API keys, the admin token, the session cookie, and OpenID Connect
    /// when <c>Oidc:Authority</c> is configured), the viewer and operator policies with viewer as the fallback policy
    /// (every endpoint of the host without its own policy requires a signed-in viewer), anti-forgery and the OpenAPI
    /// document. The host registers the <see cref="IAdminService"/>.
    /// </summary>
    public static IServiceCollection AddAdminDashboard(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(AdminOptions.SectionName);
        services.AddOptions<AdminOptions>().Bind(section).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AdminOptions>, AdminOptionsValidator>());
        services.TryAddSingleton<AdminToken>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<AdminLiveEndpoint>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAuthorizationHandler, SameOriginRequirementHandler>());

        var authentication = services.AddAuthentication();
        authentication.AddScheme<AuthenticationSchemeOptions, AdminAuthenticationHandler>(AdminAuthenticationDefaults.Scheme, null);
        authentication.AddScheme<AuthenticationSchemeOptions, AdminApiKeyHandler>(AdminAuthenticationDefaults.ApiKeyScheme, null);
        authentication.AddScheme<AuthenticationSchemeOptions, AdminTokenHandler>(AdminAuthenticationDefaults.AdminTokenScheme, null);
        authentication.AddCookie(AdminAuthenticationDefaults.CookieScheme, _ => { });
        services.AddOptions<CookieAuthenticationOptions>(AdminAuthenticationDefaults.CookieScheme)
            .Configure<IOptions<AdminOptions>>((cookie, admin) => ConfigureCookie(cookie, admin.Value));
        if ((section.Get<AdminOptions>() ?? new AdminOptions()).OidcEnabled)
        {
            authentication.AddOpenIdConnect(AdminAuthenticationDefaults.OidcScheme, _ => { });
            services.AddOptions<OpenIdConnectOptions>(AdminAuthenticationDefaults.OidcScheme)
                .Configure<IOptions<AdminOptions>>((oidc, admin) => ConfigureOidc(oidc, admin.Value.Oidc));
        }

        var viewer = new AuthorizationPolicyBuilder(AdminAuthenticationDefaults.Scheme)
            .RequireAuthenticatedUser()
            .RequireRole(AdminRoles.Viewer, AdminRoles.Operator)
            .Build();
        var @operator = new AuthorizationPolicyBuilder(AdminAuthenticationDefaults.Scheme)
            .RequireAuthenticatedUser()
            .RequireRole(AdminRoles.Operator)
            .AddRequirements(new SameOriginRequirement())
            .Build();
        services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicies.Viewer, viewer)
            .AddPolicy(AdminPolicies.Operator, @operator)
            .SetFallbackPolicy(viewer);

        services.AddAntiforgery(antiforgery =>
        {
            antiforgery.Cookie.Name = AdminAuthenticationDefaults.AntiforgeryCookieName;
            antiforgery.Cookie.HttpOnly = true;
            antiforgery.Cookie.SameSite = SameSiteMode.Strict;
            antiforgery.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
            antiforgery.FormFieldName = AdminAuthenticationDefaults.AntiforgeryFormField;
        });

        services.AddOpenApi(AdminDashboardDefaults.OpenApiDocumentName, openApi =>
        {
            // Only the admin API: other endpoints of the host (e.g. the Event Grid webhook) are not this document's.
            openApi.ShouldInclude = description => description.GroupName == AdminDashboardDefaults.OpenApiDocumentName;
            openApi.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "OrleansIngest admin API";
                document.Info.Description = "Jobs, units, quarantine, tables, silos and throughput of an OrleansIngest cluster. " +
                    $"Authenticate with an API key in {AdminAuthenticationDefaults.ApiKeyHeader} or the admin token as a bearer; mutating calls need role operator.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes["apiKey"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = AdminAuthenticationDefaults.ApiKeyHeader,
                    Description = "A machine client's API key.",
                };
                document.Components.SecuritySchemes["adminToken"] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The one-time admin token printed by the host at start-up.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("apiKey", document)] = [] });
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference("adminToken", document)] = [] });
                return Task.CompletedTask;
            });
        });
        return services;
    }

    /// <summary>
    /// Maps the REST API under <c>/api</c> (including <c>GET /api/live</c>, server-sent events), the OpenAPI document at
    /// <c>/openapi/admin.json</c>, <c>GET/POST /signin</c> (the only anonymous routes), <c>POST /signout</c>, and the web
    /// UI's place at <c>/</c>. Every route requires a signed-in viewer; every mutating API route an operator.
    /// </summary>
    /// <exception cref="OptionsValidationException">The admin options are invalid.</exception>
    /// <exception cref="InvalidOperationException"><see cref="AddAdminDashboard"/> was not called, or no <see cref="IAdminService"/> is registered.</exception>
    public static IEndpointRouteBuilder MapAdminDashboard(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var services = endpoints.ServiceProvider;
        if (services.GetService<AdminToken>() is null)
        {
            throw new InvalidOperationException("Call services.AddAdminDashboard(configuration) before MapAdminDashboard().");
        }

        if (services.GetService<IServiceProviderIsService>() is { } registry && !registry.IsService(typeof(IAdminService)))
        {
            throw new InvalidOperationException($"The admin dashboard needs an {nameof(IAdminService)} registered in the services.");
        }

        // Validates now: a dashboard that would admit no one fails before anything listens.
        var options = services.GetRequiredService<IOptions<AdminOptions>>().Value;
        if (options.OidcEnabled && !services.GetRequiredService<IOptions<AuthenticationOptions>>().Value.Schemes.Any(scheme => scheme.Name == AdminAuthenticationDefaults.OidcScheme))
        {
            throw new InvalidOperationException(
                $"OpenID Connect is configured for the admin dashboard but was not when AddAdminDashboard ran; pass the configuration that holds {AdminOptions.SectionName}:Oidc to it.");
        }

        var api = endpoints.MapGroup(AdminDashboardDefaults.ApiPrefix)
            .RequireAuthorization(AdminPolicies.Viewer)
            .WithGroupName(AdminDashboardDefaults.OpenApiDocumentName)
            .AddEndpointFilter<AdminProblemFilter>();
        AdminApiEndpoints.Map(api);
        api.MapGet("/live", (HttpContext context, IAdminService service, AdminLiveEndpoint live) => live.StreamAsync(context, service))
            .WithName("Live")
            .WithSummary("Server-sent events: a 'snapshot' event with {overview, jobs, silos} every second until the client disconnects.")
            .Produces<LiveSnapshot>(StatusCodes.Status200OK, "text/event-stream");
        endpoints.MapOpenApi(AdminDashboardDefaults.OpenApiPattern).RequireAuthorization(AdminPolicies.Viewer);
        AdminSignInEndpoints.Map(endpoints);
        AdminDashboardUi.Map(endpoints);

        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(AdminDashboardExtensions));
        AdminDashboardLog.Mapped(logger, options.ApiKeys.Count, options.AdminTokenEnabled ? "enabled" : "disabled", options.OidcEnabled ? options.Oidc.Authority! : "(none)");
        return endpoints;
    }

    private static void ConfigureCookie(CookieAuthenticationOptions cookie, AdminOptions admin)
    {
        cookie.Cookie.Name = AdminAuthenticationDefaults.CookieName;
        cookie.Cookie.HttpOnly = true;
        cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        cookie.Cookie.IsEssential = true;
        // Strict keeps the cookie off every cross-site request. An OpenID Connect sign-in ends in a redirect chain that
        // began at the identity provider, on which browsers withhold Strict cookies (a sign-in loop), so it needs Lax;
        // mutating calls stay protected by the SameOriginRequirement either way.
        cookie.Cookie.SameSite = admin.OidcEnabled ? SameSiteMode.Lax : SameSiteMode.Strict;
        cookie.LoginPath = AdminDashboardDefaults.SignInPath;
        cookie.LogoutPath = AdminDashboardDefaults.SignOutPath;
        cookie.ReturnUrlParameter = AdminDashboardDefaults.ReturnUrlField;
        cookie.ExpireTimeSpan = admin.SessionLifetime;
        cookie.SlidingExpiration = true;
        cookie.Events.OnValidatePrincipal = async context =>
        {
            // A session made with the admin token lasts only as long as that token's process.
            var fingerprint = context.Principal?.FindFirst(AdminTokenHandler.AdminTokenFingerprintClaim)?.Value;
            if (fingerprint is null)
            {
                return;
            }

            var services = context.HttpContext.RequestServices;
            var token = services.GetRequiredService<AdminToken>();
            if (!services.GetRequiredService<IOptionsMonitor<AdminOptions>>().CurrentValue.AdminTokenEnabled || fingerprint != token.Fingerprint)
            {
                AdminDashboardLog.StaleAdminTokenSession(services.GetRequiredService<ILogger<AdminToken>>());
                context.RejectPrincipal();
                await context.HttpContext.SignOutAsync(AdminAuthenticationDefaults.CookieScheme);
            }
        };
    }

    private static void ConfigureOidc(OpenIdConnectOptions oidc, AdminOidcOptions options)
    {
        oidc.Authority = options.Authority;
        oidc.ClientId = options.ClientId;
        oidc.ClientSecret = options.ClientSecret;
        oidc.RequireHttpsMetadata = options.RequireHttpsMetadata;
        oidc.CallbackPath = options.CallbackPath;
        oidc.SignInScheme = AdminAuthenticationDefaults.CookieScheme;
        oidc.ResponseType = OpenIdConnectResponseType.Code;
        oidc.UsePkce = true;
        // The session needs who and which role, not the provider's tokens.
        oidc.SaveTokens = false;
        oidc.GetClaimsFromUserInfoEndpoint = false;
        // Claims keep their token names ("roles", "name"), which the role mapping reads.
        oidc.MapInboundClaims = false;
        oidc.Scope.Clear();
        oidc.Scope.Add(OpenIdConnectScope.OpenId);
        oidc.Scope.Add(OpenIdConnectScope.OpenIdProfile);
        oidc.TokenValidationParameters.NameClaimType = NameClaimType;
        oidc.TokenValidationParameters.RoleClaimType = ClaimTypes.Role;
        oidc.Events.OnTokenValidated = context =>
        {
            if (context.Principal?.Identity is ClaimsIdentity identity)
            {
                MapAppRoles(identity, options);
                var role = identity.FindFirst(ClaimTypes.Role)?.Value ?? "(none)";
                AdminDashboardLog.OidcSignedIn(context.HttpContext.RequestServices.GetRequiredService<ILogger<AdminToken>>(), identity.Name ?? "(unnamed)", role);
            }

            return Task.CompletedTask;
        };
        oidc.Events.OnRemoteFailure = context =>
        {
            AdminDashboardLog.OidcFailed(context.HttpContext.RequestServices.GetRequiredService<ILogger<AdminToken>>(), context.Failure?.Message ?? "unknown");
            context.Response.Redirect($"{context.Request.PathBase}{AdminDashboardDefaults.SignInPath}");
            context.HandleResponse();
            return Task.CompletedTask;
        };
    }

    /// <summary>Grants our roles for the app roles in the token's <c>roles</c> claim; operator implies viewer's reads.</summary>
    internal static void MapAppRoles(ClaimsIdentity identity, AdminOidcOptions options)
    {
        var appRoles = identity.FindAll(EntraRolesClaimType).Select(claim => claim.Value).ToHashSet(StringComparer.Ordinal);
        if (appRoles.Contains(options.OperatorAppRole))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, AdminRoles.Operator));
        }
        else if (appRoles.Contains(options.ViewerAppRole))
        {
            identity.AddClaim(new Claim(ClaimTypes.Role, AdminRoles.Viewer));
        }

        identity.AddClaim(new Claim(ClaimTypes.AuthenticationMethod, AdminAuthenticationDefaults.OidcMethod));
    }
}
