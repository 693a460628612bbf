using Microsoft.Extensions.Logging;
using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Silo.Admin;

/// <summary>
/// Records audited actions of the admin API and UI: in the output's audit log (<see cref="AuditLog"/>) and as a log
/// record of category <see cref="Category"/>, which the silo's OpenTelemetry logging exports.
/// </summary>
public sealed partial class AdminAuditTrail(IStorageResolver storage, TimeProvider timeProvider, ILoggerFactory loggerFactory)
{
    /// <summary>The log category of audit records.</summary>
    public const string Category = "OrleansIngest.Audit";

    private readonly ILogger _logger = loggerFactory.CreateLogger(Category);

    /// <summary>
    /// Records one action. <paramref name="outputRoot"/> null (the job is unknown) logs it without an audit file.
    /// A failure to write the file is logged as an error and does not undo or fail the action, which already happened.
    /// </summary>
    public async Task RecordAsync(string? outputRoot, string actor, string action, string target, string outcome, CancellationToken cancellationToken = default)
    {
        Audited(_logger, actor, action, target, outcome, outputRoot ?? "");
        if (outputRoot is null)
        {
            return;
        }

        try
        {
            await new AuditLog(storage.GetGovernanceStore(outputRoot), timeProvider).AppendAsync(actor, action, target, outcome, cancellationToken: cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or global::Azure.RequestFailedException)
        {
            AuditWriteFailed(_logger, action, target, ex);
        }
    }

    [LoggerMessage(4200, LogLevel.Information, "Audit: {Actor} {Action} {Target} → {Outcome} (output {Output})")]
    private static partial void Audited(ILogger logger, string actor, string action, string target, string outcome, string output);

    [LoggerMessage(4201, LogLevel.Error, "Audit record of {Action} {Target} could not be written")]
    private static partial void AuditWriteFailed(ILogger logger, string action, string target, Exception exception);
}
