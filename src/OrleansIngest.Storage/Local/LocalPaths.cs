namespace OrleansIngest.Storage.Local;

/// <summary>Turns a location given by an operator (a path or a <c>file://</c> URI) into a full local path.</summary>
public static class LocalPaths
{
    /// <summary>Whether <paramref name="location"/> names the local file system.</summary>
    public static bool IsLocal(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        return location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) || !location.Contains("://", StringComparison.Ordinal);
    }

    /// <summary>The absolute path of a local location.</summary>
    public static string ToFullPath(string location)
    {
        ArgumentNullException.ThrowIfNull(location);
        var path = location.StartsWith("file://", StringComparison.OrdinalIgnoreCase) ? new Uri(location).LocalPath : location;
        return Path.GetFullPath(path);
    }

    /// <summary>The <c>file://</c> URI of a local path.</summary>
    public static string ToUri(string fullPath) => new Uri(Path.GetFullPath(fullPath)).AbsoluteUri;
}
