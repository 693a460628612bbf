using System.Text.Json;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Bicep;

/// <summary>
/// Compiles, builds the parameter files of and lints a copy of <c>bicep/</c> once for all Bicep tests (the CLI takes
/// seconds per run), and keeps the compiled ARM JSON for the policy tests.
/// </summary>
public sealed class BicepCompilationFixture : IAsyncLifetime
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromMinutes(3);

    private JsonDocument? _main;

    /// <summary>The repository's <c>bicep/</c> folder.</summary>
    public static string SourceDirectory => Path.Combine(TestTools.RepositoryRoot, "bicep");

    /// <summary>The scratch copy the CLI wrote its JSON next to.</summary>
    public string WorkDirectory { get; } = Path.Combine(Path.GetTempPath(), "orleansingest-bicep-" + Guid.NewGuid().ToString("N"));

    /// <summary><c>bicep build --pattern **/*.bicep</c>: main.bicep and every module.</summary>
    public ToolResult Build { get; private set; } = new(-1, string.Empty, string.Empty);

    /// <summary><c>bicep build-params --pattern params/*.bicepparam</c>.</summary>
    public ToolResult BuildParams { get; private set; } = new(-1, string.Empty, string.Empty);

    /// <summary><c>bicep lint --pattern **/*.bicep*</c>.</summary>
    public ToolResult Lint { get; private set; } = new(-1, string.Empty, string.Empty);

    /// <summary>The compiled <c>main.json</c>.</summary>
    public JsonElement Main => (_main ?? throw new InvalidOperationException($"main.bicep did not compile: {Build.StandardError}")).RootElement;

    /// <summary>Every resource main.json deploys, modules included.</summary>
    public IReadOnlyList<ArmResource> Resources => ArmTemplate.DeployedResources(Main);

    /// <summary>The deployed resources of one type.</summary>
    public IReadOnlyList<ArmResource> OfType(string type) => ArmTemplate.OfType(Main, type);

    /// <summary>Reads a JSON file the CLI wrote, by its path relative to <see cref="WorkDirectory"/>.</summary>
    public JsonDocument ReadOutput(string relativePath) => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(WorkDirectory, relativePath)));

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        CopyDirectory(SourceDirectory, WorkDirectory);
        var build = BicepCli.RunAsync(["build", "--pattern", "**/*.bicep"], WorkDirectory, CommandTimeout);
        var buildParams = BicepCli.RunAsync(["build-params", "--pattern", "params/*.bicepparam"], WorkDirectory, CommandTimeout);
        var lint = BicepCli.RunAsync(["lint", "--pattern", "**/*.bicep*"], WorkDirectory, CommandTimeout);
        Build = await build;
        BuildParams = await buildParams;
        Lint = await lint;
        var mainPath = Path.Combine(WorkDirectory, "main.json");
        if (Build.ExitCode == 0 && File.Exists(mainPath))
        {
            _main = JsonDocument.Parse(await File.ReadAllBytesAsync(mainPath));
        }
    }

    /// <inheritdoc />
    public Task DisposeAsync()
    {
        _main?.Dispose();
        if (Directory.Exists(WorkDirectory))
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static bool IsBicepSource(string path) =>
        Path.GetExtension(path) is ".bicep" or ".bicepparam" || Path.GetFileName(path) == "bicepconfig.json";

    private static void CopyDirectory(string source, string destination)
    {
        Directory.CreateDirectory(destination);
        // Sources only: a stale .json left next to a .bicep must not stand in for a build that failed.
        foreach (var file in Directory.EnumerateFiles(source).Where(IsBicepSource))
        {
            File.Copy(file, Path.Combine(destination, Path.GetFileName(file)));
        }

        foreach (var directory in Directory.EnumerateDirectories(source))
        {
            CopyDirectory(directory, Path.Combine(destination, Path.GetFileName(directory)));
        }
    }
}

/// <summary>Shares one <see cref="BicepCompilationFixture"/> between the Bicep test classes.</summary>
[CollectionDefinition(Name)]
public sealed class BicepCollection : ICollectionFixture<BicepCompilationFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "Bicep";
}
