using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using Orleans.Dashboard;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Telemetry;

/// <summary>
/// Serves the silo's telemetry from the admin dashboard's own web application: <c>/metrics</c> (Prometheus text from the
/// silo's <see cref="MeterProvider"/>, where the instruments are observed) and Orleans' dashboard under <c>/orleans</c>
/// (its pages and read-only API, calling the dashboard grains through the silo's <see cref="IGrainFactory"/>).
/// </summary>
public static class TelemetryEndpoints
{
    /// <summary>Path of the Prometheus scrape endpoint.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Path prefix of Orleans' dashboard.</summary>
    public const string OrleansDashboardPrefix = "/orleans";

    /// <summary>
    /// Policy of <c>/metrics</c>: a viewer (or operator) API key in <see cref="AdminAuthenticationDefaults.ApiKeyHeader"/> or
    /// the admin token as a bearer. Header credentials only: a scraper has no session, and an anonymous scrape gets 401,
    /// never the sign-in redirect meant for browsers.
    /// </summary>
    public const string ScrapePolicy = "OrleansIngest.Telemetry.Scrape";

    /// <summary>
    /// Policy of Orleans' dashboard: operators only (it shows any grain's raw state). Role only, without the same-origin
    /// check of mutating calls: all its routes are reads, and its own scripts do not send our CSRF header.
    /// </summary>
    public const string OrleansDashboardPolicy = "OrleansIngest.Telemetry.OrleansDashboard";

    /// <summary>
    /// Registers, on the dashboard application's <paramref name="services"/>, the scrape policy and (when the silo has
    /// Orleans' dashboard) that dashboard's endpoint services, with the grain factory taken from <paramref name="silo"/>.
    /// </summary>
    public static IServiceCollection AddTelemetryEndpoints(this IServiceCollection services, IServiceProvider silo, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(silo);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddAuthorizationBuilder().AddPolicy(ScrapePolicy, policy => policy
            .AddAuthenticationSchemes(AdminAuthenticationDefaults.ApiKeyScheme, AdminAuthenticationDefaults.AdminTokenScheme)
            .RequireAuthenticatedUser()
            .RequireRole(AdminRoles.Viewer, AdminRoles.Operator));
        services.AddAuthorizationBuilder().AddPolicy(OrleansDashboardPolicy, policy => policy
            .AddAuthenticationSchemes(AdminAuthenticationDefaults.Scheme)
            .RequireAuthenticatedUser()
            .RequireRole(AdminRoles.Operator));
        if (Options(silo).OrleansDashboardEnabled)
        {
            // The client-side registration of Orleans' dashboard is exactly what its endpoints need (assets, options, a
            // client of the dashboard grains); the grains themselves run in the silo, reached through its grain factory.
            new DashboardClientBuilder(services, configuration).AddDashboard(dashboard => dashboard.HideTrace = true);
            services.AddSingleton(_ => silo.GetRequiredService<IGrainFactory>());
        }

        return services;
    }

    /// <summary>
    /// Maps <see cref="MetricsPath"/> (when the silo has a Prometheus exporter; policy <see cref="ScrapePolicy"/>) and Orleans'
    /// dashboard under <see cref="OrleansDashboardPrefix"/> (when enabled; <see cref="OrleansDashboardPolicy"/>).
    /// </summary>
    public static IEndpointRouteBuilder MapTelemetryEndpoints(this IEndpointRouteBuilder endpoints, IServiceProvider silo)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(silo);
        var options = Options(silo);
        if (options.PrometheusEnabled && silo.GetService<MeterProvider>() is { } meterProvider)
        {
            endpoints.MapPrometheusScrapingEndpoint(MetricsPath, meterProvider, configureBranchedPipeline: null!, optionsName: null!)
                .RequireAuthorization(ScrapePolicy);
        }

        if (options.OrleansDashboardEnabled)
        {
            endpoints.MapOrleansDashboard(OrleansDashboardPrefix).RequireAuthorization(OrleansDashboardPolicy);
        }

        return endpoints;
    }

    private static TelemetryOptions Options(IServiceProvider silo) =>
        silo.GetService<IOptions<TelemetryOptions>>()?.Value ?? new TelemetryOptions { PrometheusEnabled = false, OrleansDashboardEnabled = false };

    /// <summary>Lets Orleans' client-side dashboard registration write into the dashboard application's services.</summary>
    private sealed class DashboardClientBuilder(IServiceCollection services, IConfiguration configuration) : IClientBuilder
    {
        public IServiceCollection Services { get; } = services;

        public IConfiguration Configuration { get; } = configuration;
    }
}
