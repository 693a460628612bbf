using Microsoft.AspNetCore.Http;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>
/// Turns the admin service's contract exceptions into problem details: <see cref="ArgumentException"/> → 400, and
/// <see cref="InvalidOperationException"/> (an action the job's state does not allow) → 409 with the reason.
/// </summary>
internal sealed class AdminProblemFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (ArgumentException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid.", detail: ex.Message);
        }
        catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
        {
            // A disposed object is a fault of the host, not a conflict with the job's state.
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The job's state does not allow this.", detail: ex.Message);
        }
    }
}
