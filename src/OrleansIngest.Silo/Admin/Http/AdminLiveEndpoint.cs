using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>
/// <c>GET /api/live</c>: server-sent events, a <c>snapshot</c> event (overview, jobs, silos as one line of JSON) every
/// <see cref="AdminOptions.LiveUpdateInterval"/> until the client goes away. One snapshot is gathered and written at a
/// time, each write awaits the client under the request's cancellation, and missed ticks are dropped rather than queued,
/// so a slow client costs one snapshot of memory, never a growing buffer (Kestrel's minimum data rate ends a stalled one).
/// </summary>
internal sealed class AdminLiveEndpoint
{
    public const string EventName = "snapshot";

    // A snapshot that takes this many intervals is abandoned for a heartbeat, so the stream keeps moving.
    private const int SnapshotTimeoutIntervals = 10;

    private static readonly byte[] Connected = Encoding.UTF8.GetBytes(": connected\nretry: 5000\n\n");
    private static readonly byte[] Heartbeat = Encoding.UTF8.GetBytes(": heartbeat\n\n");
    private static readonly byte[] EventPrefix = Encoding.UTF8.GetBytes($"event: {EventName}\ndata: ");
    private static readonly byte[] EventSuffix = Encoding.UTF8.GetBytes("\n\n");

    private readonly TimeSpan _interval;
    private readonly TimeProvider _timeProvider;
    private readonly JsonSerializerOptions _json;
    private readonly ILogger _logger;

    public AdminLiveEndpoint(IOptions<AdminOptions> options, IOptions<JsonOptions> json, TimeProvider timeProvider, ILogger<AdminLiveEndpoint> logger)
    {
        _interval = options.Value.LiveUpdateInterval;
        _timeProvider = timeProvider;
        // An indented document would span lines, and an SSE data field ends at the first line break.
        _json = new JsonSerializerOptions(json.Value.SerializerOptions) { WriteIndented = false };
        _logger = logger;
    }

    /// <summary>Streams until the client goes away; <paramref name="service"/> comes from the request, so it may be scoped.</summary>
    public async Task StreamAsync(HttpContext context, IAdminService service)
    {
        var cancellationToken = context.RequestAborted;
        var response = context.Response;
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-store";
        // Reverse proxies (nginx) would otherwise hold events back.
        response.Headers["X-Accel-Buffering"] = "no";
        AdminDashboardLog.LiveStarted(_logger);
        var snapshots = 0;
        try
        {
            await response.Body.WriteAsync(Connected, cancellationToken);
            await response.Body.FlushAsync(cancellationToken);
            using var timer = new PeriodicTimer(_interval, _timeProvider);
            do
            {
                var data = await TryGatherAsync(service, cancellationToken);
                if (data is null)
                {
                    await response.Body.WriteAsync(Heartbeat, cancellationToken);
                }
                else
                {
                    await response.Body.WriteAsync(EventPrefix, cancellationToken);
                    await response.Body.WriteAsync(data, cancellationToken);
                    await response.Body.WriteAsync(EventSuffix, cancellationToken);
                    snapshots++;
                }

                await response.Body.FlushAsync(cancellationToken);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away: the normal end of a live stream.
        }
        finally
        {
            AdminDashboardLog.LiveEnded(_logger, snapshots);
        }
    }

    private async Task<byte[]?> TryGatherAsync(IAdminService service, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_interval * SnapshotTimeoutIntervals);
        try
        {
            var overview = service.GetOverviewAsync(timeout.Token);
            var jobs = service.ListJobsAsync(timeout.Token);
            var silos = service.ListSilosAsync(timeout.Token);
            // Awaited together so that a fault of one read never leaves the others unobserved.
            await Task.WhenAll(overview, jobs, silos);
            var snapshot = new LiveSnapshot(await overview, await jobs, await silos);
            return JsonSerializer.SerializeToUtf8Bytes(snapshot, _json);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // A failing or slow cluster read must not end the stream: the next tick tries again.
            AdminDashboardLog.LiveSnapshotFailed(_logger, ex);
            return null;
        }
    }
}
