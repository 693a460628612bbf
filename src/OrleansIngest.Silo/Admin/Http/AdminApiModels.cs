namespace OrleansIngest.Silo.Admin.Http;

/// <summary>Body of <c>POST /api/jobs/{id}/quarantine/retry</c>; no body or null <paramref name="UnitIds"/> retries every quarantined unit.</summary>
/// <param name="UnitIds">The units to release and queue again.</param>
public sealed record RetryQuarantineRequest(IReadOnlyList<string>? UnitIds);

/// <summary>One <c>snapshot</c> event of <c>GET /api/live</c>.</summary>
/// <param name="Overview">Cluster health.</param>
/// <param name="Jobs">Every job, newest first.</param>
/// <param name="Silos">Every silo.</param>
public sealed record LiveSnapshot(ClusterOverview Overview, IReadOnlyList<JobSummary> Jobs, IReadOnlyList<SiloView> Silos);
