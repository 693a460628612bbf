using Microsoft.AspNetCore.Routing;
using OrleansIngest.Silo.Admin.Ui;

namespace OrleansIngest.Silo.Admin.Http;

/// <summary>
/// Maps the web UI (<see cref="AdminUi"/>) into the dashboard. Its pages and files are endpoints, not static-file
/// middleware ahead of routing, so the fallback policy (viewer) covers every file and an unauthenticated browser is sent
/// to <c>/signin</c>.
/// </summary>
internal static class AdminDashboardUi
{
    public static void Map(IEndpointRouteBuilder endpoints) => endpoints.MapAdminUi();
}
