using System.Text.Json;
using System.Text.RegularExpressions;

namespace OrleansIngest.Infra.Tests.Terraform;

/// <summary>The configuration parses, is formatted, documents its inputs and outputs, and pins its providers.</summary>
[Trait("Category", "Integration")]
[Collection(TerraformCollection.Name)]
public sealed partial class TerraformStructureTests(TerraformConfiguration terraform)
{
    [Fact]
    public void EveryTerraformFile_ParsesWithHcl2Json()
    {
        var files = Directory.GetFiles(TerraformConfiguration.Directory, "*.tf").Select(Path.GetFileName).ToArray();

        Assert.NotEmpty(files);
        Assert.All(files, file =>
        {
            Assert.True(terraform.Files.TryGetValue(file!, out var parsed), $"{file} was not parsed");
            Assert.Equal(JsonValueKind.Object, parsed.ValueKind);
        });
        Assert.NotEmpty(terraform.Resources("azurerm_storage_account"));
    }

    [Fact]
    public void EveryTfvarsExample_ParsesAndSetsOnlyDeclaredVariables()
    {
        var examples = terraform.Files.Where(f => f.Key.EndsWith(".tfvars.example", StringComparison.Ordinal)).ToArray();
        var variables = terraform.Section("variable");

        Assert.Equal(["prod.tfvars.example", "terraform.tfvars.example"], examples.Select(e => e.Key).Order(StringComparer.Ordinal));
        foreach (var (name, settings) in examples)
        {
            foreach (var setting in settings.EnumerateObject())
            {
                Assert.True(variables.ContainsKey(setting.Name), $"{name} sets undeclared variable {setting.Name}");
            }

            // Variables without a default must be set by every example.
            foreach (var required in variables.Where(v => !v.Value.TryGetProperty("default", out _)))
            {
                Assert.True(settings.TryGetProperty(required.Key, out _), $"{name} does not set required variable {required.Key}");
            }
        }
    }

    [Fact]
    public async Task EveryTerraformFile_IsFormattedLikeTerraformFmt()
    {
        var result = await TerraformConfiguration.RunScriptAsync("terraform-fmt.mjs", TerraformConfiguration.SourceFiles());

        Assert.True(result.ExitCode == 0, $"not formatted as terraform fmt would: {result.StandardOutput}{result.StandardError}");
    }

    [Fact]
    public void EveryVariable_HasADescriptionAndAType()
    {
        var variables = terraform.Section("variable");

        Assert.NotEmpty(variables);
        Assert.All(variables, variable =>
        {
            Assert.True(
                variable.Value.TryGetProperty("description", out var description) && !string.IsNullOrWhiteSpace(description.GetString()),
                $"variable {variable.Key} has no description");
            Assert.True(
                variable.Value.TryGetProperty("type", out var type) && type.GetString() is { Length: > 0 },
                $"variable {variable.Key} has no type");
        });
    }

    [Fact]
    public void EveryOutput_HasADescriptionAndReferencesOnlyDeclaredObjects()
    {
        var outputs = terraform.Section("output");

        Assert.NotEmpty(outputs);
        Assert.All(outputs, output =>
        {
            Assert.True(
                output.Value.TryGetProperty("description", out var description) && !string.IsNullOrWhiteSpace(description.GetString()),
                $"output {output.Key} has no description");
            var references = TerraformConfiguration.Strings(TerraformConfiguration.Attribute(output.Value, "value"))
                .SelectMany(text => Reference().Matches(text))
                .ToArray();
            Assert.NotEmpty(references);
            foreach (var reference in references)
            {
                Assert.True(Exists(reference), $"output {output.Key} references {reference.Value}, which is not declared");
            }
        });
    }

    [Fact]
    public void Providers_ArePinnedBelowTheNextMajorVersion()
    {
        var terraformBlock = terraform.Root.GetProperty("terraform")[0];
        var providers = TerraformConfiguration.Attribute(terraformBlock, "required_providers")[0];

        Assert.True(BoundedConstraint().IsMatch(TerraformConfiguration.Attribute(terraformBlock, "required_version").GetString()!), "required_version has no upper bound");
        Assert.NotEmpty(providers.EnumerateObject());
        Assert.All(providers.EnumerateObject(), provider =>
        {
            Assert.StartsWith("hashicorp/", TerraformConfiguration.Attribute(provider.Value, "source").GetString(), StringComparison.Ordinal);
            var version = TerraformConfiguration.Attribute(provider.Value, "version").GetString()!;
            Assert.True(BoundedConstraint().IsMatch(version), $"provider {provider.Name} version \"{version}\" is not pinned below a major version");
        });
        Assert.Contains("azurerm", providers.EnumerateObject().Select(p => p.Name));
    }

    private bool Exists(Match reference)
    {
        var kind = reference.Groups["kind"].Value;
        var name = reference.Groups["name"].Value;
        return kind switch
        {
            "var" => terraform.Section("variable").ContainsKey(name),
            "local" => terraform.Section("locals").ContainsKey(name),
            "data" => terraform.Root.TryGetProperty("data", out var data)
                && data.TryGetProperty(reference.Groups["type"].Value, out var ofType)
                && ofType.TryGetProperty(name, out _),
            _ => terraform.Resources(kind).ContainsKey(name),
        };
    }

    // var.x, local.x, data.type.x or resource_type.x inside an expression (outside its string literals the
    // configuration's outputs hold only references and function calls).
    [GeneratedRegex(@"(?<![\w.])(?:(?<kind>var|local)\.(?<name>[A-Za-z_][\w-]*)|(?<kind>data)\.(?<type>[a-z][a-z0-9_]*)\.(?<name>[A-Za-z_][\w-]*)|(?<kind>[a-z][a-z0-9]*_[a-z0-9_]+)\.(?<name>[A-Za-z_][\w-]*))")]
    private static partial Regex Reference();

    // "~> 4.65" (pessimistic: below the next major), "1.2.3" / "= 1.2.3" (exact), or any range with an upper bound.
    [GeneratedRegex(@"^\s*(~>\s*\d+\.\d+(\.\d+)?|=?\s*\d+\.\d+\.\d+|.*<\s*\d+(\.\d+)*)\s*$")]
    private static partial Regex BoundedConstraint();
}
