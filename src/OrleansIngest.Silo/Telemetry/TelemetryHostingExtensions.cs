using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Orleans.Dashboard;
using OrleansIngest.Processing.Diagnostics;
using OrleansIngest.Silo.Http;

namespace OrleansIngest.Silo.Telemetry;

/// <summary>Registers OpenTelemetry and Orleans' dashboard on a silo.</summary>
public static class TelemetryHostingExtensions
{
    /// <summary>The meter Orleans records its runtime metrics on.</summary>
    public const string OrleansMeterName = "Microsoft.Orleans";

    /// <summary>Orleans' activity sources for grain calls and grain storage (traced only with an OTLP endpoint).</summary>
    public static readonly IReadOnlyList<string> OrleansActivitySources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Storage"];

    /// <summary>
    /// Adds <see cref="AddOrleansIngestTelemetry(IServiceCollection, IConfiguration)"/> to the silo, Orleans' dashboard services
    /// (when <see cref="TelemetryOptions.OrleansDashboardEnabled"/>; every silo of a cluster needs them for the dashboard
    /// to show it) and, with an OTLP endpoint, trace context propagation across grain calls.
    /// </summary>
    public static ISiloBuilder AddOrleansIngestTelemetry(this ISiloBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOrleansIngestTelemetry(builder.Configuration);
        if (options.OrleansDashboardEnabled)
        {
            // Live log streaming stays off: the admin dashboard is where operators read about jobs.
            builder.AddDashboard(dashboard => dashboard.HideTrace = true);
        }

        if (options.OtlpEnabled)
        {
            builder.AddActivityPropagation();
        }

        return builder;
    }

    /// <summary>
    /// Binds <see cref="TelemetryOptions"/> (validated at start) and registers OpenTelemetry: metrics of the pipeline
    /// (<see cref="PipelineTelemetry.Name"/>), the webhook (<see cref="EventWebhookMetrics.MeterName"/>), Orleans
    /// (<see cref="OrleansMeterName"/>) and the .NET runtime, read by the Prometheus exporter that the admin dashboard's
    /// <c>/metrics</c> serves; with <see cref="TelemetryOptions.OtlpEndpoint"/> also metrics and traces over OTLP.
    /// Without an endpoint nothing touches the network and no tracer is built.
    /// </summary>
    /// <returns>The options as configured now (what was registered depends on them).</returns>
    public static TelemetryOptions AddOrleansIngestTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(TelemetryOptions.SectionName);
        services.AddOptions<TelemetryOptions>().Bind(section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>());
        services.AddHostedService<TelemetryStartupLog>();

        // What to register is decided now; the validator still checks the same values before anything starts.
        var options = section.Get<TelemetryOptions>() ?? new TelemetryOptions();
        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(options.ServiceName, serviceInstanceId: Environment.MachineName));
        if (options.PrometheusEnabled || options.OtlpEnabled)
        {
            // With no exporter nobody would read the aggregates, so the instruments are left without a listener.
            telemetry.WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineTelemetry.Name, EventWebhookMetrics.MeterName, OrleansMeterName)
                    .AddRuntimeInstrumentation();
                if (options.PrometheusEnabled)
                {
                    metrics.AddPrometheusExporter();
                }

                if (options.OtlpEnabled)
                {
                    metrics.AddOtlpExporter(otlp => ConfigureOtlp(otlp, options, "/v1/metrics"));
                }
            });
        }
        if (options.OtlpEnabled)
        {
            // Logs go out only for the audit category (and warnings and errors of any), so OTLP carries the audit
            // trail without every informational line of the silo.
            telemetry.WithLogging(logging => logging.AddOtlpExporter(otlp => ConfigureOtlp(otlp, options, "/v1/logs")));
            services.AddLogging(logging => logging
                .AddFilter<OpenTelemetryLoggerProvider>(null, LogLevel.Warning)
                .AddFilter<OpenTelemetryLoggerProvider>(Admin.AdminAuditTrail.Category, LogLevel.Information));
            telemetry.WithTracing(tracing => tracing
                .AddSource(PipelineTelemetry.Name)
                .AddSource([.. OrleansActivitySources])
                .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
                .AddOtlpExporter(otlp => ConfigureOtlp(otlp, options, "/v1/traces")));
        }

        return options;
    }

    private static void ConfigureOtlp(OtlpExporterOptions otlp, TelemetryOptions options, string httpSignalPath)
    {
        var endpoint = new Uri(options.OtlpEndpoint!);
        if (options.OtlpProtocol == TelemetryOptions.HttpProtobufProtocol)
        {
            // Set in code, the HTTP endpoint is the signal's full URL: the collector's base plus /v1/metrics or /v1/traces.
            otlp.Protocol = OtlpExportProtocol.HttpProtobuf;
            otlp.Endpoint = new Uri(endpoint, endpoint.AbsolutePath.TrimEnd('/') + httpSignalPath);
        }
        else
        {
            otlp.Protocol = OtlpExportProtocol.Grpc;
            otlp.Endpoint = endpoint;
        }
    }
}
