namespace OrleansIngest.Silo.Hosting;

/// <summary>
/// Credentials for blob sources and outputs (section <c>OrleansIngest:Storage</c>; environment
/// <c>ORLEANSINGEST__STORAGE__CONNECTIONSTRING</c> etc.). Never logged.
/// </summary>
public sealed class StorageOptions
{
    /// <summary>Configuration section.</summary>
    public const string SectionName = "OrleansIngest:Storage";

    /// <summary>Storage account connection string (keys or SAS).</summary>
    public string? ConnectionString { get; set; }

    /// <summary>A SAS token appended to blob URLs instead of a connection string.</summary>
    public string? SasToken { get; set; }

    /// <summary>Use <c>DefaultAzureCredential</c> (managed identity, workload identity, developer login).</summary>
    public bool UseDefaultAzureCredential { get; set; }

    /// <summary>
    /// Chaos runs only: the probability (0–0.5) that a data-plane write loses its response or a read gets a 503
    /// (see <see cref="ChaosStorageFaults"/>). 0, the default, injects nothing.
    /// </summary>
    [System.ComponentModel.DataAnnotations.Range(0.0, 0.5)]
    public double ChaosFaultRate { get; set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"connection string: {(string.IsNullOrEmpty(ConnectionString) ? "none" : "set")}, SAS: {(string.IsNullOrEmpty(SasToken) ? "none" : "set")}, DefaultAzureCredential: {UseDefaultAzureCredential}";
}
