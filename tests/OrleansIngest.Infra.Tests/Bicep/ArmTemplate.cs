using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansIngest.Infra.Tests.Bicep;

/// <summary>
/// A resource declared in a compiled ARM template or in one of its nested module deployments, with the template that
/// declares it (whose variables its expressions refer to).
/// </summary>
public sealed record ArmResource(string Module, string Symbol, JsonElement Element, JsonElement Template)
{
    /// <summary>The resource type, e.g. <c>Microsoft.Storage/storageAccounts</c>.</summary>
    public string Type => Element.GetProperty("type").GetString() ?? string.Empty;

    /// <summary>Whether this is a reference to a resource declared elsewhere (Bicep <c>existing</c>).</summary>
    public bool IsExisting => Element.TryGetProperty("existing", out var existing) && existing.ValueKind == JsonValueKind.True;

    /// <summary>The resource's <c>properties</c> object.</summary>
    public JsonElement Properties => Element.GetProperty("properties");
}

/// <summary>Walks compiled ARM templates (language version 1 arrays and 2.0 symbolic-name objects alike).</summary>
public static partial class ArmTemplate
{
    private const string DeploymentType = "Microsoft.Resources/deployments";

    /// <summary>Every resource the template deploys, nested module deployments included; <c>existing</c> references excluded.</summary>
    public static IReadOnlyList<ArmResource> DeployedResources(JsonElement template) =>
        [.. AllResources(template, "main").Where(resource => !resource.IsExisting)];

    /// <summary>The deployed resources of one type.</summary>
    public static IReadOnlyList<ArmResource> OfType(JsonElement template, string type) =>
        [.. DeployedResources(template).Where(resource => string.Equals(resource.Type, type, StringComparison.OrdinalIgnoreCase))];

    /// <summary>
    /// The role definition GUID a role assignment grants, whether written inline or through a variable of the
    /// template that declares it.
    /// </summary>
    /// <exception cref="InvalidOperationException">The id comes from somewhere a policy check cannot see (a parameter, an output).</exception>
    public static string RoleDefinitionGuid(ArmResource assignment)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        var expression = assignment.Properties.GetProperty("roleDefinitionId").GetString() ?? string.Empty;
        var literal = GuidPattern().Match(expression);
        if (literal.Success)
        {
            return literal.Value.ToLowerInvariant();
        }

        var reference = VariableMemberPattern().Match(expression);
        if (reference.Success
            && assignment.Template.TryGetProperty("variables", out var variables)
            && variables.TryGetProperty(reference.Groups["variable"].Value, out var variable)
            && variable.ValueKind == JsonValueKind.Object
            && variable.TryGetProperty(reference.Groups["member"].Value, out var value)
            && value.ValueKind == JsonValueKind.String
            && GuidPattern().Match(value.GetString()!) is { Success: true } resolved)
        {
            return resolved.Value.ToLowerInvariant();
        }

        throw new InvalidOperationException(
            $"Role assignment '{assignment.Symbol}' in module '{assignment.Module}' takes its role from '{expression}', which cannot be checked.");
    }

    private static IEnumerable<ArmResource> AllResources(JsonElement template, string module)
    {
        if (!template.TryGetProperty("resources", out var resources))
        {
            yield break;
        }

        var declared = resources.ValueKind == JsonValueKind.Object
            ? resources.EnumerateObject().Select(property => (Symbol: property.Name, Element: property.Value))
            : resources.EnumerateArray().Select((element, index) => (Symbol: index.ToString(System.Globalization.CultureInfo.InvariantCulture), Element: element));
        foreach (var (symbol, element) in declared)
        {
            var resource = new ArmResource(module, symbol, element, template);
            yield return resource;
            if (resource.Type == DeploymentType && resource.Properties.TryGetProperty("template", out var nested))
            {
                foreach (var inner in AllResources(nested, symbol))
                {
                    yield return inner;
                }
            }
        }
    }

    [GeneratedRegex("[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")]
    private static partial Regex GuidPattern();

    [GeneratedRegex(@"variables\('(?<variable>[^']+)'\)\.(?<member>[A-Za-z0-9_]+)")]
    private static partial Regex VariableMemberPattern();
}
