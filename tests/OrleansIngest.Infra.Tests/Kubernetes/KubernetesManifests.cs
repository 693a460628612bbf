using System.Text.Json;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Kubernetes;

/// <summary>
/// The manifests of <c>infra/k8s</c> as <c>tests/tools/infra/k8s-manifests.mjs</c> reads them: every YAML document of
/// every resource in the kustomization, parsed and checked against its Kubernetes schema. Read once per test process.
/// </summary>
internal sealed class KubernetesManifests
{
    public const string Folder = "infra/k8s";

    private static readonly TimeSpan ReadTimeout = TimeSpan.FromMinutes(1);
    private static readonly Lazy<Task<KubernetesManifests>> Shared = new(() => ReadAsync(Path.Combine(TestTools.RepositoryRoot, Folder)));

    private KubernetesManifests(JsonElement kustomization, IReadOnlyList<ManifestDocument> documents)
    {
        Kustomization = kustomization;
        Documents = documents;
    }

    /// <summary>The parsed kustomization.yaml.</summary>
    public JsonElement Kustomization { get; }

    /// <summary>Every document, in kustomization order.</summary>
    public IReadOnlyList<ManifestDocument> Documents { get; }

    public static Task<KubernetesManifests> LoadAsync() => Shared.Value;

    public IEnumerable<JsonElement> OfKind(string kind) =>
        Documents.Where(d => d.Kind == kind).Select(d => d.Object);

    public JsonElement Deployment(string name) =>
        OfKind("Deployment").Single(d => d.GetProperty("metadata").GetProperty("name").GetString() == name);

    public static async Task<KubernetesManifests> ReadAsync(string folder, CancellationToken cancellationToken = default)
    {
        await TestTools.EnsureNodePackagesAsync(cancellationToken);
        var script = Path.Combine(TestTools.ToolsDirectory, "infra", "k8s-manifests.mjs");
        var result = await TestTools.RunAsync("node", [script, folder], TestTools.ToolsDirectory, ReadTimeout, cancellationToken);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"k8s-manifests.mjs failed ({result.ExitCode}): {result.StandardError}");
        }

        using var json = JsonDocument.Parse(result.StandardOutput);
        var root = json.RootElement.Clone();
        var documents = root.GetProperty("documents").EnumerateArray()
            .Select(d => new ManifestDocument(
                d.GetProperty("file").GetString()!,
                d.GetProperty("index").GetInt32(),
                d.GetProperty("object"),
                [.. d.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!)]))
            .ToList();
        return new KubernetesManifests(root.GetProperty("kustomization"), documents);
    }
}

/// <summary>One YAML document of a manifest file and its schema errors.</summary>
internal sealed record ManifestDocument(string File, int Index, JsonElement Object, IReadOnlyList<string> Errors)
{
    public string Kind => Object.ValueKind == JsonValueKind.Object && Object.TryGetProperty("kind", out var kind) ? kind.GetString() ?? "" : "";

    public override string ToString() => $"{File}#{Index} ({Kind})";
}

/// <summary>Small readers over parsed manifests.</summary>
internal static class Json
{
    public static JsonElement? Path(this JsonElement element, params string[] names)
    {
        var current = element;
        foreach (var name in names)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return null;
            }
        }

        return current;
    }

    public static string? StringAt(this JsonElement element, params string[] names) =>
        element.Path(names) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    public static bool? BoolAt(this JsonElement element, params string[] names) =>
        element.Path(names) is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : null;

    public static IEnumerable<JsonElement> ArrayAt(this JsonElement element, params string[] names) =>
        element.Path(names) is { ValueKind: JsonValueKind.Array } value ? value.EnumerateArray() : [];

    public static JsonElement PodSpec(this JsonElement deployment) => deployment.Path("spec", "template", "spec")!.Value;

    public static IEnumerable<JsonElement> Containers(this JsonElement deployment) => deployment.PodSpec().ArrayAt("containers");

    public static string Name(this JsonElement element) => element.StringAt("metadata", "name") ?? element.StringAt("name") ?? "";
}
