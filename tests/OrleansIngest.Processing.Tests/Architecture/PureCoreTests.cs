using System.Reflection;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Tests.Architecture;

[Trait("Category", "Unit")]
public sealed class PureCoreTests
{
    private static readonly string[] ForbiddenPrefixes = ["Orleans", "Microsoft.Orleans", "Azure", "Microsoft.Azure", "Microsoft.AspNetCore"];

    [Fact]
    public void Processing_ReferencesNoOrleansAzureOrAspNetAssembly()
    {
        var assembly = typeof(PipelineDefinition).Assembly;
        var offenders = assembly.GetReferencedAssemblies()
            .Select(a => a.Name ?? "")
            .Where(name => ForbiddenPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .ToList();

        Assert.Empty(offenders);
        Assert.Contains(assembly.GetReferencedAssemblies(), a => a.Name == "Parquet");
    }

    [Fact]
    public void Processing_ProjectFileHasNoForbiddenPackageOrProjectReference()
    {
        var csproj = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "OrleansIngest.Processing", "OrleansIngest.Processing.csproj"));
        foreach (var prefix in ForbiddenPrefixes)
        {
            Assert.DoesNotContain($"PackageReference Include=\"{prefix}", csproj, StringComparison.OrdinalIgnoreCase);
        }

        Assert.DoesNotContain("ProjectReference", csproj, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "OrleansIngest.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("OrleansIngest.sln not found above " + AppContext.BaseDirectory);
    }
}
