using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Tests.Pipeline;

[Trait("Category", "Unit")]
public sealed class PipelineDefinitionTests
{
    [Theory]
    [InlineData("**/*.wav", "a.wav", true)]
    [InlineData("**/*.wav", "calls/2026/a.WAV", true)]
    [InlineData("**/*.wav", "calls/a.wav.txt", false)]
    [InlineData("*.wav", "calls/a.wav", false)]
    [InlineData("calls/**/*.wav", "calls/a.wav", true)]
    [InlineData("calls/**/*.wav", "field/a.wav", false)]
    [InlineData("data/?.csv", "data/x.csv", true)]
    [InlineData("data/?.csv", "data/xy.csv", false)]
    public void Glob_MatchesPathsSegmentAware(string pattern, string path, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, path));

    [Fact]
    public void Default_RoutesWavToAudioAndCsvAndJsonLinesToSensorAndSkipsOthers()
    {
        var pipeline = PipelineDefinition.Default;

        Assert.Equal("audio_segments", pipeline.RouteFor("calls/a.wav")?.Table);
        Assert.Equal(RouteKind.Audio, pipeline.RouteFor("calls/a.wav")?.Kind);
        Assert.Equal("sensor_windows", pipeline.RouteFor("gas/run1.csv")?.Table);
        Assert.All(
            new[] { "gas/run1.jsonl", "gas/run1.ndjson", "gas/run1.csv.gz", "gas/run1.jsonl.gz", "gas/run1.ndjson.gz" },
            path => Assert.Equal(RouteKind.Sensor, pipeline.RouteFor(path)?.Kind));
        Assert.Null(pipeline.RouteFor("gas/run1.gz"));
        Assert.Null(pipeline.RouteFor("notes.txt"));
    }

    [Theory]
    [InlineData("calls/a.flac")]
    [InlineData("calls/a.MP3")]
    [InlineData("a.ogg")]
    [InlineData("a.oga")]
    [InlineData("a.opus")]
    [InlineData("memos/a.m4a")]
    [InlineData("a.mp4")]
    [InlineData("a.aac")]
    public void Default_RoutesEveryDecodedAudioFormatToTheAudioTable(string path)
    {
        var route = PipelineDefinition.Default.RouteFor(path);

        Assert.Equal("audio_segments", route?.Table);
        Assert.Equal(RouteKind.Audio, route?.Kind);
    }

    [Fact]
    public void Json_RoundTripsAndVersionChangesWithSettings()
    {
        var pipeline = PipelineDefinition.Default;
        var copy = PipelineDefinition.FromJson(pipeline.ToJson());
        var changed = pipeline with { Sensor = new SensorDefinition { WindowSeconds = 5 } };

        Assert.Equal(pipeline.LineageVersion, copy.LineageVersion);
        Assert.NotEqual(pipeline.LineageVersion, changed.LineageVersion);
        Assert.StartsWith("default@1+", pipeline.LineageVersion, StringComparison.Ordinal);
    }

    [Fact]
    public void Output_ClosesRowGroupsAtThreeMebibytesByDefault_AndTakesRowGroupBytesFromTheFile()
    {
        Assert.Equal(3L * 1024 * 1024, PipelineDefinition.Default.Output.RowGroupBytes);

        var pipeline = PipelineDefinition.FromJson("""{"routes":[{"match":["*.wav"],"table":"t","kind":"audio"}],"output":{"rowGroupBytes":0}}""");

        Assert.Equal(0, pipeline.Output.RowGroupBytes);
    }

    [Fact]
    public void Output_StoresLogMelWithFifteenMantissaBitsByDefault_AndTheSettingChangesTheLineageVersion()
    {
        Assert.Equal(15, PipelineDefinition.Default.Output.LogMelMantissaBits);

        var exact = PipelineDefinition.FromJson("""{"routes":[{"match":["*.wav"],"table":"t","kind":"audio"}],"output":{"logMelMantissaBits":23}}""");
        var rounded = PipelineDefinition.FromJson("""{"routes":[{"match":["*.wav"],"table":"t","kind":"audio"}]}""");

        Assert.Equal(23, exact.Output.LogMelMantissaBits);
        Assert.NotEqual(exact.LineageVersion, rounded.LineageVersion);
    }

    [Fact]
    public void Yaml_LoadsTheSameDefinitionAsJson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"pipeline-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, """
            name: calls
            version: "7"
            routes:
              - match: ["calls/**/*.wav"]
                table: calls
                kind: audio
            audio:
              segmentSeconds: 10
            """);
        try
        {
            var pipeline = PipelineDefinition.Load(path);

            Assert.Equal("calls", pipeline.Name);
            Assert.Equal(10, pipeline.Audio.SegmentSeconds);
            Assert.Equal("calls", pipeline.RouteFor("calls/x/a.wav")?.Table);
            Assert.Null(pipeline.RouteFor("a.wav"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("""{"routes":[]}""", "no routes")]
    [InlineData("""{"routes":[{"match":["*.wav"],"table":"../x","kind":"audio"}]}""", "plain folder name")]
    [InlineData("""{"routes":[{"match":["*.wav"],"table":"t","kind":"audio"}],"audio":{"segmentSeconds":0}}""", "segmentSeconds")]
    [InlineData("""{"routes":[{"match":["*.wav"],"table":"t","kind":"audio"}],"output":{"rowGroupBytes":-1}}""", "rowGroupBytes")]
    [InlineData("""{"routes":[{"match":["*.wav"],"table":"t","kind":"audio"}],"output":{"logMelMantissaBits":24}}""", "logMelMantissaBits")]
    public void FromJson_RejectsInvalidDefinitionsWithAReason(string json, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => PipelineDefinition.FromJson(json));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnitIdentity_DependsOnUriETagAndSize()
    {
        var id = UnitIdentity.Compute("file:///a.wav", "\"1\"", 10);

        Assert.Equal(32, id.Length);
        Assert.Equal(id, UnitIdentity.Compute("file:///a.wav", "\"1\"", 10));
        Assert.NotEqual(id, UnitIdentity.Compute("file:///a.wav", "\"2\"", 10));
        Assert.NotEqual(id, UnitIdentity.Compute("file:///b.wav", "\"1\"", 10));
        Assert.NotEqual(id, UnitIdentity.Compute("file:///a.wav", "\"1\"", 11));
    }
}
