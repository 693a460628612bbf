using System.Diagnostics;
using System.Text.RegularExpressions;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Scripts;

/// <summary>
/// <c>scripts/deploy-azure.sh</c>, the one command from an empty subscription to a running cluster: it lints clean, and
/// every deployment output, Key Vault secret and manifest placeholder it relies on exists where it looks for it.
/// </summary>
public sealed partial class DeployScriptTests
{
    private static readonly string Root = TestTools.RepositoryRoot;
    private static readonly string Script = File.ReadAllText(Path.Combine(Root, "scripts", "deploy-azure.sh"));

    [Fact]
    [Trait("Category", "Integration")]
    public async Task DeployScript_PassesShellcheck()
    {
        using var process = Process.Start(new ProcessStartInfo("shellcheck", [Path.Combine(Root, "scripts", "deploy-azure.sh")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("shellcheck is not installed; run scripts/setup.sh.");
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();

        Assert.True(process.ExitCode == 0, output);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DeployScript_ReadsOnlyOutputsTheBicepDeploymentHas()
    {
        var outputs = BicepOutput().Matches(File.ReadAllText(Path.Combine(Root, "bicep", "main.bicep"))).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var read = ScriptOutput().Matches(Script).Select(m => m.Groups[1].Value).ToList();

        Assert.NotEmpty(read);
        Assert.All(read, name => Assert.Contains(name, outputs));
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DeployScript_WritesEveryKeyVaultSecretTheSecretProviderClassMounts()
    {
        var mounted = ObjectName().Matches(File.ReadAllText(Path.Combine(Root, "infra", "k8s", "secretproviderclass.yaml"))).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var written = SecretSet().Matches(Script).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);

        Assert.NotEmpty(mounted);
        Assert.Equal(mounted.Order(StringComparer.Ordinal), written.Order(StringComparer.Ordinal));
        Assert.DoesNotContain("set_secret dashboard-apikey-primary-sha256 \"$operator_key\"", Script, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Category", "Unit")]
    public void DeployScript_FillsEveryPlaceholderOfTheManifests()
    {
        foreach (var file in new[] { "silo.env", "kustomization.yaml" })
        {
            var text = File.ReadAllText(Path.Combine(Root, "infra", "k8s", file));
            var placeholders = Placeholder().Matches(text).Select(m => m.Value).Distinct().ToList();
            Assert.NotEmpty(placeholders);
            Assert.All(placeholders, placeholder => Assert.Contains(placeholder, Script, StringComparison.Ordinal));
        }

        var azure = File.ReadAllLines(Path.Combine(Root, "infra", "k8s", "azure.env")).Where(l => l.Contains('=', StringComparison.Ordinal)).Select(l => l[..l.IndexOf('=', StringComparison.Ordinal)]);
        Assert.All(azure, key => Assert.Contains(key + "=", Script, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"^output\s+(\w+)\s", RegexOptions.Multiline)]
    private static partial Regex BicepOutput();

    [GeneratedRegex(@"\$\(out (\w+)\)")]
    private static partial Regex ScriptOutput();

    [GeneratedRegex(@"objectName:\s*(\S+)")]
    private static partial Regex ObjectName();

    [GeneratedRegex(@"set_secret(?:_once)? ((?:dashboard|governance)-[\w-]+)")]
    private static partial Regex SecretSet();

    [GeneratedRegex(@"REPLACE(-[a-z]+)+|REPLACE\.azurecr\.io")]
    private static partial Regex Placeholder();
}
