using System.Net;
using System.Text;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;
using Microsoft.Extensions.DependencyInjection;

namespace OrleansIngest.Dashboard.Tests;

/// <summary>
/// Every route the dashboard maps, found from the running app's endpoint data source, answers as its kind must: so a
/// route added later without protection fails here.
/// </summary>
[Trait("Category", "Integration")]
public sealed class EndpointSecurityTests
{
    // The only routes anyone may reach: the sign-in form and its post.
    private static readonly HashSet<string> AnonymousAllowList = ["GET /signin", "POST /signin"];

    private static readonly HashSet<string> ReadMethods = [HttpMethods.Get, HttpMethods.Head, HttpMethods.Options];

    [Fact]
    public async Task EveryEndpoint_WithoutCredentials_IsUnauthorizedOrSentToSignIn()
    {
        await using var host = await DashboardHost.StartAsync();
        var routes = Routes(host);
        Assert.Contains(routes, route => route.Path.StartsWith("/api/", StringComparison.Ordinal));

        foreach (var route in routes.Where(route => !AnonymousAllowList.Contains(route.Key)))
        {
            using var response = await SendAsync(host, route, apiKey: null);
            if (IsApiOrOpenApi(route.Path))
            {
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{route.Key} answered {(int)response.StatusCode} without credentials.");
            }
            else
            {
                Assert.True(response.StatusCode == HttpStatusCode.Redirect, $"{route.Key} answered {(int)response.StatusCode} without credentials.");
                Assert.Equal("/signin", DashboardHost.LocationPath(response).Split('?')[0]);
            }
        }
    }

    [Fact]
    public async Task AnonymousEndpoints_AreExactlyTheSignInAllowList()
    {
        await using var host = await DashboardHost.StartAsync();
        var routes = Routes(host);

        var anonymous = routes.Where(route => route.Endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null).Select(route => route.Key).ToHashSet();
        Assert.Equal(AnonymousAllowList.Order(), anonymous.Order());

        using var form = await SendAsync(host, routes.Single(route => route.Key == "GET /signin"), apiKey: null);
        Assert.Equal(HttpStatusCode.OK, form.StatusCode);
        // Reachable, but a post without the form's anti-forgery token goes no further.
        using var post = await SendAsync(host, routes.Single(route => route.Key == "POST /signin"), apiKey: null);
        Assert.Equal(HttpStatusCode.BadRequest, post.StatusCode);
    }

    [Fact]
    public async Task EveryMutatingApiEndpoint_WithAViewerKey_IsForbidden()
    {
        await using var host = await DashboardHost.StartAsync();
        var mutating = Routes(host).Where(route => route.Path.StartsWith("/api/", StringComparison.Ordinal) && !ReadMethods.Contains(route.Method)).ToList();
        Assert.True(mutating.Count >= 6, "The API maps fewer mutating routes than it has actions.");

        foreach (var route in mutating)
        {
            using var response = await SendAsync(host, route, DashboardHost.ViewerKey);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{route.Key} answered {(int)response.StatusCode} to a viewer.");
        }

        Assert.DoesNotContain(host.Service.Calls, call => call.StartsWith("Pause", StringComparison.Ordinal) || call.StartsWith("Start", StringComparison.Ordinal));
    }

    [Fact]
    public async Task EveryReadEndpoint_WithAViewerKey_IsAllowed()
    {
        await using var host = await DashboardHost.StartAsync();

        foreach (var route in Routes(host).Where(route => ReadMethods.Contains(route.Method) && !AnonymousAllowList.Contains(route.Key)))
        {
            using var response = await SendAsync(host, route, DashboardHost.ViewerKey);
            Assert.True(response.IsSuccessStatusCode, $"{route.Key} answered {(int)response.StatusCode} to a viewer.");
        }
    }

    [Fact]
    public async Task EveryEndpoint_WithAnOperatorKey_IsNeitherUnauthorizedNorForbidden()
    {
        await using var host = await DashboardHost.StartAsync();

        foreach (var route in Routes(host))
        {
            using var response = await SendAsync(host, route, DashboardHost.OperatorKey);
            Assert.True(
                response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden),
                $"{route.Key} answered {(int)response.StatusCode} to an operator.");
        }
    }

    [Fact]
    public async Task UnmappedPaths_WithoutCredentials_AreUnauthorizedOrSentToSignIn()
    {
        await using var host = await DashboardHost.StartAsync();

        using var api = await host.SendAsync(HttpMethod.Get, "/api/not-a-route");
        using var openApi = await host.SendAsync(HttpMethod.Get, "/openapi/other.json");
        using var page = await host.SendAsync(HttpMethod.Get, "/jobs/job-1");

        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, openApi.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
        Assert.Equal("/signin?returnUrl=%2Fjobs%2Fjob-1", DashboardHost.LocationPath(page));
    }

    private static bool IsApiOrOpenApi(string path) =>
        path.StartsWith("/api/", StringComparison.Ordinal) || path.StartsWith("/openapi/", StringComparison.Ordinal);

    private static async Task<HttpResponseMessage> SendAsync(DashboardHost host, MappedRoute route, string? apiKey)
    {
        using var request = DashboardHost.Request(
            new HttpMethod(route.Method),
            route.Path,
            apiKey,
            content: ReadMethods.Contains(route.Method) ? null : new StringContent("{}", Encoding.UTF8, "application/json"));
        // The live route streams until the client leaves: its status line is all this needs.
        return await host.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static List<MappedRoute> Routes(DashboardHost host)
    {
        var routes = new List<MappedRoute>();
        foreach (var endpoint in host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods;
            Assert.True(methods is { Count: > 0 }, $"{endpoint.RoutePattern.RawText} answers every method.");
            var path = Path(endpoint.RoutePattern);
            routes.AddRange(methods.Select(method => new MappedRoute(method, path, endpoint)));
        }

        return routes;
    }

    // Route parameters become sample values: a job the service knows, the admin OpenAPI document.
    private static string Path(RoutePattern pattern)
    {
        var path = new StringBuilder();
        foreach (var segment in pattern.PathSegments)
        {
            path.Append('/');
            foreach (var part in segment.Parts)
            {
                path.Append(part switch
                {
                    RoutePatternLiteralPart literal => literal.Content,
                    RoutePatternSeparatorPart separator => separator.Content,
                    RoutePatternParameterPart { Name: "id" } => RecordingAdminService.KnownJob,
                    RoutePatternParameterPart { Name: "documentName" } => "admin",
                    RoutePatternParameterPart parameter => "sample-" + parameter.Name,
                    _ => throw new InvalidOperationException($"Unexpected route part in {pattern.RawText}."),
                });
            }
        }

        return path.Length == 0 ? "/" : path.ToString();
    }

    private sealed record MappedRoute(string Method, string Path, RouteEndpoint Endpoint)
    {
        public string Key => $"{Method} {Path}";
    }
}
