using Azure.Storage.Blobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OrleansIngest.Storage.Azure;

namespace OrleansIngest.Silo.Hosting;

/// <summary>
/// Storage faults for chaos runs (<c>OrleansIngest:Storage:ChaosFaultRate</c> &gt; 0; never set in production): each
/// data-plane write of this silo — log append, block upload, block-list commit — loses its response with that
/// probability after it reached the service, and each ranged read gets a 503 with it. The SDK's retries and the
/// commit protocol must absorb them. The running total is logged every few seconds as
/// <c>chaos: N storage faults injected</c>.
/// </summary>
public sealed class ChaosStorageFaults(double rate, ILogger<ChaosStorageFaults> logger) : BackgroundService
{
    private static readonly TimeSpan ReportEvery = TimeSpan.FromSeconds(2);

    private readonly FaultInjectionPolicy _policy = CreatePolicy(rate);

    /// <summary>Client options for the data-plane clients: the defaults, with the fault policy attached when enabled.</summary>
    public BlobClientOptions ClientOptions()
    {
        var options = AzureBlobClientFactory.CreateDefaultClientOptions();
        if (rate > 0)
        {
            _policy.AttachTo(options);
        }

        return options;
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (rate <= 0)
        {
            return;
        }

        logger.LogWarning("chaos: storage faults enabled, rate {Rate}", rate);
        var reported = -1L;
        using var timer = new PeriodicTimer(ReportEvery);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            var injected = _policy.InjectedFaults;
            if (injected != reported)
            {
                logger.LogWarning("chaos: {Injected} storage faults injected", injected);
                reported = injected;
            }
        }
    }

    private static FaultInjectionPolicy CreatePolicy(double rate)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rate, 0.5);
        var policy = new FaultInjectionPolicy();
        if (rate > 0)
        {
            policy.AddRule(new FaultRule(
                m => (FaultRule.IsLogAppend(m) || FaultRule.IsBlockUpload(m) || FaultRule.IsBlockListCommit(m)) && Random.Shared.NextDouble() < rate,
                FaultKind.LostResponse,
                Times: int.MaxValue));
            policy.AddRule(new FaultRule(m => FaultRule.IsRangeRead(m) && Random.Shared.NextDouble() < rate, FaultKind.ServiceUnavailable, Times: int.MaxValue));
        }

        return policy;
    }
}
