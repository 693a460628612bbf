using Microsoft.Extensions.Logging;

namespace OrleansIngest.Grains;

/// <summary>Log messages of the grains (event ids 2000–2099).</summary>
internal static partial class JobLog
{
    [LoggerMessage(2000, LogLevel.Information, "Job {JobId}: listing complete ({AlreadyDone} already done, {NoRoute} without a route)")]
    public static partial void DiscoveryCompleted(ILogger logger, string jobId, int alreadyDone, int noRoute);

    [LoggerMessage(2001, LogLevel.Error, "Job {JobId}: discovery failed")]
    public static partial void DiscoveryFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(2002, LogLevel.Information, "Job {JobId} completed: {Committed} committed, {Quarantined} quarantined")]
    public static partial void Completed(ILogger logger, string jobId, int committed, int quarantined);

    [LoggerMessage(2003, LogLevel.Information, "Job {JobId}: listing {Listing} complete, {Found} units found that events had not delivered")]
    public static partial void Reconciled(ILogger logger, string jobId, int listing, long found);

    [LoggerMessage(2004, LogLevel.Warning, "Job {JobId}: reconciliation listing failed; retrying")]
    public static partial void ReconcileFailed(ILogger logger, Exception exception, string jobId);

    [LoggerMessage(2005, LogLevel.Information, "Job {JobId} unsubscribed: it completes once its pending units are settled")]
    public static partial void Unsubscribed(ILogger logger, string jobId);

    [LoggerMessage(2006, LogLevel.Information, "Job {JobId} cancelled by an operator")]
    public static partial void Cancelled(ILogger logger, string jobId);
}
