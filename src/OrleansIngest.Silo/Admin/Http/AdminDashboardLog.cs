using Microsoft.Extensions.Logging;

namespace OrleansIngest.Silo.Admin.Http;

// Event ids 3500–3599. No message carries a key, a token, a hash, a cookie or a form value.
internal static partial class AdminDashboardLog
{
    [LoggerMessage(3500, LogLevel.Information, "Admin dashboard mapped: {ApiKeys} API key(s), admin token {AdminToken}, OpenID Connect authority {Authority}")]
    public static partial void Mapped(ILogger logger, int apiKeys, string adminToken, string authority);

    [LoggerMessage(3501, LogLevel.Warning, "An admin API request presented an API key that matches none configured")]
    public static partial void ApiKeyMismatch(ILogger logger);

    [LoggerMessage(3502, LogLevel.Warning, "An admin API request presented a bearer token that is not the admin token")]
    public static partial void AdminTokenMismatch(ILogger logger);

    [LoggerMessage(3503, LogLevel.Information, "Dashboard sign-in with the admin token")]
    public static partial void SignedIn(ILogger logger);

    [LoggerMessage(3504, LogLevel.Warning, "Dashboard sign-in refused: the token is not the admin token")]
    public static partial void SignInRefused(ILogger logger);

    [LoggerMessage(3505, LogLevel.Warning, "A dashboard form post was refused: its anti-forgery token is missing or invalid")]
    public static partial void AntiforgeryRejected(ILogger logger);

    [LoggerMessage(3506, LogLevel.Information, "Dashboard sign-out of {User}")]
    public static partial void SignedOut(ILogger logger, string user);

    [LoggerMessage(3507, LogLevel.Debug, "Live updates started")]
    public static partial void LiveStarted(ILogger logger);

    [LoggerMessage(3508, LogLevel.Debug, "Live updates ended after {Snapshots} snapshot(s)")]
    public static partial void LiveEnded(ILogger logger, int snapshots);

    [LoggerMessage(3509, LogLevel.Warning, "A live snapshot could not be gathered; a heartbeat was sent instead")]
    public static partial void LiveSnapshotFailed(ILogger logger, Exception exception);

    [LoggerMessage(3510, LogLevel.Information, "OpenID Connect sign-in of {User} with role {Role}")]
    public static partial void OidcSignedIn(ILogger logger, string user, string role);

    [LoggerMessage(3511, LogLevel.Warning, "OpenID Connect sign-in failed: {Reason}")]
    public static partial void OidcFailed(ILogger logger, string reason);

    [LoggerMessage(3512, LogLevel.Information, "A session signed in with an earlier process's admin token was ended")]
    public static partial void StaleAdminTokenSession(ILogger logger);
}
