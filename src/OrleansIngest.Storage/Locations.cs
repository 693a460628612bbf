using OrleansIngest.Storage.Local;

namespace OrleansIngest.Storage;

/// <summary>Normalises a location an operator gives (CLI, API): blob URLs as they are, local paths as file:// URIs.</summary>
public static class Locations
{
    /// <summary>Whether <paramref name="location"/> is an http(s) URL.</summary>
    public static bool IsRemote(string location) =>
        location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    /// <summary>The location as jobs store it: a blob URL without a trailing slash, or the file:// URI of the full local path.</summary>
    public static string Normalize(string location) =>
        IsRemote(location) ? location.TrimEnd('/') : LocalPaths.ToUri(LocalPaths.ToFullPath(location));
}
