using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Workflows;

[Trait("Category", "Integration")]
public sealed partial class WorkflowTests
{
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(1);
    private static readonly string[] ExpectedWorkflows = ["ci.yml", "infra.yml", "release.yml"];

    private static string WorkflowFolder => Path.Combine(TestTools.RepositoryRoot, ".github", "workflows");

    private static string[] WorkflowFiles() =>
        [.. Directory.GetFiles(WorkflowFolder, "*.yml").Concat(Directory.GetFiles(WorkflowFolder, "*.yaml")).Order(StringComparer.Ordinal)];

    private static async Task<Dictionary<string, JsonElement>> ReadAsync()
    {
        await TestTools.EnsureNodePackagesAsync();
        var script = Path.Combine(TestTools.ToolsDirectory, "infra", "workflows-read.mjs");
        var result = await TestTools.RunAsync("node", [script, .. WorkflowFiles()], TestTools.ToolsDirectory, ToolTimeout);
        Assert.True(result.ExitCode == 0, result.StandardError);
        using var json = JsonDocument.Parse(result.StandardOutput);
        var workflows = json.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.Clone());
        foreach (var (name, workflow) in workflows)
        {
            Assert.False(workflow.TryGetProperty("__error", out var error), $"{name}: {error}");
        }

        return workflows;
    }

    [Fact]
    public async Task Workflows_ValidateWithActionValidator()
    {
        await TestTools.EnsureNodePackagesAsync();
        var validator = Path.Combine(TestTools.ToolsDirectory, "node_modules", ".bin", "action-validator");

        Assert.Equal(ExpectedWorkflows, WorkflowFiles().Select(Path.GetFileName));
        foreach (var file in WorkflowFiles())
        {
            var result = await TestTools.RunAsync(validator, [file], TestTools.ToolsDirectory, ToolTimeout);
            Assert.True(result.ExitCode == 0, $"{Path.GetFileName(file)}: {result.StandardOutput}{result.StandardError}");
        }
    }

    [Fact]
    public async Task Workflows_PinEveryActionToAFullCommitSha()
    {
        var workflows = await ReadAsync();

        var uses = workflows.SelectMany(w => w.Value.GetProperty("jobs").EnumerateObject().SelectMany(job =>
                (job.Value.TryGetProperty("uses", out var reusable) ? [reusable.GetString()!] : Array.Empty<string>())
                .Concat(job.Value.TryGetProperty("steps", out var steps)
                    ? steps.EnumerateArray().Where(s => s.TryGetProperty("uses", out _)).Select(s => s.GetProperty("uses").GetString()!)
                    : []))
            .Select(u => (Workflow: w.Key, Uses: u)))
            .ToList();

        Assert.NotEmpty(uses);
        var unpinned = uses.Where(u => !u.Uses.StartsWith("./", StringComparison.Ordinal) && !PinnedAction().IsMatch(u.Uses)).ToList();
        Assert.True(unpinned.Count == 0, "not pinned to a 40-hex commit SHA: " + string.Join(", ", unpinned.Select(u => $"{u.Workflow}: {u.Uses}")));
    }

    [Fact]
    public async Task Workflows_DeclareReadOnlyPermissionsAtTheTop()
    {
        var workflows = await ReadAsync();

        foreach (var (name, workflow) in workflows)
        {
            Assert.True(workflow.TryGetProperty("permissions", out var permissions), $"{name} declares no permissions (it would get the repository's defaults)");
            Assert.Equal(JsonValueKind.Object, permissions.ValueKind);
            Assert.All(permissions.EnumerateObject(), p => Assert.True(p.Value.GetString() is "read" or "none", $"{name}: top-level {p.Name}: {p.Value}"));
            foreach (var job in workflow.GetProperty("jobs").EnumerateObject())
            {
                if (job.Value.TryGetProperty("permissions", out var jobPermissions))
                {
                    Assert.Equal(JsonValueKind.Object, jobPermissions.ValueKind); // never read-all/write-all
                }
            }
        }
    }

    [Fact]
    public async Task Release_RequestsAnOidcTokenOnlyWhereItSignsInToAzure()
    {
        var workflows = await ReadAsync();

        foreach (var (name, workflow) in workflows)
        {
            foreach (var job in workflow.GetProperty("jobs").EnumerateObject())
            {
                var signsIn = job.Value.TryGetProperty("steps", out var steps)
                    && steps.EnumerateArray().Any(s => s.TryGetProperty("uses", out var u) && u.GetString()!.StartsWith("azure/login@", StringComparison.OrdinalIgnoreCase));
                var idToken = job.Value.TryGetProperty("permissions", out var permissions) && permissions.TryGetProperty("id-token", out var token) && token.GetString() == "write";
                Assert.True(signsIn == idToken, $"{name}/{job.Name}: id-token: write must go with, and only with, an azure/login step");
            }
        }
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")]
    private static partial Regex PinnedAction();
}
