namespace OrleansIngest.Infra.Tests.Bicep;

/// <summary>The Bicep CLI compiles and lints every file under <c>bicep/</c> with no diagnostics at all.</summary>
[Collection(BicepCollection.Name)]
[Trait("Category", "Integration")]
public sealed class BicepCompilationTests(BicepCompilationFixture fixture)
{
    [Fact]
    public void Build_CompilesEveryBicepFileWithoutWarningsOrErrors()
    {
        AssertClean(fixture.Build, "bicep build");
    }

    [Fact]
    public void Build_WritesArmJsonForMainAndEveryModule()
    {
        var sources = Directory.EnumerateFiles(BicepCompilationFixture.SourceDirectory, "*.bicep", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(BicepCompilationFixture.SourceDirectory, path))
            .ToList();

        Assert.Contains("main.bicep", sources);
        Assert.Contains(sources, path => path.StartsWith("modules" + Path.DirectorySeparatorChar, StringComparison.Ordinal));
        foreach (var source in sources)
        {
            using var compiled = fixture.ReadOutput(Path.ChangeExtension(source, ".json"));
            Assert.Contains("deploymentTemplate.json", compiled.RootElement.GetProperty("$schema").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void Build_MainDeploysAtSubscriptionScopeIntoItsOwnResourceGroup()
    {
        Assert.Contains("subscriptionDeploymentTemplate.json", fixture.Main.GetProperty("$schema").GetString(), StringComparison.Ordinal);
        Assert.Single(fixture.OfType("Microsoft.Resources/resourceGroups"));
    }

    [Fact]
    public void BuildParams_CompilesDevAndProdWithoutWarningsOrErrors()
    {
        AssertClean(fixture.BuildParams, "bicep build-params");
        foreach (var environment in new[] { "dev", "prod" })
        {
            using var parameters = fixture.ReadOutput(Path.Combine("params", environment + ".json"));
            Assert.Equal(environment, parameters.RootElement.GetProperty("parameters").GetProperty("environmentName").GetProperty("value").GetString());
        }
    }

    [Fact]
    public void BuildParams_ProdReachesStorageOnlyThroughPrivateEndpoints()
    {
        using var prod = fixture.ReadOutput(Path.Combine("params", "prod.json"));
        Assert.True(prod.RootElement.GetProperty("parameters").GetProperty("enablePrivateEndpoints").GetProperty("value").GetBoolean());
    }

    [Fact]
    public void Lint_ReportsNothingForAnyBicepOrParameterFile()
    {
        AssertClean(fixture.Lint, "bicep lint");
    }

    private static void AssertClean(OrleansIngest.TestSupport.ToolResult result, string command)
    {
        var output = result.StandardOutput + result.StandardError;
        Assert.True(result.ExitCode == 0, $"`{command}` exited with {result.ExitCode}:\n{output}");
        var diagnostics = BicepCli.ParseDiagnostics(result);
        Assert.True(diagnostics.Count == 0, $"`{command}` reported:\n{string.Join('\n', diagnostics.Select(diagnostic => diagnostic.Line))}");
    }
}
