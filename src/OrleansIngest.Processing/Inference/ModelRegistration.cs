using System.Text.Json;
using System.Text.Json.Serialization;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Inference;

/// <summary>
/// One entry of the model registry, <c>&lt;output&gt;/_ingest/models/&lt;name&gt;@&lt;version&gt;.json</c>: which model
/// file a step ran, with what bindings, and on which provider of which silo.
/// </summary>
public sealed record ModelRegistration
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Step name.</summary>
    public required string Name { get; init; }

    /// <summary>Declared version.</summary>
    public required string Version { get; init; }

    /// <summary>SHA-256 of the loaded file.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Declared location.</summary>
    public required string Path { get; init; }

    /// <summary><c>audio</c> or <c>sensor</c>.</summary>
    public required ModelAppliesTo AppliesTo { get; init; }

    /// <summary>ONNX input name → binding.</summary>
    public required IReadOnlyDictionary<string, string> Inputs { get; init; }

    /// <summary>Outputs and their columns.</summary>
    public required IReadOnlyList<ModelOutputDefinition> Outputs { get; init; }

    /// <summary>Provider preference.</summary>
    public required string RequestedProvider { get; init; }

    /// <summary>Provider the session runs on.</summary>
    public required string ActualProvider { get; init; }

    /// <summary>Why CUDA was not used although asked for or tried, or null.</summary>
    public string? FallbackReason { get; init; }

    /// <summary>The silo that registered it.</summary>
    public required string Silo { get; init; }

    /// <summary>When it was registered.</summary>
    public required DateTimeOffset RegisteredAt { get; init; }

    /// <summary>Path of the entry below the output root.</summary>
    [JsonIgnore]
    public string RelativePath => $"_ingest/models/{Name}@{Version}.json";

    /// <summary>The registration of a loaded step.</summary>
    public static ModelRegistration From(ModelStep step, string silo, DateTimeOffset registeredAt)
    {
        ArgumentNullException.ThrowIfNull(step);
        return new ModelRegistration
        {
            Name = step.Definition.Name,
            Version = step.Definition.Version,
            Sha256 = step.Sha256,
            Path = step.Source,
            AppliesTo = step.Definition.AppliesTo,
            Inputs = step.Definition.Inputs,
            Outputs = step.Definition.Outputs,
            RequestedProvider = step.RequestedProvider,
            ActualProvider = step.ActualProvider,
            FallbackReason = step.ProviderFallbackReason,
            Silo = silo,
            RegisteredAt = registeredAt,
        };
    }

    /// <summary>The entry's JSON (camelCase).</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);
}

/// <summary>Writes model registry entries under an output root (the adapter knows local folders and blob containers).</summary>
public interface IModelRegistry
{
    /// <summary>
    /// Writes <paramref name="registration"/> at <see cref="ModelRegistration.RelativePath"/> below
    /// <paramref name="outputRoot"/> unless an entry is already there (put-if-absent). Returns whether it wrote.
    /// </summary>
    Task<bool> RegisterAsync(string outputRoot, ModelRegistration registration, CancellationToken cancellationToken = default);
}
