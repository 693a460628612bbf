using OrleansIngest.Processing.Governance;
using OrleansIngest.Processing.Pipeline;

namespace OrleansIngest.Processing.Tests.Governance;

[Trait("Category", "Unit")]
public sealed class SensitivityPolicyTests
{
    [Fact]
    public void Pipeline_RejectsARawColumnAtInternalNamingColumnAndTier()
    {
        const string Json = """
            { "routes": [ { "match": ["**/*.wav"], "table": "calls", "kind": "audio",
                            "columns": [ { "name": "pcm16", "class": "derived" } ] } ] }
            """;

        var ex = Assert.Throws<PipelinePolicyException>(() => PipelineDefinition.FromJson(Json));

        Assert.Equal("pcm16", ex.Column);
        Assert.Equal(SensitivityTier.Internal, ex.Tier);
        Assert.Equal(ColumnClass.RawContent, ex.ColumnClass);
        Assert.Contains("'pcm16'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("tier internal", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Pipeline_RejectsLogMelInAPublicTable()
    {
        var yaml = "sensitivity: public\nroutes:\n  - match: ['**/*.wav']\n    table: calls\n    kind: audio\n";

        var ex = Assert.Throws<PipelinePolicyException>(() => PipelineDefinition.FromText(yaml));

        Assert.Equal("log_mel", ex.Column);
        Assert.Equal(SensitivityTier.Public, ex.Tier);
    }

    [Fact]
    public void Pipeline_AcceptsRawContentInARestrictedRouteOfAnInternalPipeline()
    {
        const string Json = """
            { "sensitivity": "internal",
              "routes": [ { "match": ["**/*.wav"], "table": "calls", "kind": "audio", "sensitivity": "restricted",
                            "columns": [ { "name": "audio_flac", "class": "rawContent" } ] },
                          { "match": ["**/*.csv"], "table": "sensors", "kind": "sensor" } ] }
            """;

        var pipeline = PipelineDefinition.FromJson(Json);

        Assert.Equal(SensitivityTier.Restricted, SensitivityPolicy.TierOfTable(pipeline, "calls"));
        Assert.Equal(SensitivityTier.Internal, SensitivityPolicy.TierOfTable(pipeline, "sensors"));
        Assert.True(SensitivityPolicy.MasksSourceUri(SensitivityTier.Restricted));
        Assert.True(SensitivityPolicy.RequiresEncryption(SensitivityTier.Restricted));
    }

    [Fact]
    public void Pipeline_RejectsRoutesThatGiveOneTableTwoTiers()
    {
        const string Json = """
            { "routes": [ { "match": ["a/*.csv"], "table": "t", "kind": "sensor", "sensitivity": "public" },
                          { "match": ["b/*.csv"], "table": "t", "kind": "sensor", "sensitivity": "restricted" } ] }
            """;

        Assert.Throws<FormatException>(() => PipelineDefinition.FromJson(Json));
    }

    [Fact]
    public void DefaultPipeline_IsInternalAndItsCanonicalJsonHasNoGovernanceKeys()
    {
        var json = PipelineDefinition.Default.ToJson();

        Assert.DoesNotContain("sensitivity", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("columns", json, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(SensitivityTier.Internal, SensitivityPolicy.TierOfTable(PipelineDefinition.Default, "audio_segments"));
    }

    [Theory]
    [InlineData(ReaderRole.Viewer, SensitivityTier.Public, true)]
    [InlineData(ReaderRole.Viewer, SensitivityTier.Internal, true)]
    [InlineData(ReaderRole.Viewer, SensitivityTier.Confidential, false)]
    [InlineData(ReaderRole.Viewer, SensitivityTier.Restricted, false)]
    [InlineData(ReaderRole.Operator, SensitivityTier.Restricted, true)]
    public void ViewerReadsNothingAboveInternal(ReaderRole role, SensitivityTier tier, bool allowed) =>
        Assert.Equal(allowed, SensitivityPolicy.CanReadRows(role, tier));

    [Fact]
    public void SourceUriProtector_IsKeyedAndStable()
    {
        var a = new SourceUriProtector(new byte[32], "a");
        var b = new SourceUriProtector(Enumerable.Repeat((byte)1, 32).ToArray(), "b");

        Assert.Equal(a.Protect("file:///x.wav"), a.Protect("file:///x.wav"));
        Assert.NotEqual(a.Protect("file:///x.wav"), b.Protect("file:///x.wav"));
        Assert.StartsWith(SourceUriProtector.Prefix, a.Protect("file:///x.wav"), StringComparison.Ordinal);
        Assert.DoesNotContain("x.wav", a.Protect("file:///x.wav"), StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new SourceUriProtector(new byte[16], "short"));
    }
}

[Trait("Category", "Unit")]
public sealed class ModelSourcePolicyTests
{
    private const string Hash = "1a153a22f4509e292a94e67d6f9b85e8deb25b4988682b7e174c65279d8788e3";

    [Theory]
    [InlineData("https://huggingface.co/snakers4/silero-vad/resolve/main/silero_vad.onnx", Hash)]
    [InlineData("https://models.example.com/vad.onnx", Hash)]
    [InlineData("https://acct.blob.core.windows.net/models/vad.onnx", "")]
    [InlineData("ftp://acct/models/vad.onnx", Hash)]
    public void Pipeline_RejectsAnUnpinnedOrNonStorageModelUrl(string path, string sha256)
    {
        var json = $$"""{ "audio": { "vadModelPath": "{{path}}", "vadModelSha256": "{{sha256}}" }, "routes": [ { "match": ["**/*.wav"], "table": "t", "kind": "audio" } ] }""";

        var ex = Assert.Throws<FormatException>(() => PipelineDefinition.FromJson(json));

        Assert.Contains("audio.vadModelPath", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/models/silero_vad.onnx", "")]
    [InlineData("file:///models/silero_vad.onnx", Hash)]
    [InlineData("https://acct.blob.core.windows.net/models/silero_vad.onnx", Hash)]
    public void Pipeline_AcceptsLocalPathsAndPinnedStorageUrls(string path, string sha256)
    {
        var json = $$"""{ "audio": { "vadModelPath": "{{path}}", "vadModelSha256": "{{sha256}}" }, "routes": [ { "match": ["**/*.wav"], "table": "t", "kind": "audio" } ] }""";

        Assert.Equal(path, PipelineDefinition.FromJson(json).Audio.VadModelPath);
    }
}
