using System.Text.Json;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Terraform;

/// <summary>The test classes that share one parse of <c>infra/terraform</c>.</summary>
[CollectionDefinition(Name)]
public sealed class TerraformCollection : ICollectionFixture<TerraformConfiguration>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Terraform";
}

/// <summary>
/// <c>infra/terraform</c> as hcl2json reads it (tests/tools/infra/terraform-hcl2json.mjs): parsed once per test
/// run (the merged configuration, and every <c>.tf</c> and <c>.tfvars.example</c> file on its own), with helpers
/// over hcl2json's shape (every block is an array of bodies, expressions are <c>${...}</c>).
/// </summary>
public sealed class TerraformConfiguration : IAsyncLifetime
{
    private static readonly TimeSpan ParseTimeout = TimeSpan.FromMinutes(1);

    private JsonDocument? _document;
    private JsonDocument? _files;

    /// <summary>The folder holding the configuration.</summary>
    public static string Directory => Path.Combine(TestTools.RepositoryRoot, "infra", "terraform");

    /// <summary>The merged JSON of every <c>.tf</c> file.</summary>
    public JsonElement Root => _document?.RootElement ?? throw new InvalidOperationException("Not parsed yet.");

    /// <summary>Every <c>.tf</c> and <c>.tfvars.example</c> file parsed on its own, by file name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Files =>
        (_files ?? throw new InvalidOperationException("Not parsed yet.")).RootElement.EnumerateObject().ToDictionary(f => f.Name, f => f.Value, StringComparer.Ordinal);

    /// <summary>The configuration's files that hcl2json and the format check read.</summary>
    public static string[] SourceFiles() =>
        System.IO.Directory.GetFiles(Directory)
            .Where(f => f.EndsWith(".tf", StringComparison.Ordinal) || f.EndsWith(".tfvars.example", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .ToArray();

    /// <summary>Runs one of the infra node scripts and returns its result.</summary>
    public static async Task<ToolResult> RunScriptAsync(string script, IReadOnlyList<string> arguments)
    {
        await TestTools.EnsureNodePackagesAsync();
        var toolsDirectory = TestTools.ToolsDirectory;
        return await TestTools.RunAsync("node", [Path.Combine(toolsDirectory, "infra", script), .. arguments], toolsDirectory, ParseTimeout);
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await TestTools.EnsureNodePackagesAsync();
        var merged = RunScriptAsync("terraform-hcl2json.mjs", [Directory]);
        var files = RunScriptAsync("terraform-hcl2json.mjs", ["--files", .. SourceFiles()]);
        _document = Parsed(await merged);
        _files = Parsed(await files);
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        _document?.Dispose();
        _files?.Dispose();
        return Task.CompletedTask;
    }

    private static JsonDocument Parsed(ToolResult result) =>
        result.ExitCode == 0
            ? JsonDocument.Parse(result.StandardOutput)
            : throw new InvalidOperationException($"hcl2json could not parse {Directory}: {result.StandardError}");

    /// <summary>Every <c>resource "type" "name"</c> of one type, by name.</summary>
    public IReadOnlyDictionary<string, JsonElement> Resources(string type)
    {
        var resources = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (Root.TryGetProperty("resource", out var all) && all.TryGetProperty(type, out var ofType))
        {
            foreach (var resource in ofType.EnumerateObject())
            {
                resources[resource.Name] = resource.Value[0];
            }
        }

        return resources;
    }

    /// <summary>The one resource of a type and name, failing the test when it is missing.</summary>
    public JsonElement Resource(string type, string name)
    {
        Assert.True(Resources(type).TryGetValue(name, out var body), $"resource \"{type}\" \"{name}\" is missing");
        return body;
    }

    /// <summary>Names declared under a top-level section (<c>variable</c>, <c>output</c>, <c>locals</c>, <c>data.type</c>).</summary>
    public IReadOnlyDictionary<string, JsonElement> Section(string name)
    {
        var entries = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        if (!Root.TryGetProperty(name, out var section))
        {
            return entries;
        }

        if (section.ValueKind == JsonValueKind.Array)
        {
            // `locals` blocks: an array of bodies whose attributes are the local names.
            foreach (var body in section.EnumerateArray())
            {
                foreach (var local in body.EnumerateObject())
                {
                    entries[local.Name] = local.Value;
                }
            }

            return entries;
        }

        foreach (var entry in section.EnumerateObject())
        {
            entries[entry.Name] = entry.Value.ValueKind == JsonValueKind.Array ? entry.Value[0] : entry.Value;
        }

        return entries;
    }

    /// <summary>The first nested block of a body (<c>blob_properties { ... }</c>), failing the test when it is missing.</summary>
    public static JsonElement Block(JsonElement body, string name)
    {
        Assert.True(
            body.TryGetProperty(name, out var blocks) && blocks.ValueKind == JsonValueKind.Array && blocks.GetArrayLength() > 0,
            $"block {name} is missing");
        return blocks[0];
    }

    /// <summary>An attribute that must be present.</summary>
    public static JsonElement Attribute(JsonElement body, string name)
    {
        Assert.True(body.TryGetProperty(name, out var value), $"attribute {name} is missing");
        return value;
    }

    /// <summary>Every string (expression) anywhere under an element.</summary>
    public static IEnumerable<string> Strings(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                yield return element.GetString()!;
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                {
                    foreach (var text in Strings(item))
                    {
                        yield return text;
                    }
                }

                break;
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                {
                    foreach (var text in Strings(property.Value))
                    {
                        yield return text;
                    }
                }

                break;
            default:
                break;
        }
    }
}
