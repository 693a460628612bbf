using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OrleansIngest.Abstractions;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Silo.Admin;
using OrleansIngest.Silo.Admin.Http;
using OrleansIngest.Silo.Telemetry;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>
/// The real <see cref="AdminDashboardHost"/> over a silo's services with telemetry registered as a silo registers it:
/// <c>/metrics</c> reads the silo's meter provider, Orleans' dashboard sits under <c>/orleans</c>, both behind sign-in.
/// </summary>
[Trait("Category", "Integration")]
public sealed class TelemetryEndpointTests
{
    [Fact]
    public async Task Metrics_IsUnauthorizedWithoutHeaderCredentials()
    {
        await using var dashboard = await TelemetryDashboard.StartAsync();

        using var anonymous = await dashboard.GetAsync(TelemetryEndpoints.MetricsPath);
        using var wrongKey = await dashboard.GetAsync(TelemetryEndpoints.MetricsPath, DashboardHost.ViewerKey + "x");

        // A scraper is never sent to the browser's sign-in page.
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Null(anonymous.Headers.Location);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
    }

    [Fact]
    public async Task Metrics_WithAViewerKeyServesThePipelineMetricsTheSiloRecorded()
    {
        await using var dashboard = await TelemetryDashboard.StartAsync();
        await RunSensorUnitAsync();

        using var response = await dashboard.GetAsync(TelemetryEndpoints.MetricsPath, DashboardHost.ViewerKey);
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        Assert.Contains("# TYPE orleansingest_stage_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Matches("orleansingest_stage_duration_seconds_count\\{[^}]*stage=\"decode\"[^}]*\\} [1-9]", text);
        Assert.Matches("orleansingest_stage_duration_seconds_count\\{[^}]*stage=\"write\"[^}]*\\} [1-9]", text);
    }

    [Fact]
    public async Task Metrics_ServeEachSilosCapacityLanesAndVadBatchAsGauges()
    {
        await using var dashboard = await TelemetryDashboard.StartAsync();
        const string Silo = "silo-capacity-metrics";
        SiloCapacityTelemetry.Record(Silo, new SiloCapacity(16, 2, 163840, "NVIDIA H200", 7), lanes: 896, vadMaxBatch: 1024, vadProvider: "cuda");
        try
        {
            using var response = await dashboard.GetAsync(TelemetryEndpoints.MetricsPath, DashboardHost.ViewerKey);
            var text = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Matches(Series("orleans_ingest_silo_cores", "16", ("silo", Silo)), text);
            Assert.Matches(Series("orleans_ingest_silo_gpus", "2", ("silo", Silo), ("gpu_name", "NVIDIA H200")), text);
            Assert.Matches(Series("orleans_ingest_silo_gpu_memory_bytes", "171798691840", ("silo", Silo)), text);
            Assert.Matches(Series("orleans_ingest_silo_weight", "7", ("silo", Silo)), text);
            Assert.Matches(Series("orleans_ingest_silo_lanes", "896", ("silo", Silo)), text);
            Assert.Matches(Series("orleans_ingest_silo_vad_max_batch", "1024", ("silo", Silo), ("provider", "cuda")), text);
        }
        finally
        {
            SiloCapacityTelemetry.Remove(Silo);
        }
    }

    [Fact]
    public void SiloCapacityTelemetry_ForgetsASiloThatStopped()
    {
        const string Silo = "silo-capacity-removed";
        SiloCapacityTelemetry.Record(Silo, new SiloCapacity(4, 0, 0, "", 1), lanes: 8, vadMaxBatch: 64, vadProvider: "cpu");
        Assert.Equal(new SiloCapacityReading(Silo, new SiloCapacity(4, 0, 0, "", 1), 8, 64, "cpu"), SiloCapacityTelemetry.Find(Silo));

        SiloCapacityTelemetry.Remove(Silo);

        Assert.Null(SiloCapacityTelemetry.Find(Silo));
    }

    [Fact]
    public async Task OrleansDashboard_RedirectsABrowserToSignInRefusesAViewerAndAnswersAnOperator()
    {
        await using var dashboard = await TelemetryDashboard.StartAsync();

        using var browser = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/");
        using var script = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/version", DashboardHost.OperatorKey + "x");
        using var viewer = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/version", DashboardHost.ViewerKey);
        using var page = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/", DashboardHost.OperatorKey);
        using var version = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/version", DashboardHost.OperatorKey);

        Assert.Equal(HttpStatusCode.Redirect, browser.StatusCode);
        Assert.StartsWith(AdminDashboardDefaults.SignInPath, DashboardHost.LocationPath(browser), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, script.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, viewer.StatusCode);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, version.StatusCode);
        Assert.Contains("\"version\"", await version.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OrleansDashboard_HidesItsLiveLogStream()
    {
        await using var dashboard = await TelemetryDashboard.StartAsync();

        using var trace = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/Trace", DashboardHost.OperatorKey);

        Assert.Equal(HttpStatusCode.Forbidden, trace.StatusCode);
    }

    [Fact]
    public async Task TelemetryEndpoints_AreNotMappedWhenDisabled()
    {
        await using var dashboard = await TelemetryDashboard.StartAsync(new Dictionary<string, string?>
        {
            [$"{TelemetryOptions.SectionName}:PrometheusEnabled"] = "false",
            [$"{TelemetryOptions.SectionName}:OrleansDashboardEnabled"] = "false",
        });

        using var metrics = await dashboard.GetAsync(TelemetryEndpoints.MetricsPath, DashboardHost.ViewerKey);
        using var orleans = await dashboard.GetAsync(TelemetryEndpoints.OrleansDashboardPrefix + "/version", DashboardHost.ViewerKey);

        Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, orleans.StatusCode);
    }

    // A Prometheus sample line of the metric with these labels (in any order, among others) and this value.
    private static string Series(string metric, string value, params (string Name, string Value)[] labels)
    {
        var lookaheads = string.Concat(labels.Select(l => "(?=[^}]*" + l.Name + "=\"" + Regex.Escape(l.Value) + "\")"));
        return "(?m)^" + metric + "\\{" + lookaheads + "[^}]*\\} " + value + "( |$)";
    }

    private static async Task RunSensorUnitAsync()
    {
        var content = "sensor_id,timestamp,temp\na,0,20\na,1,22\n"u8.ToArray();
        var unit = new LeasedUnit("unit-metrics", 1, "file:///data/run.csv", "run.csv", "\"e\"", content.Length, "sensor_windows", RouteKind.Sensor);
        var rows = 0;
        await new SensorUnitProcessor(TimeProvider.System).ProcessAsync(
            unit,
            _ => ValueTask.FromResult<Stream>(new MemoryStream(content, writable: false)),
            new PipelineContext(PipelineDefinition.Default, "default@1+test", "test"),
            _ =>
            {
                rows++;
                return ValueTask.CompletedTask;
            });
        Assert.Equal(1, rows);
    }

    /// <summary>A silo's service provider (admin service, telemetry) and the dashboard host over it, on a free loopback port.</summary>
    private sealed class TelemetryDashboard : IAsyncDisposable
    {
        private readonly ServiceProvider _silo;
        private readonly AdminDashboardHost _host;
        private readonly HttpClient _client;

        private TelemetryDashboard(ServiceProvider silo, AdminDashboardHost host)
        {
            _silo = silo;
            _host = host;
            _client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = host.Address };
        }

        public static async Task<TelemetryDashboard> StartAsync(IDictionary<string, string?>? extra = null)
        {
            var settings = DashboardHost.KeySettings();
            foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
            {
                settings[key] = value;
            }

            var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<IConfiguration>(configuration);
            services.AddSingleton(TimeProvider.System);
            services.AddSingleton<IAdminService>(new RecordingAdminService());
            services.AddOrleansIngestTelemetry(configuration);
            var silo = services.BuildServiceProvider();
            var host = new AdminDashboardHost(silo, configuration, new AdminDashboardSettings(Port: 0), silo.GetRequiredService<ILoggerFactory>());
            await host.StartAsync(CancellationToken.None);
            return new TelemetryDashboard(silo, host);
        }

        public async Task<HttpResponseMessage> GetAsync(string path, string? apiKey = null)
        {
            using var request = DashboardHost.Request(HttpMethod.Get, path, apiKey);
            return await _client.SendAsync(request);
        }

        public async ValueTask DisposeAsync()
        {
            _client.Dispose();
            await _host.StopAsync(CancellationToken.None);
            await _host.DisposeAsync();
            await _silo.DisposeAsync();
        }
    }
}
