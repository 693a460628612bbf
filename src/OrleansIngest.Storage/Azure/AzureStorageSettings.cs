using System.Text;

namespace OrleansIngest.Storage.Azure;

/// <summary>
/// How to reach Azure Blob Storage. The first credential that is set wins: <see cref="ConnectionString"/>, then
/// <see cref="SasToken"/>, then <see cref="UseDefaultAzureCredential"/>. Secrets never appear in
/// <see cref="object.ToString"/>, log messages or exception messages.
/// </summary>
/// <param name="ConnectionString">
/// A storage connection string (account key, SAS or Azurite's development account); the account it names must be
/// the account of every blob URL used with it. Configuration key <see cref="ConnectionStringKey"/>.
/// </param>
/// <param name="SasToken">A shared access signature (with or without the leading <c>?</c>) valid for the accounts used.</param>
/// <param name="UseDefaultAzureCredential">Authenticate with Entra ID through <c>DefaultAzureCredential</c> (managed identity, workload identity, Azure CLI, …).</param>
public sealed record AzureStorageSettings(string? ConnectionString = null, string? SasToken = null, bool UseDefaultAzureCredential = false)
{
    /// <summary>The configuration key of the connection string.</summary>
    public const string ConnectionStringKey = "OrleansIngest:Storage:ConnectionString";

    /// <summary>The environment variable that sets <see cref="ConnectionStringKey"/>.</summary>
    public const string ConnectionStringEnvironmentVariable = "ORLEANSINGEST__STORAGE__CONNECTIONSTRING";

    /// <summary>Whether any way of authenticating is configured.</summary>
    public bool HasCredentials =>
        !string.IsNullOrWhiteSpace(ConnectionString) || !string.IsNullOrWhiteSpace(SasToken) || UseDefaultAzureCredential;

    // The compiler-generated printer would write the secrets into logs; say only which ones are set.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("ConnectionString = ").Append(ConnectionString is null ? "null" : "***")
            .Append(", SasToken = ").Append(SasToken is null ? "null" : "***")
            .Append(", UseDefaultAzureCredential = ").Append(UseDefaultAzureCredential);
        return true;
    }
}
