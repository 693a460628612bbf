using OrleansIngest.Storage.Local;

namespace OrleansIngest.Cli.Commands;

/// <summary>Normalises a location given on the command line: blob URLs as they are, local paths as file:// URIs.</summary>
internal static class Locations
{
    public static bool IsRemote(string location) =>
        location.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || location.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

    public static string Normalize(string location) =>
        IsRemote(location) ? location.TrimEnd('/') : LocalPaths.ToUri(LocalPaths.ToFullPath(location));
}
