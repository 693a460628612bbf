using System.Collections.Concurrent;
using Azure;
using Azure.Core;
using Azure.Identity;
using Azure.Storage.Blobs;

namespace OrleansIngest.Storage.Azure;

/// <summary>A container and a blob name or prefix inside it, as named by a blob URL.</summary>
/// <param name="Container">The container's client, authenticated with the configured credentials.</param>
/// <param name="Prefix">The decoded path below the container (may be empty; a trailing slash is dropped).</param>
public sealed record AzureBlobLocation(BlobContainerClient Container, string Prefix);

/// <summary>
/// Turns blob URLs — <c>https://&lt;account&gt;.blob.core.windows.net/&lt;container&gt;/&lt;prefix&gt;</c> or the
/// path-style <c>http://127.0.0.1:&lt;port&gt;/&lt;account&gt;/&lt;container&gt;/&lt;prefix&gt;</c> of Azurite — into
/// authenticated container clients, one per account and container for the factory's lifetime.
/// </summary>
public sealed class AzureBlobClientFactory
{
    private const string SasTokenKey = "OrleansIngest:Storage:SasToken";
    private const string DefaultCredentialKey = "OrleansIngest:Storage:UseDefaultAzureCredential";

    private readonly AzureStorageSettings _settings;
    private readonly BlobClientOptions _clientOptions;
    private readonly ConcurrentDictionary<string, BlobServiceClient> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BlobContainerClient> _containers = new(StringComparer.Ordinal);
    private readonly Lazy<BlobServiceClient>? _connectionStringService;
    private readonly Lazy<TokenCredential> _defaultCredential = new(() => new DefaultAzureCredential());

    /// <summary>Creates a factory for <paramref name="settings"/> (null: no credentials configured).</summary>
    /// <param name="settings">Credentials; see <see cref="AzureStorageSettings"/> for which one wins.</param>
    /// <param name="clientOptions">
    /// Client options; null uses <see cref="CreateDefaultClientOptions"/>. Extra pipeline policies ride on them: start
    /// from <see cref="CreateDefaultClientOptions"/> and add them (a <see cref="FaultInjectionPolicy"/> with
    /// <see cref="FaultInjectionPolicy.AttachTo"/>). Every client the factory makes shares them.
    /// </param>
    public AzureBlobClientFactory(AzureStorageSettings? settings, BlobClientOptions? clientOptions = null)
    {
        _settings = settings ?? new AzureStorageSettings();
        _clientOptions = clientOptions ?? CreateDefaultClientOptions();
        if (!string.IsNullOrWhiteSpace(_settings.ConnectionString))
        {
            var connectionString = _settings.ConnectionString;
            _connectionStringService = new Lazy<BlobServiceClient>(() => CreateFromConnectionString(connectionString));
        }
    }

    /// <summary>
    /// Client options with the SDK's exponential retry (6 retries, 0.8 s doubling up to 30 s) and a 100 s
    /// timeout per try, so that a stalled connection is retried instead of hanging a unit.
    /// </summary>
    public static BlobClientOptions CreateDefaultClientOptions()
    {
        var options = new BlobClientOptions();
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 6;
        options.Retry.Delay = TimeSpan.FromMilliseconds(800);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(30);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(100);
        return options;
    }

    /// <summary>Whether <paramref name="location"/> is an <c>http(s)://</c> URL, i.e. names blob storage.</summary>
    public static bool IsBlobUrl(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// <paramref name="url"/> without its query string and user information, so that a SAS token or password
    /// never reaches a message or a log.
    /// </summary>
    public static string Redact(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            return Redact(uri);
        }

        var query = url.IndexOfAny(['?', '#']);
        return query >= 0 ? url[..query] : url;
    }

    /// <summary><paramref name="uri"/> without its query string, fragment and user information.</summary>
    public static string Redact(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return new UriBuilder(uri) { Query = string.Empty, Fragment = string.Empty, UserName = string.Empty, Password = string.Empty }.Uri.AbsoluteUri;
    }

    /// <summary>The container named by <paramref name="url"/> and the path below it.</summary>
    /// <exception cref="ArgumentException">The URL is not an absolute http(s) URL with a container, or carries a query string.</exception>
    /// <exception cref="InvalidOperationException">No credentials are configured, or the connection string is for another account.</exception>
    public AzureBlobLocation Resolve(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!IsBlobUrl(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri))
        {
            throw new ArgumentException($"'{Redact(url)}' is not an http(s) blob URL.", nameof(url));
        }

        if (uri.Query.Length > 1)
        {
            // Accepting a SAS here would put it into every blob URI we log and store as lineage.
            throw new ArgumentException(
                $"'{Redact(uri)}' carries a query string; give a SAS token through {SasTokenKey}, not in the URL.",
                nameof(url));
        }

        var parts = new BlobUriBuilder(uri);
        if (string.IsNullOrEmpty(parts.BlobContainerName))
        {
            throw new ArgumentException($"'{Redact(uri)}' names no container (expected <account URL>/<container>/<prefix>).", nameof(url));
        }

        var service = GetService(uri, parts);
        var key = service.Uri.AbsoluteUri + "|" + parts.BlobContainerName;
        var container = _containers.GetOrAdd(key, _ => service.GetBlobContainerClient(parts.BlobContainerName));
        return new AzureBlobLocation(container, parts.BlobName ?? string.Empty);
    }

    private BlobServiceClient GetService(Uri uri, BlobUriBuilder parts)
    {
        if (_connectionStringService is not null)
        {
            var service = _connectionStringService.Value;
            if (!string.Equals(service.AccountName, parts.AccountName, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException(
                    $"'{Redact(uri)}' is in storage account '{parts.AccountName}', but {AzureStorageSettings.ConnectionStringKey} is for account '{service.AccountName}'.");
            }

            return service;
        }

        var endpoint = new BlobUriBuilder(uri) { BlobContainerName = string.Empty, BlobName = string.Empty, Sas = null, Snapshot = null, VersionId = null, Query = string.Empty }.ToUri();
        return _services.GetOrAdd(endpoint.AbsoluteUri, _ => CreateService(endpoint, uri));
    }

    private BlobServiceClient CreateService(Uri endpoint, Uri requested)
    {
        if (!string.IsNullOrWhiteSpace(_settings.SasToken))
        {
            return new BlobServiceClient(endpoint, new AzureSasCredential(_settings.SasToken.TrimStart('?')), _clientOptions);
        }

        if (_settings.UseDefaultAzureCredential)
        {
            return new BlobServiceClient(endpoint, _defaultCredential.Value, _clientOptions);
        }

        throw new InvalidOperationException(
            $"'{Redact(requested)}' is in Azure Blob Storage, but no storage credentials are configured: set {AzureStorageSettings.ConnectionStringKey} " +
            $"(environment variable {AzureStorageSettings.ConnectionStringEnvironmentVariable}), {SasTokenKey}, or {DefaultCredentialKey}=true.");
    }

    private BlobServiceClient CreateFromConnectionString(string connectionString)
    {
        try
        {
            return new BlobServiceClient(connectionString, _clientOptions);
        }
        catch (Exception exception) when (exception is FormatException or ArgumentException)
        {
            // The parser's message can quote the connection string; say only which setting is wrong.
            throw new InvalidOperationException($"{AzureStorageSettings.ConnectionStringKey} is not a valid storage connection string.");
        }
    }
}
