using System.Collections.Concurrent;
using System.Security.Cryptography;
using OrleansIngest.Processing.Pipeline;
using OrleansIngest.Processing.Ports;

namespace OrleansIngest.Processing.Inference;

/// <summary>Where the catalog finds models and how it runs them.</summary>
/// <param name="CacheDirectory">Local folder for models fetched from blob URLs, named by their SHA-256.</param>
/// <param name="DefaultProvider">Provider preference of steps that do not name one (<c>auto</c>, <c>cuda</c>, <c>cpu</c>).</param>
/// <param name="IntraOpThreads">Threads one model call may use.</param>
public sealed record ModelCatalogSettings(string CacheDirectory, string DefaultProvider = OnnxSessionFactory.CpuProvider, int IntraOpThreads = 1);

/// <summary>
/// The process's model sessions: one <see cref="ModelStep"/> per distinct step declaration (name, location, hash,
/// bindings, provider), created on first use and shared by every job and lane. Models named by a blob URL are read
/// through the <see cref="IStorageResolver"/> once and cached locally by hash. Thread-safe.
/// </summary>
public sealed class ModelCatalog(IStorageResolver? storage, ModelCatalogSettings settings) : IDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<ModelStep>>> _steps = new(StringComparer.Ordinal);

    /// <summary>Settings the catalog was created with.</summary>
    public ModelCatalogSettings Settings { get; } = settings ?? throw new ArgumentNullException(nameof(settings));

    /// <summary>Every step loaded so far.</summary>
    public IReadOnlyList<ModelStep> Loaded =>
        [.. _steps.Values.Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(l => l.Value.Result)];

    /// <summary>Loads (or returns the already loaded) steps of a pipeline.</summary>
    /// <exception cref="InvalidDataException">A model's hash or bindings do not match its declaration.</exception>
    /// <exception cref="FileNotFoundException">A local model file does not exist.</exception>
    public async Task<ModelSteps> LoadAsync(IReadOnlyList<ModelStepDefinition> definitions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definitions);
        var steps = new List<ModelStep>(definitions.Count);
        foreach (var definition in definitions)
        {
            steps.Add(await GetAsync(definition, cancellationToken));
        }

        return new ModelSteps(steps);
    }

    /// <summary>Releases every session.</summary>
    public void Dispose()
    {
        foreach (var step in Loaded)
        {
            step.Dispose();
        }

        _steps.Clear();
    }

    private async Task<ModelStep> GetAsync(ModelStepDefinition definition, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(
            System.Text.Json.JsonSerializer.Serialize(definition) + "|" + Settings.DefaultProvider)));
        var lazy = _steps.GetOrAdd(key, _ => new Lazy<Task<ModelStep>>(() => LoadStepAsync(definition, CancellationToken.None)));
        try
        {
            return await lazy.Value.WaitAsync(cancellationToken);
        }
        catch (Exception) when (lazy.Value.IsFaulted)
        {
            // A failed load is not cached: the file may be fixed, or the store reachable, next time.
            _steps.TryRemove(new KeyValuePair<string, Lazy<Task<ModelStep>>>(key, lazy));
            throw;
        }
    }

    private async Task<ModelStep> LoadStepAsync(ModelStepDefinition definition, CancellationToken cancellationToken)
    {
        definition.Validate();
        var bytes = await ReadModelAsync(definition, cancellationToken);
        return ModelStep.Load(definition, bytes, definition.Path, Settings.DefaultProvider, Settings.IntraOpThreads);
    }

    private async Task<byte[]> ReadModelAsync(ModelStepDefinition definition, CancellationToken cancellationToken)
    {
        var path = definition.Path.Trim();
        if (path.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || path.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
        {
            return await ReadRemoteAsync(definition, path, cancellationToken);
        }

        var local = ResolveLocalPath(path);
        if (!File.Exists(local))
        {
            throw new FileNotFoundException($"Model step '{definition.Name}': model file not found at '{path}' (looked at '{local}').", local);
        }

        return await File.ReadAllBytesAsync(local, cancellationToken);
    }

    /// <summary>
    /// Resolves a local model location: a <c>file://</c> URI, an absolute path, or a path relative to the directory of
    /// the binaries (where the build copies <c>models/</c>), else to the current directory.
    /// </summary>
    public static string ResolveLocalPath(string location)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(location);
        if (location.StartsWith("file://", StringComparison.OrdinalIgnoreCase))
        {
            return new Uri(location).LocalPath;
        }

        if (Path.IsPathRooted(location))
        {
            return location;
        }

        var besideBinaries = Path.Combine(AppContext.BaseDirectory, location);
        return File.Exists(besideBinaries) ? besideBinaries : Path.GetFullPath(location);
    }

    private async Task<byte[]> ReadRemoteAsync(ModelStepDefinition definition, string url, CancellationToken cancellationToken)
    {
        var expected = definition.Sha256.Trim().ToLowerInvariant();
        Directory.CreateDirectory(Settings.CacheDirectory);
        var cached = Path.Combine(Settings.CacheDirectory, expected + ".onnx");
        if (File.Exists(cached))
        {
            var bytes = await File.ReadAllBytesAsync(cached, cancellationToken);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) == expected)
            {
                return bytes;
            }

            // A damaged cache entry is fetched again rather than trusted.
            File.Delete(cached);
        }

        if (storage is null)
        {
            throw new InvalidOperationException($"Model step '{definition.Name}' is loaded from a URL, but no storage is configured on this node.");
        }

        // The store reads by (URI, ETag): list the model's folder to learn the blob's current ETag, in the listing's form.
        var folder = url[..url.LastIndexOf('/')];
        var store = storage.GetSource(folder);
        var name = url[(url.LastIndexOf('/') + 1)..];
        var located = store.Locate(folder, url);
        SourceObject? blob = null;
        await foreach (var item in store.ListAsync(folder, cancellationToken))
        {
            if (located is not null ? string.Equals(item.Uri, located.Uri, StringComparison.Ordinal) : string.Equals(item.RelativePath, name, StringComparison.Ordinal))
            {
                blob = item;
                break;
            }
        }

        if (blob is null)
        {
            throw new FileNotFoundException($"Model step '{definition.Name}': no blob at '{url.Split('?')[0]}'.");
        }

        using var buffer = new MemoryStream();
        await using (var stream = await store.OpenReadAsync(blob.Uri, blob.ETag, cancellationToken))
        {
            await stream.CopyToAsync(buffer, cancellationToken);
        }

        var downloaded = buffer.ToArray();
        var actual = Convert.ToHexStringLower(SHA256.HashData(downloaded));
        if (actual != expected)
        {
            throw new InvalidDataException(
                $"Model step '{definition.Name}': '{url.Split('?')[0]}' has SHA-256 {actual}, expected {expected}; the blob is corrupt or a different model.");
        }

        // Write then move, so a crash never leaves a half-written file under the hash's name.
        var temporary = cached + "." + Guid.NewGuid().ToString("N") + ".tmp";
        await File.WriteAllBytesAsync(temporary, downloaded, cancellationToken);
        File.Move(temporary, cached, overwrite: true);
        return downloaded;
    }
}

/// <summary>The loaded model steps of one pipeline, by the rows they apply to.</summary>
public sealed class ModelSteps
{
    /// <summary>A pipeline without model steps.</summary>
    public static ModelSteps None { get; } = new([]);

    /// <summary>Groups loaded steps.</summary>
    public ModelSteps(IReadOnlyList<ModelStep> steps)
    {
        ArgumentNullException.ThrowIfNull(steps);
        All = steps;
        Audio = [.. steps.Where(s => s.Definition.AppliesTo == ModelAppliesTo.Audio)];
        Sensor = [.. steps.Where(s => s.Definition.AppliesTo == ModelAppliesTo.Sensor)];
    }

    /// <summary>Every step, in declaration order.</summary>
    public IReadOnlyList<ModelStep> All { get; }

    /// <summary>Steps on audio segments.</summary>
    public IReadOnlyList<ModelStep> Audio { get; }

    /// <summary>Steps on sensor windows.</summary>
    public IReadOnlyList<ModelStep> Sensor { get; }

    /// <summary>Extra columns of the table of <paramref name="kind"/> (the sensor table also gains <c>model_versions</c>).</summary>
    public IReadOnlyList<Parquet.ModelColumn> ColumnsFor(RouteKind kind)
    {
        var steps = kind == RouteKind.Audio ? Audio : Sensor;
        if (steps.Count == 0)
        {
            return [];
        }

        var columns = steps.SelectMany(s => s.Columns).ToList();
        if (kind == RouteKind.Sensor)
        {
            columns.Add(new Parquet.ModelColumn(SensorModelVersionsColumn, Parquet.ModelColumnKind.String));
        }

        return columns;
    }

    /// <summary>The <c>model_versions</c> column the sensor table gains when it has model steps (the audio table always has one).</summary>
    public const string SensorModelVersionsColumn = "model_versions";

    /// <summary>Lineage of the steps of <paramref name="kind"/>: <c>name=name@version+sha</c> entries joined by <c>;</c>.</summary>
    public string LineageFor(RouteKind kind) =>
        string.Join(";", (kind == RouteKind.Audio ? Audio : Sensor).Select(s => $"{s.Definition.Name}={s.LineageVersion}"));
}
