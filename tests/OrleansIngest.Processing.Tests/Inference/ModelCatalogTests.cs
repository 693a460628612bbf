using System.Runtime.CompilerServices;
using System.Text.Json;
using OrleansIngest.Processing.Inference;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;
using OrleansIngest.Processing.Tests.Models;
using OrleansIngest.Processing.Tests.Parquet;

namespace OrleansIngest.Processing.Tests.Inference;

[Trait("Category", "Unit")]
public sealed class ModelCatalogTests : IDisposable
{
    private const string Url = "https://acct.blob.core.windows.net/models/logmel_embed.onnx";

    private readonly TempDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task ModelCatalog_LoadsAFileUriAndSharesOneSessionPerDeclaration()
    {
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));
        var step = TestModels.LogMelEmbedStep(new Uri(TestModels.LogMelEmbedPath).AbsoluteUri);

        var first = await catalog.LoadAsync([step]);
        var second = await catalog.LoadAsync([step]);

        Assert.Same(first.All[0], second.All[0]);
        Assert.Single(catalog.Loaded);
    }

    [Fact]
    public async Task ModelCatalog_ReadsABlobUrlThroughTheStoreOnceAndCachesItByHash()
    {
        var store = new OneBlobStore(Url, TestModels.LogMelEmbedBytes);
        var step = TestModels.LogMelEmbedStep(Url);
        using (var catalog = new ModelCatalog(new OneBlobResolver(store), new ModelCatalogSettings(_directory.Path)))
        {
            await catalog.LoadAsync([step]);
        }

        using var again = new ModelCatalog(new OneBlobResolver(store), new ModelCatalogSettings(_directory.Path));
        var loaded = await again.LoadAsync([step]);

        Assert.Equal(1, store.Reads);
        Assert.True(File.Exists(Path.Combine(_directory.Path, TestModels.LogMelEmbedSha256 + ".onnx")));
        Assert.Equal(TestModels.LogMelEmbedSha256, loaded.All[0].Sha256);
    }

    [Fact]
    public async Task ModelCatalog_RejectsABlobWhoseSha256DiffersAndCachesNothing()
    {
        var store = new OneBlobStore(Url, TestModels.PcmRmsBytes);
        using var catalog = new ModelCatalog(new OneBlobResolver(store), new ModelCatalogSettings(_directory.Path));

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => catalog.LoadAsync([TestModels.LogMelEmbedStep(Url)]));

        Assert.Contains($"has SHA-256 {TestModels.PcmRmsSha256}, expected {TestModels.LogMelEmbedSha256}", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(_directory.Path));
        Assert.Empty(catalog.Loaded);
    }

    [Fact]
    public async Task ModelCatalog_MissingLocalFileNamesThePath()
    {
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path));

        var error = await Assert.ThrowsAsync<FileNotFoundException>(() => catalog.LoadAsync([TestModels.LogMelEmbedStep("/nowhere/model.onnx")]));

        Assert.Contains("/nowhere/model.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelRegistration_HoldsTheContractFields()
    {
        using var catalog = new ModelCatalog(null, new ModelCatalogSettings(_directory.Path, "auto"));
        var step = (await catalog.LoadAsync([TestModels.LogMelEmbedStep()])).All[0];

        var registration = ModelRegistration.From(step, "silo-1", new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero));
        using var json = JsonDocument.Parse(registration.ToJson());

        var root = json.RootElement;
        Assert.Equal("_ingest/models/logmel_embed@7.json", registration.RelativePath);
        Assert.Equal(
            ["name", "version", "sha256", "path", "appliesTo", "inputs", "outputs", "requestedProvider", "actualProvider", "fallbackReason", "silo", "registeredAt"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(TestModels.LogMelEmbedSha256, root.GetProperty("sha256").GetString());
        Assert.Equal("audio", root.GetProperty("appliesTo").GetString());
        Assert.Equal("log_mel", root.GetProperty("inputs").GetProperty("mel").GetString());
        Assert.Equal("float_vector", root.GetProperty("outputs")[0].GetProperty("type").GetString());
        Assert.Equal("auto", root.GetProperty("requestedProvider").GetString());
        Assert.Equal(step.ActualProvider, root.GetProperty("actualProvider").GetString());
        Assert.Equal(step.ActualProvider == "cpu", root.GetProperty("fallbackReason").ValueKind == JsonValueKind.String);
        Assert.Equal("silo-1", root.GetProperty("silo").GetString());
    }

    private sealed class OneBlobResolver(IBlobStore store) : IStorageResolver
    {
        public ITableStore GetTable(string outputRoot, string tableName) => throw new NotSupportedException();

        public IBlobStore GetSource(string sourceRoot) => store;

        public IAsyncEnumerable<string> ListTablesAsync(string outputRoot, CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private sealed class OneBlobStore(string uri, byte[] content) : IBlobStore
    {
        public int Reads { get; private set; }

        public async IAsyncEnumerable<SourceObject> ListAsync(string sourceRoot, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            yield return new SourceObject(uri, "logmel_embed.onnx", "\"etag-1\"", content.Length, DateTimeOffset.UnixEpoch);
        }

        public Task<SourcePage> ListPageAsync(string sourceRoot, string? continuationToken, int pageSize, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public Task<Stream> OpenReadAsync(string uri1, string expectedETag, CancellationToken cancellationToken = default)
        {
            Assert.Equal("\"etag-1\"", expectedETag);
            Reads++;
            return Task.FromResult<Stream>(new MemoryStream(content, writable: false));
        }

        public SourceLocation? Locate(string sourceRoot, string uri1) => null;
    }
}
