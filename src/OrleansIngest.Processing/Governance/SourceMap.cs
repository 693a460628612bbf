using System.Text.Json;
using System.Text.Json.Serialization;

namespace OrleansIngest.Processing.Governance;

/// <summary>One mapping of a restricted table: the HMAC written in place of a source URI, and what it stands for.</summary>
public sealed record SourceMapEntry(
    [property: JsonPropertyName("hmac")] string Hmac,
    [property: JsonPropertyName("source_uri")] string SourceUri,
    [property: JsonPropertyName("source_etag")] string SourceETag,
    [property: JsonPropertyName("key_id")] string KeyId);

/// <summary>
/// The source map of restricted tables (<c>&lt;output&gt;/_ingest/private/source_map/&lt;hex&gt;-&lt;etag hash&gt;.json</c>),
/// one object per blob version, readable by operators only (the folder is outside every table, and the dashboard
/// serves it to operators alone). Erasure deletes the entries of the erased sources.
/// </summary>
public sealed class SourceMap(IGovernanceStore store)
{
    /// <summary>Folder of the entries below the governance root.</summary>
    public const string Folder = "private/source_map";

    private static readonly JsonSerializerOptions Options = new() { WriteIndented = false };

    /// <summary>Records a mapping (put-if-absent: the same blob version always maps to the same value).</summary>
    public async Task RecordAsync(SourceMapEntry entry, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        await store.TryCreateAsync(PathOf(entry.Hmac, entry.SourceETag), JsonSerializer.SerializeToUtf8Bytes(entry, Options), cancellationToken);
    }

    /// <summary>The entries whose HMAC is <paramref name="hmac"/> (one per version of the source).</summary>
    public async Task<IReadOnlyList<SourceMapEntry>> ResolveAsync(string hmac, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hmac);
        var prefix = $"{Folder}/{Hex(hmac)}-";
        var found = new List<SourceMapEntry>();
        await foreach (var path in store.ListAsync(Folder, cancellationToken))
        {
            if (path.StartsWith(prefix, StringComparison.Ordinal) && await ReadEntryAsync(path, cancellationToken) is { } entry)
            {
                found.Add(entry);
            }
        }

        return found;
    }

    /// <summary>Every entry, in path order.</summary>
    public async IAsyncEnumerable<SourceMapEntry> ListAsync([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var path in store.ListAsync(Folder, cancellationToken))
        {
            if (await ReadEntryAsync(path, cancellationToken) is { } entry)
            {
                yield return entry;
            }
        }
    }

    /// <summary>Deletes the entry of one blob version (idempotent).</summary>
    public Task ForgetAsync(string hmac, string sourceETag, CancellationToken cancellationToken = default) =>
        store.DeleteAsync(PathOf(hmac, sourceETag), cancellationToken);

    private async Task<SourceMapEntry?> ReadEntryAsync(string path, CancellationToken cancellationToken)
    {
        var content = await store.ReadAsync(path, cancellationToken);
        if (content is null)
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<SourceMapEntry>(content, Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Source map entry '{path}' in {store.RootUri} is not valid JSON: {ex.Message}", ex);
        }
    }

    private static string PathOf(string hmac, string sourceETag)
    {
        // ETags hold quotes and other characters unfit for names: a hash of it names the version.
        var etag = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(sourceETag)))[..16];
        return $"{Folder}/{Hex(hmac)}-{etag}.json";
    }

    private static string Hex(string hmac) =>
        hmac.StartsWith(SourceUriProtector.Prefix, StringComparison.Ordinal)
            ? hmac[SourceUriProtector.Prefix.Length..]
            : throw new ArgumentException($"'{hmac}' is not a protected source URI.", nameof(hmac));
}
