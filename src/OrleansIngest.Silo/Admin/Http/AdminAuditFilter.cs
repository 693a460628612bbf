using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>
/// Audits one API endpoint: after it ran, who called it (API key name, OIDC subject or the admin token), the action,
/// the job, and the outcome by status code, go to the job output's audit log through <see cref="AdminAuditTrail"/>.
/// Hosts without an <see cref="AdminAuditTrail"/> skip auditing.
/// </summary>
internal sealed class AdminAuditFilter(string action) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        object? result;
        try
        {
            result = await next(context);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            await RecordAsync(context, ex is ArgumentException ? "invalid" : "conflict");
            throw;
        }

        // Typed unions (Results<Ok<T>, ProblemHttpResult>) carry the chosen result inside; the response is not written yet.
        var inner = result is INestedHttpResult nested ? nested.Result : result;
        var status = (inner as IStatusCodeHttpResult)?.StatusCode ?? http.Response.StatusCode;
        var outcome = status switch
        {
            >= 200 and < 300 => "ok",
            403 => "denied",
            404 => "not_found",
            >= 400 and < 500 => "invalid",
            _ => "failed",
        };
        await RecordAsync(context, outcome);
        return result;
    }

    /// <summary>The identity an audit record names: <c>&lt;method&gt;:&lt;name&gt;</c> (apikey:ci, oidc:alice, admin-token:admin).</summary>
    public static string ActorOf(ClaimsPrincipal user)
    {
        ArgumentNullException.ThrowIfNull(user);
        var name = user.Identity?.Name ?? user.FindFirstValue(ClaimTypes.NameIdentifier) ?? "anonymous";
        var method = user.FindFirstValue(ClaimTypes.AuthenticationMethod) ?? user.Identity?.AuthenticationType ?? "unknown";
        return $"{method}:{name}";
    }

    private async Task RecordAsync(EndpointFilterInvocationContext context, string outcome)
    {
        var http = context.HttpContext;
        if (http.RequestServices.GetService<AdminAuditTrail>() is not { } trail)
        {
            return;
        }

        var start = context.Arguments.OfType<StartJobRequest>().FirstOrDefault();
        var jobId = http.Request.RouteValues["id"] as string;
        var target = jobId ?? start?.JobId ?? start?.Source ?? "";
        var output = start?.Output is { Length: > 0 } requested ? Storage.Locations.Normalize(requested) : null;
        if (output is null && jobId is not null && http.RequestServices.GetService<IAdminService>() is { } service)
        {
            output = (await service.GetJobAsync(jobId, http.RequestAborted))?.Summary.Output;
        }

        await trail.RecordAsync(output, ActorOf(http.User), action, target, outcome, http.RequestAborted);
    }
}
