using System.Text.Json;
using System.Text.RegularExpressions;
using OrleansIngest.TestSupport;

namespace OrleansIngest.Infra.Tests.Containers;

[Trait("Category", "Unit")]
public sealed partial class DockerfileTests
{
    public static TheoryData<string> Dockerfiles => new() { "docker/silo.Dockerfile", "docker/silo-cuda.Dockerfile" };

    private static Dockerfile Read(string path) => Dockerfile.Parse(File.ReadAllText(Path.Combine(TestTools.RepositoryRoot, path)));

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    [Trait("Category", "Integration")]
    public async Task Dockerfile_LintsWithoutIssues(string path)
    {
        await TestTools.EnsureNodePackagesAsync();
        var lint = Path.Combine(TestTools.ToolsDirectory, "node_modules", "dockerfilelint", "bin", "dockerfilelint");

        var result = await TestTools.RunAsync("node", [lint, "--json", Path.Combine(TestTools.RepositoryRoot, path)], TestTools.ToolsDirectory, TimeSpan.FromMinutes(1));

        using var report = JsonDocument.Parse(result.StandardOutput);
        var issues = report.RootElement.GetProperty("files").EnumerateArray().SelectMany(f => f.GetProperty("issues").EnumerateArray())
            .Select(i => $"line {i.GetProperty("line")}: {i.GetProperty("title")}").ToList();
        Assert.True(issues.Count == 0, string.Join(Environment.NewLine, issues));
        Assert.Equal(0, result.ExitCode);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_FinalStageRunsAsANonRootUser(string path)
    {
        var final = Read(path).FinalStage;

        var user = final.Instructions.LastOrDefault(i => i.Keyword == "USER");
        Assert.True(user is not null, $"{path}: the final stage sets no USER (it would run as root)");
        var name = user.Arguments.Split(':')[0];
        Assert.Matches("^[1-9][0-9]*$", name); // numeric, so Kubernetes' runAsNonRoot can verify it
        // Nothing after USER may switch back.
        Assert.DoesNotContain(final.Instructions.SkipWhile(i => i != user), i => i.Keyword == "USER" && i != user);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_PinsEveryBaseImageToAnExplicitVersionOrDigest(string path)
    {
        var images = Read(path).BaseImages.ToList();

        Assert.NotEmpty(images);
        foreach (var image in images)
        {
            // Either @sha256:<digest>, or a tag that starts with a full version (major.minor.patch), never "latest".
            Assert.True(PinnedImage().IsMatch(image), $"{path}: base image '{image}' is not pinned to an explicit version or a digest");
            Assert.DoesNotContain("latest", image, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("$", image, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_NeverAddsRemoteUrls(string path)
    {
        var adds = Read(path).Instructions.Where(i => i.Keyword == "ADD").ToList();

        Assert.DoesNotContain(adds, a => a.Arguments.Contains("://", StringComparison.Ordinal) || a.Arguments.Contains("git@", StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_PutsNoSecretsInEnvOrArg(string path)
    {
        var settings = Read(path).Instructions.Where(i => i.Keyword is "ENV" or "ARG").ToList();

        foreach (var setting in settings)
        {
            Assert.False(SecretName().IsMatch(setting.Arguments), $"{path} line {setting.Line}: '{setting.Keyword} {setting.Arguments}' looks like a secret");
            Assert.DoesNotContain("AccountKey=", setting.Arguments, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_ExposesTheSiloPortsAndRunsTheCli(string path)
    {
        var final = Read(path).FinalStage;

        var exposed = final.Instructions.Where(i => i.Keyword == "EXPOSE").SelectMany(i => i.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToHashSet();
        Assert.Equal([8080, 8090, 11111, 30000], exposed.Select(int.Parse).Order());
        Assert.Equal("""["dotnet", "/app/orleans-ingest.dll"]""", final.Instructions.Single(i => i.Keyword == "ENTRYPOINT").Arguments);
        var publish = Read(path).Instructions.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("src/OrleansIngest.Cli", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains("--runtime linux-x64", publish.Arguments, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Dockerfiles))]
    public void Dockerfile_RunsTheSiloWithReadyToRunCodeKeptAsCompiled(string path)
    {
        // A long-running silo: no tiered recompilation of the ReadyToRun code (see the comment in the Dockerfile).
        var env = Read(path).FinalStage.Instructions.Where(i => i.Keyword == "ENV").Select(i => i.Arguments).ToList();

        Assert.Contains("DOTNET_TieredCompilation=0", env);
    }

    [Fact]
    public void CudaDockerfile_PublishesTheGpuBuildOnACudaCudnnRuntime()
    {
        var cuda = Read("docker/silo-cuda.Dockerfile");

        Assert.Matches(@"^nvidia/cuda:12\.\d+\.\d+-cudnn-runtime-", cuda.FinalStage.Image);
        var publish = cuda.Instructions.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("-p:OrleansIngestOnnxRuntime=gpu", publish.Arguments, StringComparison.Ordinal);
        Assert.Contains(cuda.FinalStage.Instructions, i => i.Keyword == "COPY" && i.Arguments.Contains("/usr/share/dotnet", StringComparison.Ordinal));
    }

    [Fact]
    public void DockerIgnore_KeepsTestsBuildOutputsAndGitOutOfTheContext()
    {
        var ignored = File.ReadAllLines(Path.Combine(TestTools.RepositoryRoot, ".dockerignore")).Select(l => l.Trim()).ToHashSet();

        Assert.All(new[] { "**/bin/", "**/obj/", "**/node_modules/", ".git/", "tests/", "artifacts/" }, entry => Assert.Contains(entry, ignored));
        Assert.DoesNotContain("src/", ignored);
    }

    [GeneratedRegex(@"(@sha256:[0-9a-f]{64}$)|(:\d+\.\d+\.\d+[^@]*(@sha256:[0-9a-f]{64})?$)")]
    private static partial Regex PinnedImage();

    [GeneratedRegex(@"(?i)(^|\s)[A-Z0-9_]*(PASSWORD|SECRET|TOKEN|APIKEY|API_KEY|ACCOUNTKEY|CONNECTIONSTRING|CONNECTION_STRING|SAS_)[A-Z0-9_]*(=|\s|$)")]
    private static partial Regex SecretName();
}
