using OrleansIngest.TestSupport;

namespace OrleansIngest.Integration.Tests;

[Trait("Category", "Integration")]
public sealed class CliCommandsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Generate_WritesADeterministicCorpus()
    {
        using var temp = new TempDirectory();

        var a = await CliRunner.RunAsync(Timeout, "generate", "--out", temp.Combine("a"), "--audio-minutes", "0.5", "--sensor-files", "1", "--bad-files", "2", "--seed", "5");
        var b = await CliRunner.RunAsync(Timeout, "generate", "--out", temp.Combine("b"), "--audio-minutes", "0.5", "--sensor-files", "1", "--bad-files", "2", "--seed", "5");

        Assert.True(a.ExitCode == 0, a.ToString());
        Assert.True(b.ExitCode == 0, b.ToString());
        var filesA = Directory.GetFiles(temp.Combine("a"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(temp.Combine("a"), f)).Order().ToList();
        var filesB = Directory.GetFiles(temp.Combine("b"), "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(temp.Combine("b"), f)).Order().ToList();
        Assert.Equal(filesA, filesB);
        Assert.Contains(filesA, f => f.EndsWith(".wav", StringComparison.Ordinal));
        Assert.Contains(filesA, f => f.EndsWith(".csv", StringComparison.Ordinal));
        foreach (var file in filesA)
        {
            Assert.Equal(File.ReadAllBytes(temp.Combine("a", file)), File.ReadAllBytes(temp.Combine("b", file)));
        }
    }

    [Theory]
    [InlineData("0s")]
    [InlineData("soon")]
    [InlineData("-5m")]
    public async Task Subscribe_RejectsAReconcileIntervalThatIsNotAPositiveDuration(string interval)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("src"));

        var result = await CliRunner.RunAsync(Timeout, "subscribe", "--source", temp.Combine("src"), "--output", temp.Combine("out"), "--reconcile-interval", interval);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("is not a positive duration", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unsubscribe")]
    [InlineData("reconcile")]
    public async Task SubscriptionCommands_WithoutAClusterSayTheyNeedOne(string command)
    {
        var result = await CliRunner.RunAsync(Timeout, command, "--job-id", "job-x");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--cluster-connection-string", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Silo_WithATableUriButNoBlobUri_SaysWhatAClusterNeeds()
    {
        var environment = new Dictionary<string, string> { ["ORLEANSINGEST__CLUSTER__TABLESERVICEURI"] = "https://account.table.core.windows.net" };

        var result = await CliRunner.RunAsync(Timeout, environment, ["silo", "--http-port", "0"]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("ORLEANSINGEST__CLUSTER__BLOBSERVICEURI", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_WantsEitherAnOutputOrAJob()
    {
        var both = await CliRunner.RunAsync(Timeout, "status", "--output", "out", "--job-id", "job-x");
        var neither = await CliRunner.RunAsync(Timeout, "status");

        Assert.NotEqual(0, both.ExitCode);
        Assert.NotEqual(0, neither.ExitCode);
        Assert.Contains("Give either --output", both.Stdout + both.Stderr, StringComparison.Ordinal);
        Assert.Contains("Give either --output", neither.Stdout + neither.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_MissingSourceFailsWithAClearMessage()
    {
        using var temp = new TempDirectory();

        var result = await CliRunner.RunAsync(Timeout, "ingest", "--source", temp.Combine("nope"), "--output", temp.Combine("out"));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("Source folder not found", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_WithoutTheFfmpegItsM4aRouteNeeds_FailsAtOnceSayingWhichRouteAndHowToFixIt()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("src"));
        var missing = new Dictionary<string, string> { ["OrleansIngest__Decoding__FfmpegPath"] = temp.Combine("no-ffmpeg-here") };

        var result = await CliRunner.RunAsync(Timeout, missing, ["ingest", "--source", temp.Combine("src"), "--output", temp.Combine("out")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("audio_segments", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ffmpeg", result.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("out", "audio_segments")), "nothing may be written when the run cannot start");
    }

    [Fact]
    public async Task Silo_WithoutTheFfmpegTheDefaultRoutesNeed_RefusesToStart()
    {
        using var temp = new TempDirectory();
        var missing = new Dictionary<string, string> { ["OrleansIngest__Decoding__FfmpegPath"] = temp.Combine("no-ffmpeg-here") };

        var result = await CliRunner.RunAsync(Timeout, missing, ["silo", "--cluster-connection-string", "UseDevelopmentStorage=true", "--cluster-id", "never-started"]);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains("The silo cannot start", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("ffmpeg", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quarantine_OnAMissingOutputFailsWithAClearMessage()
    {
        using var temp = new TempDirectory();

        var list = await CliRunner.RunAsync(Timeout, "quarantine", "list", "--output", temp.Combine("nope"));
        var retry = await CliRunner.RunAsync(Timeout, "quarantine", "retry", "--output", temp.Combine("nope"));

        Assert.All([list, retry], r =>
        {
            Assert.Equal(2, r.ExitCode);
            Assert.Contains("Output folder not found", r.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", r.Stderr, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task Ingest_InvalidPipelineFailsWithTheReason()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("src"));
        File.WriteAllText(temp.Combine("p.json"), """{"routes":[]}""");

        var result = await CliRunner.RunAsync(Timeout, "ingest", "--source", temp.Combine("src"), "--output", temp.Combine("out"), "--pipeline", temp.Combine("p.json"));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("no routes", result.Stdout + result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_MissingOutputFails()
    {
        using var temp = new TempDirectory();

        var result = await CliRunner.RunAsync(Timeout, "status", "--output", temp.Combine("none"), "--json");

        Assert.Equal(2, result.ExitCode);
    }
}
