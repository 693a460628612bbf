using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using OrleansIngest.Silo.Admin.Security;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>The REST API over <see cref="IAdminService"/>: reads for viewers, actions for operators.</summary>
internal static class AdminApiEndpoints
{
    /// <summary>The largest page of units one call returns.</summary>
    public const int MaxUnitsPage = 500;

    private const int DefaultUnitsPage = 100;
    private const int MaxSampleRows = 50;
    private const int DefaultThroughputMinutes = 15;
    private const int MaxThroughputMinutes = 60;

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/overview", GetOverviewAsync).WithName("GetOverview").WithSummary("Cluster health at a glance: silos, jobs, throughput now.");
        api.MapGet("/jobs", ListJobsAsync).WithName("ListJobs").WithSummary("Every job the cluster knows, newest first.");
        api.MapGet("/jobs/{id}", GetJobAsync).WithName("GetJob").WithSummary("One job in detail: progress, rate, ETA, per-silo share, recent commits.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapPost("/jobs", StartJobAsync).WithName("StartJob").WithSummary("Starts a batch job (backfill) or a continuous one (subscription).")
            .ProducesProblem(StatusCodes.Status400BadRequest).RequireAuthorization(AdminPolicies.Operator)
            .AddEndpointFilter(new AdminAuditFilter("start"));
        MapAction(api, "pause", "PauseJob", "Stops handing out the job's units; units in flight finish.", (service, id, cancellationToken) => service.PauseJobAsync(id, cancellationToken));
        MapAction(api, "resume", "ResumeJob", "Hands out the job's units again.", (service, id, cancellationToken) => service.ResumeJobAsync(id, cancellationToken));
        MapAction(api, "cancel", "CancelJob", "Ends the job; what is committed stays.", (service, id, cancellationToken) => service.CancelJobAsync(id, cancellationToken));
        MapAction(api, "reconcile", "ReconcileJob", "A continuous job lists its source now.", (service, id, cancellationToken) => service.ReconcileJobAsync(id, cancellationToken));
        api.MapGet("/jobs/{id}/units", ListUnitsAsync).WithName("ListUnits")
            .WithSummary("The job's units in one state (pending, leased, committed, quarantined, superseded; none: all), a page at a time (take ≤ 500).")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound)
            .AddEndpointFilter(new AdminAuditFilter("read_units"));
        api.MapGet("/jobs/{id}/quarantine", ListQuarantineAsync).WithName("ListQuarantine").WithSummary("The job's quarantined units with their reasons.")
            .ProducesProblem(StatusCodes.Status404NotFound).AddEndpointFilter(new AdminAuditFilter("read_quarantine"));
        api.MapPost("/jobs/{id}/quarantine/retry", RetryQuarantinedAsync).WithName("RetryQuarantined")
            .WithSummary("Releases quarantined units (the listed ones, or all without a body) and queues them again.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound).RequireAuthorization(AdminPolicies.Operator)
            .AddEndpointFilter(new AdminAuditFilter("retry"));
        api.MapGet("/jobs/{id}/tables", ListTablesAsync).WithName("ListTables").WithSummary("The tables of the job's output: files, rows, bytes, last commit.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        api.MapGet("/jobs/{id}/tables/{table}/sample", SampleRowsAsync).WithName("SampleRows")
            .WithSummary("The first rows of a table (take ≤ 50); viewers read only public and internal tables.")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound)
            .AddEndpointFilter(new AdminAuditFilter("read_rows"));
        api.MapGet("/silos", ListSilosAsync).WithName("ListSilos").WithSummary("The silos of the cluster with their load and execution provider.");
        api.MapGet("/throughput", GetThroughputAsync).WithName("GetThroughput").WithSummary("Cluster throughput over the last minutes (≤ 60), in 5 s buckets, oldest first.")
            .ProducesProblem(StatusCodes.Status400BadRequest);
        api.MapGet("/evaluations", ListEvaluationsAsync).WithName("ListEvaluations")
            .WithSummary("Model evaluations recorded under the jobs' outputs (orleans-ingest evaluate), newest first, with their headline figures.");
        api.MapGet("/evaluations/{id}/report", GetEvaluationReportAsync).WithName("GetEvaluationReport")
            .WithSummary("The self-contained HTML report of one evaluation.")
            .Produces(StatusCodes.Status200OK, contentType: "text/html").ProducesProblem(StatusCodes.Status404NotFound);
    }

    private static void MapAction(RouteGroupBuilder api, string action, string name, string summary, Func<IAdminService, string, CancellationToken, Task<bool>> act) =>
        api.MapPost($"/jobs/{{id}}/{action}", async Task<Results<NoContent, ProblemHttpResult>> (string id, IAdminService service, CancellationToken cancellationToken) =>
                await act(service, id, cancellationToken) ? TypedResults.NoContent() : JobNotFound(id))
            .WithName(name)
            .WithSummary(summary)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .RequireAuthorization(AdminPolicies.Operator)
            .AddEndpointFilter(new AdminAuditFilter(action));

    private static async Task<Ok<ClusterOverview>> GetOverviewAsync(IAdminService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.GetOverviewAsync(cancellationToken));

    private static async Task<Ok<IReadOnlyList<JobSummary>>> ListJobsAsync(IAdminService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ListJobsAsync(cancellationToken));

    private static async Task<Results<Ok<JobDetail>, ProblemHttpResult>> GetJobAsync(string id, IAdminService service, CancellationToken cancellationToken) =>
        await service.GetJobAsync(id, cancellationToken) is { } job ? TypedResults.Ok(job) : JobNotFound(id);

    private static async Task<Results<Created<JobSummary>, ProblemHttpResult>> StartJobAsync(
        StartJobRequest request, HttpContext context, IAdminService service, CancellationToken cancellationToken)
    {
        // System.Text.Json leaves a missing non-nullable string null; say which field rather than fail deeper.
        if (string.IsNullOrWhiteSpace(request.Source) || string.IsNullOrWhiteSpace(request.Output))
        {
            return BadRequest("A job needs a source and an output.");
        }

        var job = await service.StartJobAsync(request, cancellationToken);
        return TypedResults.Created($"{context.Request.PathBase}{AdminDashboardDefaults.ApiPrefix}/jobs/{Uri.EscapeDataString(job.JobId)}", job);
    }

    private static async Task<Results<Ok<UnitPage>, ProblemHttpResult>> ListUnitsAsync(
        string id, string? state, int? skip, int? take, IAdminService service, CancellationToken cancellationToken)
    {
        var from = skip ?? 0;
        var count = take ?? DefaultUnitsPage;
        if (from < 0)
        {
            return BadRequest("skip must not be negative.");
        }

        if (count is < 1 or > MaxUnitsPage)
        {
            return BadRequest($"take must be between 1 and {MaxUnitsPage}.");
        }

        return await service.ListUnitsAsync(id, string.IsNullOrWhiteSpace(state) ? null : state, from, count, cancellationToken) is { } page
            ? TypedResults.Ok(page)
            : JobNotFound(id);
    }

    private static async Task<Results<Ok<IReadOnlyList<QuarantineItem>>, ProblemHttpResult>> ListQuarantineAsync(
        string id, IAdminService service, CancellationToken cancellationToken) =>
        await service.ListQuarantineAsync(id, cancellationToken) is { } items ? TypedResults.Ok(items) : JobNotFound(id);

    private static async Task<Results<Ok<RetryResult>, ProblemHttpResult>> RetryQuarantinedAsync(
        string id, RetryQuarantineRequest? request, IAdminService service, CancellationToken cancellationToken)
    {
        var unitIds = request?.UnitIds;
        if (unitIds is not null && (unitIds.Count == 0 || unitIds.Any(string.IsNullOrWhiteSpace)))
        {
            // An empty list would retry nothing while looking like "retry"; all is asked for by leaving unitIds out.
            return BadRequest("unitIds must list unit ids; leave it out to retry every quarantined unit.");
        }

        return await service.RetryQuarantinedAsync(id, unitIds, cancellationToken) is { } result ? TypedResults.Ok(result) : JobNotFound(id);
    }

    private static async Task<Results<Ok<IReadOnlyList<TableView>>, ProblemHttpResult>> ListTablesAsync(
        string id, IAdminService service, CancellationToken cancellationToken) =>
        await service.ListTablesAsync(id, cancellationToken) is { } tables ? TypedResults.Ok(tables) : JobNotFound(id);

    private static async Task<Results<Ok<TableSample>, ProblemHttpResult>> SampleRowsAsync(
        string id, string table, int? take, HttpContext context, IAdminService service, CancellationToken cancellationToken)
    {
        var count = take ?? 10;
        if (count is < 1 or > MaxSampleRows)
        {
            return BadRequest($"take must be between 1 and {MaxSampleRows}.");
        }

        var role = context.User.IsInRole(AdminRoles.Operator) ? Processing.Governance.ReaderRole.Operator : Processing.Governance.ReaderRole.Viewer;
        try
        {
            return await service.SampleRowsAsync(id, table, count, role, cancellationToken) is { } sample
                ? TypedResults.Ok(sample)
                : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job or table.", detail: $"No table '{table}' in job '{id}'.");
        }
        catch (UnauthorizedAccessException ex)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "The table's sensitivity forbids reading its rows.", detail: ex.Message);
        }
    }

    private static async Task<Ok<IReadOnlyList<SiloView>>> ListSilosAsync(IAdminService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ListSilosAsync(cancellationToken));

    private static async Task<Results<Ok<IReadOnlyList<ThroughputPoint>>, ProblemHttpResult>> GetThroughputAsync(
        int? minutes, IAdminService service, CancellationToken cancellationToken)
    {
        var window = minutes ?? DefaultThroughputMinutes;
        if (window is < 1 or > MaxThroughputMinutes)
        {
            return BadRequest($"minutes must be between 1 and {MaxThroughputMinutes}.");
        }

        return TypedResults.Ok(await service.GetThroughputAsync(TimeSpan.FromMinutes(window), cancellationToken));
    }

    private static async Task<Ok<IReadOnlyList<EvaluationSummary>>> ListEvaluationsAsync(IAdminService service, CancellationToken cancellationToken) =>
        TypedResults.Ok(await service.ListEvaluationsAsync(cancellationToken));

    private static async Task<Results<ContentHttpResult, ProblemHttpResult>> GetEvaluationReportAsync(
        string id, HttpContext context, IAdminService service, CancellationToken cancellationToken)
    {
        // Ids are file names the CLI made ({time}-{candidate}-vs-{baseline}-{hex}); anything else names no report.
        if (id.Length > 200 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || id.Contains("..", StringComparison.Ordinal))
        {
            return EvaluationNotFound(id);
        }

        if (await service.GetEvaluationReportAsync(id, cancellationToken) is not { } html)
        {
            return EvaluationNotFound(id);
        }

        // The report is self-contained (inline styles and SVG, no script): nothing else may load or run in it.
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        return TypedResults.Content(html, "text/html; charset=utf-8");
    }

    private static ProblemHttpResult EvaluationNotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such evaluation.", detail: $"No job output holds an evaluation '{id}'.");

    private static ProblemHttpResult JobNotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such job.", detail: $"The cluster knows no job '{id}'.");

    private static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "The request is not valid.", detail: detail);
}
