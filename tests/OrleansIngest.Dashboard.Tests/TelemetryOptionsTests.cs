using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OrleansIngest.Silo.Telemetry;

namespace OrleansIngest.Dashboard.Tests;

[Trait("Category", "Unit")]
public sealed class TelemetryOptionsTests
{
    [Fact]
    public void TelemetryOptions_DefaultsExportNothingOverTheNetwork()
    {
        var options = new TelemetryOptions();

        Assert.False(options.OtlpEnabled);
        Assert.True(new TelemetryOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData(null, null, true)]
    [InlineData("false", null, false)]
    [InlineData("false", "http://127.0.0.1:4317", true)]
    public void AddOrleansIngestTelemetry_AggregatesMetricsOnlyForAnExporter(string? prometheus, string? otlp, bool expected)
    {
        var settings = new Dictionary<string, string?>();
        if (prometheus is not null)
        {
            settings[$"{TelemetryOptions.SectionName}:PrometheusEnabled"] = prometheus;
        }

        if (otlp is not null)
        {
            settings[$"{TelemetryOptions.SectionName}:OtlpEndpoint"] = otlp;
        }

        var services = new ServiceCollection();
        services.AddOrleansIngestTelemetry(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        using var provider = services.BuildServiceProvider();

        Assert.Equal(expected, provider.GetService<MeterProvider>() is not null);
    }

    [Theory]
    [InlineData("collector:4317", "grpc", 1.0, "OtlpEndpoint")]
    [InlineData("ftp://collector:4317", "grpc", 1.0, "OtlpEndpoint")]
    [InlineData("http://collector:4317", "thrift", 1.0, "OtlpProtocol")]
    [InlineData("http://collector:4318", "http/protobuf", 1.5, "TraceSampleRatio")]
    public void TelemetryOptionsValidator_RejectsWhatWouldExportNothing(string endpoint, string protocol, double ratio, string field)
    {
        var result = new TelemetryOptionsValidator().Validate(null, new TelemetryOptions { OtlpEndpoint = endpoint, OtlpProtocol = protocol, TraceSampleRatio = ratio });

        Assert.True(result.Failed);
        Assert.Contains($"{TelemetryOptions.SectionName}:{field}", result.FailureMessage, StringComparison.Ordinal);
    }
}
