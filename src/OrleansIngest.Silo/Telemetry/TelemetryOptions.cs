using Microsoft.Extensions.Options;

namespace OrleansIngest.Silo.Telemetry;

/// <summary>OpenTelemetry, the Prometheus scrape endpoint and Orleans' own dashboard (section <see cref="SectionName"/>).</summary>
public sealed class TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "OrleansIngest:Telemetry";

    /// <summary>The gRPC OTLP protocol (default).</summary>
    public const string GrpcProtocol = "grpc";

    /// <summary>The HTTP/protobuf OTLP protocol.</summary>
    public const string HttpProtobufProtocol = "http/protobuf";

    /// <summary>OTLP collector endpoint for metrics and traces (e.g. <c>http://otel-collector:4317</c>); none: nothing is exported over the network and no traces are collected.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary><see cref="GrpcProtocol"/> or <see cref="HttpProtobufProtocol"/>.</summary>
    public string OtlpProtocol { get; set; } = GrpcProtocol;

    /// <summary>The <c>service.name</c> resource attribute.</summary>
    public string ServiceName { get; set; } = "orleans-ingest";

    /// <summary>Fraction of root traces kept (0–1); children follow their parent's decision.</summary>
    public double TraceSampleRatio { get; set; } = 1.0;

    /// <summary>Serve <c>/metrics</c> for Prometheus on the admin dashboard's port (viewer API key or admin token).</summary>
    public bool PrometheusEnabled { get; set; } = true;

    /// <summary>Add Orleans' dashboard to the silo and serve it under <c>/orleans</c> on the admin dashboard's port.</summary>
    public bool OrleansDashboardEnabled { get; set; } = true;

    /// <summary>Whether an OTLP endpoint is configured.</summary>
    public bool OtlpEnabled => !string.IsNullOrWhiteSpace(OtlpEndpoint);
}

/// <summary>Checks <see cref="TelemetryOptions"/> at start, so a typo fails the host instead of silently exporting nothing.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.OtlpEnabled &&
            !(Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint) && (endpoint.Scheme == Uri.UriSchemeHttp || endpoint.Scheme == Uri.UriSchemeHttps)))
        {
            failures.Add($"{TelemetryOptions.SectionName}:OtlpEndpoint must be an absolute http or https URI (was '{options.OtlpEndpoint}').");
        }

        if (options.OtlpProtocol is not (TelemetryOptions.GrpcProtocol or TelemetryOptions.HttpProtobufProtocol))
        {
            failures.Add($"{TelemetryOptions.SectionName}:OtlpProtocol must be '{TelemetryOptions.GrpcProtocol}' or '{TelemetryOptions.HttpProtobufProtocol}' (was '{options.OtlpProtocol}').");
        }

        if (string.IsNullOrWhiteSpace(options.ServiceName))
        {
            failures.Add($"{TelemetryOptions.SectionName}:ServiceName must not be empty.");
        }

        if (!(options.TraceSampleRatio is >= 0 and <= 1))
        {
            failures.Add($"{TelemetryOptions.SectionName}:TraceSampleRatio must lie in [0, 1] (was {options.TraceSampleRatio}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
