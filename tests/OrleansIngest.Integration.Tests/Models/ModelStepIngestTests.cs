using System.Text.Json;
using Azure.Storage.Blobs;
using OrleansIngest.Processing.Synthetic;
using OrleansIngest.TestSupport;
using OrleansIngest.TestSupport.Azurite;
using OrleansIngest.TestSupport.DuckDb;

namespace OrleansIngest.Integration.Tests.Models;

/// <summary>
/// Bring-your-own model steps through the CLI's embedded ingest: typed columns read back with DuckDB, the model
/// registry, rejection of models that do not match their declaration, and a model read from a blob URL (Azurite).
/// </summary>
[Trait("Category", "Integration")]
public sealed class ModelStepIngestTests(AzuriteFixture azurite) : IClassFixture<AzuriteFixture>, IDisposable
{
    private const string LogMelEmbedSha256 = "2261c2dc14ed594e79dae234c9ccf2f1a3c104907f0f638bbdf8f22a4ba905e1";
    private const string PcmRmsSha256 = "30546d8cd6933060df173ce659be78bdb47c2d96f29ae13764de614337db5f1d";
    private static readonly TimeSpan CliTimeout = TimeSpan.FromMinutes(6);

    private readonly TempDirectory _temp = new("oi-models");

    private static string ModelsFolder => Path.Combine(TestTools.RepositoryRoot, "tests", "OrleansIngest.Processing.Tests", "Models");

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task Ingest_WritesAudioModelOutputsAsTypedColumnsAndRegistersTheModels()
    {
        var source = GenerateAudio();
        var output = _temp.Combine("out");
        var pipeline = WritePipeline(Path.Combine(ModelsFolder, "logmel_embed.onnx"), LogMelEmbedSha256, "mel", "log_mel", withPcmStep: true);

        var run = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", source, "--output", output, "--pipeline", pipeline, "--execution-provider", "auto");

        Assert.True(run.ExitCode == 0, run.ToString());
        var table = DuckDbQuery.Literal($"{output}/audio_segments/*.parquet");
        var columns = await DuckDbQuery.QueryAsync($"DESCRIBE SELECT * FROM read_parquet({table})");
        Assert.Equal(
            [("model_versions", "VARCHAR"), ("ingested_at", "TIMESTAMP WITH TIME ZONE"), ("mel_embedding", "FLOAT[]"), ("loudness", "FLOAT[]"),
             ("loudness_label", "VARCHAR"), ("mel_energy", "FLOAT"), ("mel_frames", "BIGINT"), ("pcm_rms", "DOUBLE")],
            columns.TakeLast(8).Select(c => (c.GetProperty("column_name").GetString(), c.GetProperty("column_type").GetString())));

        // DuckDB recomputes what the models were given: the mean of the log-mel and its frame count.
        var checks = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, bool_and(len(mel_embedding) = 8) AS embedding_ok, bool_and(abs(list_sum(loudness) - 1) < 1e-5) AS probabilities_ok, " +
            $"bool_and(loudness_label IN ('low', 'mid', 'high')) AS labels_ok, max(abs(mel_energy - list_avg(log_mel))) AS energy_error, " +
            $"bool_and(mel_frames = log_mel_frames) AS frames_ok, bool_and(pcm_rms > 0) AS rms_ok, " +
            $"bool_and(contains(model_versions, 'logmel_embed=logmel_embed@1+2261c2dc14ed') AND contains(model_versions, 'pcm_rms=pcm_rms@1+30546d8cd693')) AS lineage_ok " +
            $"FROM read_parquet({table})");
        var row = checks[0];
        Assert.True(row.GetProperty("n").GetInt64() > 0);
        Assert.True(row.GetProperty("embedding_ok").GetBoolean());
        Assert.True(row.GetProperty("probabilities_ok").GetBoolean());
        Assert.True(row.GetProperty("labels_ok").GetBoolean());
        Assert.True(row.GetProperty("energy_error").GetDouble() < 1e-4);
        Assert.True(row.GetProperty("frames_ok").GetBoolean());
        Assert.True(row.GetProperty("rms_ok").GetBoolean());
        Assert.True(row.GetProperty("lineage_ok").GetBoolean());

        using var registry = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "_ingest", "models", "logmel_embed@1.json")));
        var entry = registry.RootElement;
        Assert.Equal(LogMelEmbedSha256, entry.GetProperty("sha256").GetString());
        Assert.Equal("auto", entry.GetProperty("requestedProvider").GetString());
        var actual = entry.GetProperty("actualProvider").GetString();
        Assert.Contains(actual, new[] { "cpu", "cuda" });
        Assert.Equal(actual == "cpu", entry.GetProperty("fallbackReason").ValueKind == JsonValueKind.String);
        Assert.False(string.IsNullOrEmpty(entry.GetProperty("silo").GetString()));
        Assert.True(File.Exists(Path.Combine(output, "_ingest", "models", "pcm_rms@1.json")));
    }

    [Fact]
    public async Task Ingest_ExecutionProviderOptionIsTheDefaultOfStepsThatNameNone()
    {
        var source = GenerateAudio();
        var output = _temp.Combine("out");
        var pipeline = WritePipeline(Path.Combine(ModelsFolder, "logmel_embed.onnx"), LogMelEmbedSha256, "mel", "log_mel", withPcmStep: false, provider: "");

        var run = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", source, "--output", output, "--pipeline", pipeline, "--execution-provider", "cuda");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var registry = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "_ingest", "models", "logmel_embed@1.json")));
        Assert.Equal("cuda", registry.RootElement.GetProperty("requestedProvider").GetString());
        var actual = registry.RootElement.GetProperty("actualProvider").GetString();
        Assert.Equal(actual == "cpu", registry.RootElement.GetProperty("fallbackReason").ValueKind == JsonValueKind.String);
    }

    [Fact]
    public async Task Ingest_RejectsAnUnknownExecutionProvider()
    {
        var run = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", _temp.Path, "--output", _temp.Combine("out"), "--execution-provider", "tpu");

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("tpu", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_RejectsAModelWhoseSha256DiffersBeforeAnyWork()
    {
        var source = GenerateAudio();
        var pipeline = WritePipeline(Path.Combine(ModelsFolder, "logmel_embed.onnx"), new string('0', 64), "mel", "log_mel", withPcmStep: false);

        var run = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", source, "--output", _temp.Combine("out"), "--pipeline", pipeline);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"has SHA-256 {LogMelEmbedSha256}, expected {new string('0', 64)}", run.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Combine("out", "audio_segments")));
    }

    [Fact]
    public async Task Ingest_RejectsAModelWhoseInputsDoNotMatchItsDeclaration()
    {
        var source = GenerateAudio();
        var pipeline = WritePipeline(Path.Combine(ModelsFolder, "logmel_embed.onnx"), LogMelEmbedSha256, "spectrogram", "log_mel", withPcmStep: false);

        var run = await CliRunner.RunAsync(CliTimeout, "ingest", "--source", source, "--output", _temp.Combine("out"), "--pipeline", pipeline);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Model step 'logmel_embed' does not match", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("model input(s) 'mel' are not bound", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_LoadsAModelFromABlobUrlCheckedByItsSha256()
    {
        var container = new BlobContainerClient(azurite.ConnectionString, $"models-{Guid.NewGuid():N}");
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient("audio/logmel_embed.onnx").UploadAsync(Path.Combine(ModelsFolder, "logmel_embed.onnx"));
        var source = GenerateAudio();
        var output = _temp.Combine("out");
        var url = $"{azurite.ContainerUrl(container.Name)}/audio/logmel_embed.onnx";
        var pipeline = WritePipeline(url, LogMelEmbedSha256, "mel", "log_mel", withPcmStep: false);

        var run = await CliRunner.RunAsync(
            CliTimeout,
            new Dictionary<string, string> { ["OrleansIngest__Worker__ModelCacheDirectory"] = _temp.Combine("model-cache") },
            ["ingest", "--source", source, "--output", output, "--pipeline", pipeline, "--storage-connection-string", azurite.ConnectionString]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.True(File.Exists(_temp.Combine("model-cache", LogMelEmbedSha256 + ".onnx")));
        var rows = await DuckDbQuery.QueryAsync(
            $"SELECT count(*) AS n, bool_and(len(mel_embedding) = 8) AS ok FROM read_parquet({DuckDbQuery.Literal($"{output}/audio_segments/*.parquet")})");
        Assert.True(rows[0].GetProperty("n").GetInt64() > 0);
        Assert.True(rows[0].GetProperty("ok").GetBoolean());
        using var registry = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "_ingest", "models", "logmel_embed@1.json")));
        Assert.Equal(url, registry.RootElement.GetProperty("path").GetString());
    }

    private string GenerateAudio()
    {
        var source = _temp.Combine("corpus");
        var manifest = CorpusGenerator.Generate(source, new CorpusSettings(AudioMinutes: 1, SensorFiles: 0, BadFiles: 0, Seed: 5));
        Assert.NotEmpty(manifest.OfKind(CorpusFileKind.Audio));
        return source;
    }

    private string WritePipeline(string modelPath, string sha256, string inputName, string binding, bool withPcmStep, string provider = "auto")
    {
        var pcm = withPcmStep
            ? $"""
                  - name: pcm_rms
                    appliesTo: audio
                    path: {Path.Combine(ModelsFolder, "pcm_rms.onnx")}
                    sha256: "{PcmRmsSha256}"
                    inputs: {"{"} audio: pcm {"}"}
                    outputs:
                      - {"{"} tensor: rms, column: pcm_rms, type: double {"}"}
                """
            : "";
        var yaml = $"""
            routes:
              - match: ["**/*.wav", "**/*.flac", "**/*.mp3", "**/*.ogg", "**/*.opus"]
                table: audio_segments
                kind: audio
            audio:
              segmentSeconds: 10
            models:
              - name: logmel_embed
                appliesTo: audio
                path: {modelPath}
                sha256: "{sha256}"
                version: "1"
                provider: "{provider}"
                batchSize: 4
                inputs: {"{"} {inputName}: {binding} {"}"}
                outputs:
                  - {"{"} tensor: embedding, column: mel_embedding, type: float_vector, length: 8 {"}"}
                  - {"{"} tensor: probs, column: loudness, type: class_probabilities, labels: [low, mid, high] {"}"}
                  - {"{"} tensor: energy, column: mel_energy, type: float {"}"}
                  - {"{"} tensor: frames, column: mel_frames, type: int64 {"}"}
            {pcm}
            """;
        var path = _temp.Combine("pipeline.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }
}
